/* The conformance suite's harness: environment, case directories, known
 * divergences, requirements, calls and their judges. See hlc.h. */
#include "hlc.h"

#include <limits.h>
#include <criterion/hooks.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <linux/magic.h>

extern char **environ;

struct hlc_env hlc;
char hlc_dir[TK_PATH_MAX];
int hlc_dfd = -1;
const char *hlc_case = "?";

/* ------------------------------------------------------------------ environment */

/* HL_KNOWN's known divergences (NULL: none). The cases look up their
 * "family/case" names only, so the fuzz_ops/ lines of the same file never
 * match one. */
static tk_known *known;

static void read_known(void)
{
    char buf[TK_PATH_MAX], err[TK_KNOWN_ERR_MAX];
    const char *file = tk_known_path(buf, NULL, NULL); /* HL_KNOWN only: tools/run-cases picks the driver's */
    if (!file)
        return;
    known = tk_known_load(file, err);
    cr_assert(known, "HL_KNOWN: %s", err);
}

static void read_env(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    const char *t = tk_target(NULL, "/tmp");
    cr_assert(realpath(t, hlc.target), "HL_TARGET=%s: %s", t, strerror(errno));
    const char *prof = getenv("HL_PROFILE");
    hlc.read_only = prof && strcmp(prof, "readonly") == 0; /* hlc_init asserts that it is */
    struct stat st;
    cr_assert(stat(hlc.target, &st) == 0 && S_ISDIR(st.st_mode) &&
                  access(hlc.target, (hlc.read_only ? R_OK : W_OK) | X_OK) == 0,
              "HL_TARGET=%s is not a %s directory", hlc.target, hlc.read_only ? "readable" : "writable");
    cr_assert_eq(hl_volume_probe(hlc.target, &hlc.vol), HL_OK, "cannot probe HL_TARGET=%s", hlc.target);
    const char *p = getenv("HL_PROFILE");
    if (!p || !*p || strcmp(p, "auto") == 0) {
        const char *n = hlc.vol.name;
        hlc.profile = hlc.vol.hardlinks == 0 ? HLC_FAT
                      : strcmp(n, "ntfs-3g") == 0 || strcmp(n, "ntfs3") == 0 || strcmp(n, "ntfs") == 0 ? HLC_NTFS
                                                                                                     : HLC_POSIX;
    } else if (strcmp(p, "posix") == 0 || hlc.read_only) {
        hlc.profile = HLC_POSIX;
    } else if (strcmp(p, "ntfs") == 0) {
        hlc.profile = HLC_NTFS;
    } else if (strcmp(p, "fat") == 0) {
        hlc.profile = HLC_FAT;
    } else {
        cr_assert_fail("HL_PROFILE=%s: expected auto, posix, ntfs, fat or readonly", p);
    }
    const char *lm = getenv("HL_LINK_MAX");
    char *end;
    if (lm && *lm) {
        hlc.link_max = strtoull(lm, &end, 10);
        cr_assert(*end == '\0' && hlc.link_max > 1, "HL_LINK_MAX=%s: expected a number above 1", lm);
    } else {
        hlc.link_max = hlc.profile == HLC_NTFS ? HL_NTFS_MAX_LINKS : hlc.vol.link_max;
    }
    const char *b = getenv("HL_LINK_BUDGET");
    hlc.budget = 70000;
    if (b && *b) {
        hlc.budget = strtoull(b, &end, 10);
        cr_assert(*end == '\0' && hlc.budget > 0, "HL_LINK_BUDGET=%s: expected a positive number", b);
    }
    hlc.strict = tk_strict();
    read_known();
}

const char *hlc_profile_name(void)
{
    return hlc.read_only ? "readonly" : hlc.profile == HLC_FAT ? "fat" : hlc.profile == HLC_NTFS ? "ntfs" : "posix";
}

/* ------------------------------------------------------------------ case lifecycle */

static tk_mounts mounts;

/* The readonly profile: HL_TARGET must really be read-only, mounted so and
 * refusing a case directory with EROFS; the cases then work in HL_TARGET
 * itself, the one directory nothing can change. */
static void read_only_init(void)
{
    struct statvfs sv;
    cr_assert(statvfs(hlc.target, &sv) == 0, "statvfs HL_TARGET=%s: %s", hlc.target, strerror(errno));
    cr_assert(sv.f_flag & ST_RDONLY, "HL_PROFILE=readonly, but HL_TARGET=%s is not mounted read-only", hlc.target);
    int e = tk_workdir_make(hlc.target, "hlc", hlc_dir, &hlc_dfd);
    if (e == 0) {
        tk_workdir_remove(NULL, hlc_dir, &hlc_dfd);
        cr_assert_fail("HL_PROFILE=readonly, but a case directory could be made in HL_TARGET=%s", hlc.target);
    }
    cr_assert_eq(e, EROFS, "HL_PROFILE=readonly: making a case directory in HL_TARGET=%s gave %s, expected EROFS",
                 hlc.target, strerror(e));
    snprintf(hlc_dir, sizeof hlc_dir, "%s", hlc.target);
    hlc_dfd = open(hlc_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert(hlc_dfd >= 0, "open HL_TARGET=%s: %s", hlc_dir, strerror(errno));
}

void hlc_init(void)
{
    read_env();
    if (hlc.read_only) {
        read_only_init();
        return;
    }
    int e = tk_workdir_make(hlc.target, "hlc", hlc_dir, &hlc_dfd);
    cr_assert_eq(e, 0, "cannot create a case directory in %s: %s", hlc.target, strerror(e));
}

void hlc_fini(void)
{
    char dir[TK_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", hlc_dir);
    if (hlc.read_only)
        hlc_dir[0] = '\0'; /* HL_TARGET itself: nothing to remove */
    int e = tk_workdir_remove(&mounts, hlc_dir, &hlc_dfd);
    if (e)
        fprintf(stderr, "%s: could not remove all of %s: %s\n", hlc_case, dir, strerror(e));
}

static jmp_buf case_jump;
static char failure[TK_DIFF_MAX + 1024];
enum { CASE_FAILED = 1, CASE_NOT_APPLICABLE = 2 };
static int case_reads_only; /* HLC_READ_CASE */

void hlc_run(const char *name, void (*body)(void))
{
    hlc_case = name;
    int ended = setjmp(case_jump);
    if (!ended && hlc.read_only && !case_reads_only)
        hlc_not_applicable("HL_TARGET=%s is a read-only volume (the readonly profile), and this case writes on it",
                           hlc.target);
    if (!ended)
        body();
    const char *reason = tk_known_reason(known, name);
    if (ended == CASE_FAILED && reason) {
        fprintf(stderr, "XFAIL %s (known: %s)\n", failure, reason); /* failure starts "family/case: " */
        tk_skip("XFAIL known divergence: %s: %s", reason, failure);
    }
    if (ended == CASE_FAILED)
        cr_assert_fail("%s", failure);
    if (reason)
        cr_assert_fail("%s: passed, but %s lists it as a known divergence (%s): remove that line", name, known->file,
                       reason);
}

void hlc_run_read(const char *name, void (*body)(void))
{
    case_reads_only = 1;
    hlc_run(name, body);
}

void hlc_fail(const char *fmt, ...)
{
    char what[sizeof failure - 256];
    TK_FORMAT(what, fmt);
    snprintf(failure, sizeof failure, "%s: %s", hlc_case, what);
    hlc_root();
    longjmp(case_jump, CASE_FAILED);
}

void hlc_not_applicable(const char *fmt, ...)
{
    char why[TK_MSG_MAX];
    TK_FORMAT(why, fmt);
    cr_log_info("%s: not applicable: %s", hlc_case, why);
    fprintf(stderr, "NOTE %s: not applicable: %s\n", hlc_case, why);
    longjmp(case_jump, CASE_NOT_APPLICABLE);
}

/* ------------------------------------------------------------------ requirements */

/* A probe: 1 the target has it, 0 it has not (why says so), -1 the probe
 * itself failed (why says how: a broken setup, the case fails). */
typedef int (*probe_fn)(char *why, size_t size);

static int probe_root(char *why, size_t size)
{
    snprintf(why, size, "running as uid %u", (unsigned)geteuid());
    return geteuid() == 0;
}

static int probe_private_mounts(char *why, size_t size)
{
    int e = tk_private_mounts(hlc_dir, hlc_dfd);
    snprintf(why, size, "%s", strerror(e));
    return e == 0;
}

static int probe_second_volume(char *why, size_t size)
{
    const char *t2 = getenv("HL_TARGET2");
    int given = t2 && *t2;
    if (!given)
        t2 = "/dev/shm";
    char root[PATH_MAX];
    struct stat a, b;
    if (!realpath(t2, root) || stat(root, &b) != 0 || !S_ISDIR(b.st_mode)) {
        snprintf(why, size, "%s%s is not a directory (%s)", given ? "HL_TARGET2=" : "HL_TARGET2 is not set and ", t2,
                 strerror(errno ? errno : ENOTDIR));
        return given ? -1 : 0;
    }
    if (stat(hlc.target, &a) != 0) {
        snprintf(why, size, "stat %s: %s", hlc.target, strerror(errno));
        return -1;
    }
    if (a.st_dev == b.st_dev) {
        snprintf(why, size, "%s%s is on the same device as HL_TARGET=%s; set HL_TARGET2 to a directory on another volume",
                 given ? "HL_TARGET2=" : "", root, hlc.target);
        return 0;
    }
    if (access(root, W_OK | X_OK) != 0) {
        snprintf(why, size, "%s%s is not writable (%s)", given ? "HL_TARGET2=" : "HL_TARGET2 is not set and ", root,
                 strerror(errno));
        return given ? -1 : 0;
    }
    snprintf(hlc.target2, sizeof hlc.target2, "%s", root);
    return 1;
}

static int probe_read_only_volume(char *why, size_t size)
{
    const char *t = getenv("HL_TARGET_RO");
    if (t && *t)
        return 1; /* checked by the family itself */
    int r = hlc_has(HLC_NEED_private_mounts);
    if (!r)
        snprintf(why, size, "HL_TARGET_RO is not set, and no private mount namespace for a read-only bind mount");
    return r;
}

/* Is HL_TARGET's volume an image-backed volume of hl-volume? ("NAME KIND
 * FSTYPE MNT IMAGE" lines); its kind is the kind to make another of. */
static int probe_image_volume(char *why, size_t size)
{
    char *argv[] = {HLC_HL_VOLUME, "list", NULL};
    struct hlc_command r = hlc_command(argv);
    if (r.status != 0) {
        snprintf(why, size, "%s list failed (exit %d): %s", HLC_HL_VOLUME, r.status, r.err);
        return 0;
    }
    char *save = NULL;
    for (char *line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char name[128], kind[64], fstype[64], mnt[4096], image[4096];
        if (sscanf(line, "%127s %63s %63s %4095s %4095s", name, kind, fstype, mnt, image) == 5 &&
            strcmp(mnt, hlc.vol.mount_point) == 0 && strcmp(image, "-") != 0) {
            snprintf(hlc.kind, sizeof hlc.kind, "%s", kind);
            return 1;
        }
    }
    const char *st = getenv("HL_VOLUME_DIR");
    snprintf(why, size, "HL_TARGET=%s (on %s) is not an image-backed volume of tools/hl-volume in HL_VOLUME_DIR=%s",
             hlc.target, hlc.vol.mount_point[0] ? hlc.vol.mount_point : "?", st && *st ? st : "(unset: /tmp/hl-volumes)");
    return 0;
}

static int probe_mount_point(char *why, size_t size)
{
    snprintf(why, size, "the probe found no mount point for HL_TARGET=%s", hlc.target);
    return hlc.vol.mount_point[0] != '\0';
}

#define PROTECTED "/proc/sys/fs/protected_hardlinks"

static int probe_protected_hardlinks(char *why, size_t size)
{
    int fd = open(PROTECTED, O_RDWR | O_CLOEXEC);
    snprintf(why, size, "cannot open %s to set it: %s", PROTECTED, strerror(errno));
    if (fd >= 0)
        close(fd);
    return fd >= 0;
}

static int probe_o_tmpfile(char *why, size_t size)
{
    int e, r = tk_probe_o_tmpfile(hlc_dfd, &e);
    snprintf(why, size, "O_TMPFILE in %s on %s: %s", hlc_dir, hlc.vol.name, hl_errno_name(e));
    return r;
}

static const char *const PROBE_NAME = ".hlc-probe";

static int probe_symlinks(char *why, size_t size)
{
    if (symlinkat("target", hlc_dfd, PROBE_NAME) == 0) {
        unlinkat(hlc_dfd, PROBE_NAME, 0);
        return 1;
    }
    int e = errno;
    int left = tk_exists(hlc_dfd, PROBE_NAME);
    snprintf(why, size, "symlink in %s on %s: %s%s", hlc_dir, hlc.vol.name, hl_errno_name(e),
             left ? ", yet the name exists" : "");
    return (e == ENOSYS || e == EPERM || e == EOPNOTSUPP) && !left ? 0 : -1;
}

static int probe_unix_permissions(char *why, size_t size)
{
    struct stat st;
    int e = tk_touch(hlc_dfd, PROBE_NAME);
    if (e || (e = tk_lstat(hlc_dfd, PROBE_NAME, &st))) {
        snprintf(why, size, "cannot create %s: %s", hlc_path(PROBE_NAME), strerror(e));
        return -1;
    }
    hlc.fixed_mode = (unsigned)(st.st_mode & 07777);
    unsigned want = hlc.fixed_mode == 0640 ? 0604 : 0640;
    int r = fchmodat(hlc_dfd, PROBE_NAME, want, 0) == 0 ? 0 : errno;
    int seen = tk_lstat(hlc_dfd, PROBE_NAME, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
    unlinkat(hlc_dfd, PROBE_NAME, 0);
    snprintf(why, size, "chmod %o on %s: %s, mode %o after", want, hlc.vol.name, r ? hl_errno_name(r) : "success",
             (unsigned)seen);
    return !r && seen == (int)want;
}

static int probe_other_users(char *why, size_t size)
{
    if (geteuid() != 0) {
        snprintf(why, size, "not root: cannot ask as another user");
        return -1;
    }
    /* relative to the case directory's descriptor, as the cases call libhl:
     * the directories above it (a volume's state directory) do not count */
    int e = tk_become_nobody();
    struct stat st;
    int r = e ? e : fstatat(hlc_dfd, ".", &st, 0) == 0 ? 0 : errno;
    tk_become_root();
    snprintf(why, size, "uid %d cannot look into %s: %s", TK_NOBODY, hlc_dir, strerror(r));
    return e ? -1 : r == 0;
}

static int probe_stable_inode_numbers(char *why, size_t size)
{
    int made_up, e = tk_probe_made_up_inodes(&hlc.vol, &made_up);
    if (e) {
        snprintf(why, size, "cannot look at the root of the volume of %s (%s): %s", hlc_dir,
                 hlc.vol.mount_point[0] ? hlc.vol.mount_point : "no mount point", strerror(e));
        return -1;
    }
    snprintf(why, size, "a FUSE volume (%s) whose root is inode 1: libfuse makes its inode numbers up", hlc.vol.name);
    return !made_up;
}

static int probe_backing_store(char *why, size_t size)
{
    struct statfs sf;
    if (statfs(hlc_dir, &sf) != 0) {
        snprintf(why, size, "statfs %s: %s", hlc_dir, strerror(errno));
        return -1;
    }
    snprintf(why, size, "%s is a %s, which has no backing store: an unmount discards it", hlc.target,
             (unsigned long)sf.f_type == TMPFS_MAGIC ? "tmpfs" : "ramfs");
    return (unsigned long)sf.f_type != TMPFS_MAGIC && (unsigned long)sf.f_type != RAMFS_MAGIC;
}

/* One byte over the volume's own limit, not NAME_MAX's: fuse-overlayfs
 * holds fewer than 255 bytes. */
static int probe_name_max_on_lookup(char *why, size_t size)
{
    long max = hlc_name_max(why, size);
    char *name = max > 0 ? malloc((size_t)max + 2) : NULL;
    if (!name) {
        if (max > 0)
            snprintf(why, size, "out of memory");
        return -1;
    }
    memset(name, 'n', (size_t)max + 1);
    name[max + 1] = '\0';
    struct stat st;
    int e = fstatat(hlc_dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno;
    free(name);
    snprintf(why, size, "looking up a %ld-byte name (the volume's limit is %ld) on %s: %s", max + 1, max,
             hlc.vol.name, e ? hl_errno_name(e) : "found");
    return e == ENAMETOOLONG ? 1 : e == ENOENT ? 0 : -1;
}

/* HL_TARGET_LOWER: the LINKS file of a prepared lower layer (tools/run-cases
 * sets it for the layered kinds); set but unreadable is a broken setup. */
static int probe_lower_layer(char *why, size_t size)
{
    const char *l = getenv("HL_TARGET_LOWER");
    if (!l || !*l) {
        snprintf(why, size, "HL_TARGET_LOWER is not set: %s (%s) has no prepared lower layer (tools/hl-volume makes one "
                 "on its layered kinds)", hlc.target, hlc.vol.name);
        return 0;
    }
    char real[PATH_MAX];
    if (!realpath(l, real) || access(real, R_OK) != 0) {
        snprintf(why, size, "HL_TARGET_LOWER=%s cannot be read: %s", l, strerror(errno));
        return -1;
    }
    *strrchr(real, '/') = '\0';
    snprintf(hlc.lower, sizeof hlc.lower, "%s", real);
    return 1;
}

/* The kernel's own driver serves HL_TARGET's volume from a block device: not
 * FUSE (statfs magic), not memory or a layered mount (mountinfo's source is
 * no block device). What a crash cut and the mount's own recovery need. */
static int probe_kernel_block_volume(char *why, size_t size)
{
    struct statfs sf;
    if (statfs(hlc.target, &sf) != 0) {
        snprintf(why, size, "statfs %s: %s", hlc.target, strerror(errno));
        return -1;
    }
    if ((unsigned long)sf.f_type == FUSE_SUPER_MAGIC) {
        snprintf(why, size, "%s (%s) is served by a FUSE driver, not by the kernel", hlc.target, hlc.vol.name);
        return 0;
    }
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f) {
        snprintf(why, size, "/proc/self/mountinfo: %s", strerror(errno));
        return -1;
    }
    char line[8192], source[4096] = "";
    while (fgets(line, sizeof line, f)) { /* the last mount on the mount point is the one seen */
        char mnt[4096], src[4096];
        const char *sep = strstr(line, " - ");
        if (sep && sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 && strcmp(mnt, hlc.vol.mount_point) == 0 &&
            sscanf(sep + 3, "%*s %4095s", src) == 1)
            snprintf(source, sizeof source, "%s", src);
    }
    fclose(f);
    struct stat st;
    int blk = source[0] == '/' && stat(source, &st) == 0 && S_ISBLK(st.st_mode);
    snprintf(why, size, "%s (%s) is mounted from %s, not from a block device", hlc.target, hlc.vol.name,
             source[0] ? source : "nothing mountinfo shows");
    return blk;
}

static const struct {
    const char *name;
    probe_fn probe;
    const char *missing; /* the reason when it is missing */
} needs[HLC_NEED_COUNT] = {
    [HLC_NEED_root] = {"root", probe_root, "needs root"},
    [HLC_NEED_private_mounts] = {"private_mounts", probe_private_mounts, "no private mount namespace"},
    [HLC_NEED_second_volume] = {"second_volume", probe_second_volume, "no second volume"},
    [HLC_NEED_read_only_volume] = {"read_only_volume", probe_read_only_volume, "no read-only volume"},
    [HLC_NEED_image_volume] = {"image_volume", probe_image_volume, "no image-backed volume to make another of"},
    [HLC_NEED_mount_point] = {"mount_point", probe_mount_point, "no mount point"},
    [HLC_NEED_protected_hardlinks] = {"protected_hardlinks", probe_protected_hardlinks,
                                      "fs.protected_hardlinks cannot be set"},
    [HLC_NEED_o_tmpfile] = {"o_tmpfile", probe_o_tmpfile, "no O_TMPFILE"},
    [HLC_NEED_symlinks] = {"symlinks", probe_symlinks, "no symlinks"},
    [HLC_NEED_unix_permissions] = {"unix_permissions", probe_unix_permissions, "no Unix permissions"},
    [HLC_NEED_other_users] = {"other_users", probe_other_users, "other users are not let in"},
    [HLC_NEED_stable_inode_numbers_across_remount] = {"stable_inode_numbers_across_remount",
                                                      probe_stable_inode_numbers, "inode numbers are made up"},
    [HLC_NEED_backing_store] = {"backing_store", probe_backing_store, "no backing store"},
    [HLC_NEED_name_max_on_lookup] = {"name_max_on_lookup", probe_name_max_on_lookup,
                                     "name length not checked on lookup"},
    [HLC_NEED_lower_layer] = {"lower_layer", probe_lower_layer, "no prepared lower layer"},
    [HLC_NEED_kernel_block_volume] = {"kernel_block_volume", probe_kernel_block_volume,
                                      "no kernel filesystem on a block device"},
};

static int have[HLC_NEED_COUNT]; /* 0 not probed yet, 1 has it, 2 has not */
static char have_why[HLC_NEED_COUNT][TK_MSG_MAX];

int hlc_has(hlc_need n)
{
    if (!have[n]) {
        int r = needs[n].probe(have_why[n], sizeof have_why[n]);
        if (r < 0)
            hlc_fail("setup: probing %s: %s", needs[n].name, have_why[n]);
        have[n] = r ? 1 : 2;
    }
    return have[n] == 1;
}

const char *hlc_why(hlc_need n) { return have_why[n]; }

void hlc_require(hlc_need n)
{
    if (!hlc_has(n))
        hlc_skip("%s: %s", needs[n].missing, have_why[n]);
}

/* ------------------------------------------------------------------ paths */

const char *hlc_path(const char *rel)
{
    static char bufs[4][TK_PATH_MAX * 2 + 2];
    static int i;
    char *b = bufs[i++ & 3];
    if (rel[0] == '/')
        snprintf(b, sizeof bufs[0], "%s", rel);
    else
        snprintf(b, sizeof bufs[0], "%s/%s", hlc_dir, rel);
    return b;
}

/* PATH, resolved (symlinks, "."/".." as the kernel takes them), is the case's
 * directory or lies within it; by its text when it cannot be resolved. */
static int in_case_dir(const char *path)
{
    char real[PATH_MAX], dir[PATH_MAX];
    const char *p = realpath(path, real) ? real : path;
    const char *d = realpath(hlc_dir, dir) ? dir : hlc_dir;
    size_t n = strlen(d);
    return strncmp(p, d, n) == 0 && (p[n] == '/' || p[n] == '\0');
}

void hlc_write(const char *rel, const char *data)
{
    int e = tk_write(hlc_dfd, rel, data);
    HLC_CHECK(!e, "setup: cannot write %s: %s", hlc_path(rel), strerror(e));
}

void hlc_touch(const char *rel) { hlc_write(rel, ""); }

char *hlc_read(const char *rel) { return tk_read(hlc_dfd, rel, NULL); }

void hlc_mkdir(const char *rel)
{
    int e = tk_mkdir(hlc_dfd, rel, 0755);
    HLC_CHECK(!e, "setup: mkdir %s: %s", hlc_path(rel), strerror(e));
}

void hlc_symlink(const char *target, const char *rel)
{
    int e = tk_symlink(hlc_dfd, target, rel);
    HLC_CHECK(!e, "setup: symlink %s: %s", hlc_path(rel), strerror(e));
}

int hlc_symlink_or_none(const char *target, const char *rel)
{
    if (HLC_HAS(symlinks)) {
        hlc_symlink(target, rel);
        return 1;
    }
    HLC_CHECK(!hlc_links(), "setup: %s, but the %s profile expects symlinks", hlc_why(HLC_NEED_symlinks),
              hlc_profile_name());
    return 0;
}

int hlc_exists(const char *rel) { return tk_exists(hlc_dfd, rel); }

struct stat hlc_lstat(const char *rel)
{
    struct stat st;
    int e = tk_lstat(hlc_dfd, rel, &st);
    HLC_CHECK(!e, "lstat %s: %s", hlc_path(rel), strerror(e));
    return st;
}

struct stat hlc_stat(const char *rel)
{
    struct stat st;
    HLC_CHECK(fstatat(hlc_dfd, rel, &st, 0) == 0, "stat %s: %s", hlc_path(rel), strerror(errno));
    return st;
}

long hlc_name_max(char *why, size_t size)
{
    struct statfs sf;
    if (fstatfs(hlc_dfd, &sf) != 0) {
        snprintf(why, size, "statfs %s: %s", hlc_dir, strerror(errno));
        return -1;
    }
    long pc = fpathconf(hlc_dfd, _PC_NAME_MAX);
    if (sf.f_namelen <= 0 || sf.f_namelen >= 4096 || (pc >= 0 && pc != (long)sf.f_namelen)) {
        snprintf(why, size, "%s reports a name limit of %ld bytes (statfs f_namelen), pathconf _PC_NAME_MAX %ld",
                 hlc_dir, (long)sf.f_namelen, pc);
        return -1;
    }
    return (long)sf.f_namelen;
}

/* ------------------------------------------------------------------ snapshots */

/* Without file data: opening a file is not neutral on every volume (a FUSE
 * daemon may remove a .fuse_hidden* file when it is closed). */
static void snap_of(tk_snap *s, const char *dir)
{
    int e = tk_snap_take(s, AT_FDCWD, dir, 0);
    HLC_CHECK(!e, "cannot take a snapshot of %s: %s", dir, strerror(e));
}

void hlc_snap(tk_snap *s) { snap_of(s, hlc_dir); }

int hlc_changed_since(tk_snap *before, char changed[TK_DIFF_MAX])
{
    tk_snap after;
    int e = tk_snap_take(&after, AT_FDCWD, before->root, before->flags);
    if (e) {
        tk_snap_free(before);
        hlc_fail("cannot take a snapshot of %s: %s", before->root, strerror(e));
    }
    int n = tk_snap_diff(before, &after, 0, changed, TK_DIFF_MAX);
    tk_snap_free(before);
    tk_snap_free(&after);
    return n;
}

/* ------------------------------------------------------------------ calls */

const char *hlc_describe_got(hl_status s, const hl_error *e)
{
    static char bufs[4][TK_STATUS_MAX];
    static int i;
    return tk_got_text(bufs[i++ & 3], s, e);
}

/* a then b, "; " between, into out; a name that appeared says most, so a
 * text with " now exists" goes first */
static void join(char *out, size_t size, const char *a, const char *b)
{
    if (*b && strstr(b, " now exists") && !strstr(a, " now exists")) {
        const char *t = a;
        a = b;
        b = t;
    }
    if (snprintf(out, size, "%s%s%s", a, *a && *b ? "; " : "", b) >= (int)size && size > 4)
        memcpy(out + size - 4, "...", 4); /* cut, and say so */
}

void hlc_call_at(hlc_call *c, int dirfd, const char *new_name, const char *existing, const hl_options *o)
{
    c->new_name = new_name;
    c->existing = existing;
    c->flags = o ? o->flags : 0;
    c->max_links = o ? o->max_links : 0;
    c->raw_errno = -1;
    int follow = c->flags & HL_FOLLOW ? 0 : AT_SYMLINK_NOFOLLOW;
    tk_snap here0, here1, also0 = {0}, also1 = {0};
    const char *watch = c->watch ? c->watch : hlc_dir;
    snap_of(&here0, watch);
    if (c->also)
        snap_of(&also0, c->also);
    c->existing_errno = fstatat(dirfd, existing, &c->existing_before, follow) == 0 ? 0 : errno;

    if (c->as_nobody)
        hlc_nobody();
    memset(&c->err, 0, sizeof c->err);
    c->status = hl_create_at(dirfd, new_name, existing, o, &c->err);
    if (c->raw && c->status != HL_OK && !(c->flags & HL_BENEATH) && !c->max_links) {
        int r = linkat(dirfd, existing, dirfd, new_name, c->flags & HL_FOLLOW ? AT_SYMLINK_FOLLOW : 0);
        c->raw_errno = r == 0 ? 0 : errno;
        if (r == 0)
            unlinkat(dirfd, new_name, 0); /* what libhl refused, the kernel allowed: undo, the judge says so */
    }
    if (c->as_nobody)
        hlc_root();

    c->existing_after_errno = fstatat(dirfd, existing, &c->existing_after, follow) == 0 ? 0 : errno;
    c->new_errno = 0;
    c->data_differs = 0;
    if (c->status == HL_OK) {
        c->new_errno = fstatat(dirfd, new_name, &c->new_after, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno;
        /* read through both names after the call: nothing is opened before it */
        uint64_t through_existing, through_new;
        c->data_differs = !c->new_errno && S_ISREG(c->new_after.st_mode) &&
                          (tk_file_hash(dirfd, existing, follow, &through_existing) != 0 ||
                           tk_file_hash(dirfd, new_name, AT_SYMLINK_NOFOLLOW, &through_new) != 0 ||
                           through_existing != through_new);
    }
    snap_of(&here1, watch);
    if (c->also)
        snap_of(&also1, c->also);

    char a[TK_DIFF_MAX], b[TK_DIFF_MAX] = "";
    c->changes = tk_snap_diff(&here0, &here1, 0, a, sizeof a);
    if (c->also)
        c->changes += tk_snap_diff(&also0, &also1, 0, b, sizeof b);
    join(c->changed, sizeof c->changed, a, b);
    c->changes_besides_link = 0;
    c->changed_besides_link[0] = '\0';
    if (c->status == HL_OK && !c->existing_errno) {
        unsigned long long dev = (unsigned long long)c->existing_before.st_dev,
                           ino = (unsigned long long)c->existing_before.st_ino;
        b[0] = '\0';
        c->changes_besides_link = tk_snap_diff_link(&here0, &here1, 0, dev, ino, NULL, a, sizeof a);
        if (c->also)
            c->changes_besides_link += tk_snap_diff_link(&also0, &also1, 0, dev, ino, NULL, b, sizeof b);
        join(c->changed_besides_link, sizeof c->changed_besides_link, a, b);
    }
    tk_snap_free(&here0);
    tk_snap_free(&here1);
    tk_snap_free(&also0);
    tk_snap_free(&also1);
}

void hlc_call_in(hlc_call *c, const char *new_name, const char *existing, unsigned flags)
{
    hl_options o = {flags, 0};
    hlc_call_at(c, hlc_dfd, new_name, existing, &o);
}

/* ------------------------------------------------------------------ judges */

/* "HL_ERR_X (EXXX) concerning the new name" as the judge expects it */
static const char *wanted(char *buf, size_t size, hl_status want, int want_errno, hl_which which)
{
    char e[64];
    if (want_errno > 0)
        snprintf(e, sizeof e, " (%s)", hl_errno_name(want_errno));
    else if (want_errno == HLC_NO_ERRNO)
        snprintf(e, sizeof e, " (no native code: libhl's own decision)");
    else
        snprintf(e, sizeof e, " (any errno)");
    snprintf(buf, size, "%s%s%s%s", hl_status_name(want), e, which == HLC_ANY_NAME ? "" : " concerning ",
             which == HLC_ANY_NAME ? "" : tk_which_text(which));
    return buf;
}

/* "HL_ERR_X (EYYY) concerning the existing file" as the call gave it */
static const char *seen(char *buf, size_t size, const hlc_call *c)
{
    char got[TK_STATUS_MAX];
    tk_got_text(got, c->status, &c->err);
    if (c->status == HL_OK)
        snprintf(buf, size, "%s", got);
    else
        snprintf(buf, size, "%s concerning %s", got, tk_which_text(c->err.which));
    return buf;
}

/* "; <libhl's message>; raw linkat: EXXX [note]" */
static const char *context(char *buf, size_t size, const hlc_call *c)
{
    char raw[96] = "";
    if (c->raw_errno > 0)
        snprintf(raw, sizeof raw, "; the raw linkat: %s", hl_errno_name(c->raw_errno));
    else if (c->raw_errno == 0)
        snprintf(raw, sizeof raw, "; the raw linkat succeeded (undone)");
    snprintf(buf, size, "%s%s%s%s%s%s", c->status == HL_OK ? "" : "; ", c->status == HL_OK ? "" : c->err.message, raw,
             c->note ? " [" : "", c->note ? c->note : "", c->note ? "]" : "");
    return buf;
}

/* One stderr line per judged call, what happened in the report's words,
 * whatever the judge decides: "OUTCOME family/case: linked", "... refused:
 * TOO_MANY_LINKS at 65000 (EMLINK)" (tools/case-outcomes reads them). */
static void outcome_line(const hlc_call *c)
{
    if (c->status == HL_OK) {
        fprintf(stderr, "OUTCOME %s: linked\n", hlc_case);
        return;
    }
    const char *s = hl_status_name(c->status);
    if (strncmp(s, "HL_ERR_", 7) == 0)
        s += 7;
    char at[48] = "", native[64];
    if (c->status == HL_ERR_TOO_MANY_LINKS && !c->existing_errno)
        snprintf(at, sizeof at, " at %llu", (unsigned long long)c->existing_before.st_nlink);
    if (c->err.domain == HL_DOMAIN_ERRNO)
        snprintf(native, sizeof native, "%s", hl_errno_name((int)c->err.native));
    else if (c->err.domain == HL_DOMAIN_NONE)
        snprintf(native, sizeof native, "libhl's own decision");
    else
        snprintf(native, sizeof native, "native %ld", c->err.native);
    fprintf(stderr, "OUTCOME %s: refused: %s%s (%s)\n", hlc_case, s, at, native);
}

int hlc_refusal_verdict(const hlc_call *c, hl_status want, int want_errno, hl_which which, char *why, size_t size)
{
    int errno_ok = want_errno == HLC_ANY_ERRNO ||
                   (want_errno == HLC_NO_ERRNO ? c->err.domain == HL_DOMAIN_NONE && c->err.native == 0
                                               : c->err.domain == HL_DOMAIN_ERRNO && c->err.native == want_errno);
    int which_ok = which == HLC_ANY_NAME || c->err.which == which;
    char w[256], s[256], ctx[TK_MSG_MAX + 512];
    wanted(w, sizeof w, want, want_errno, which);
    seen(s, sizeof s, c);
    context(ctx, sizeof ctx, c);
    const char *what = c->changes ? c->changed : "nothing changed on disk";
    /* A directory outside the case's own (the volume root, HL_TARGET, by its
     * absolute path or as "..") holds the directories of the other cases, made
     * and removed while this one runs: its link count is theirs to change. */
    int shared_dir = S_ISDIR(c->existing_before.st_mode) && !in_case_dir(hlc_path(c->existing));
    if (!(c->status == want && errno_ok && which_ok))
        snprintf(why, size, "expected %s, got %s; %s%s", w, s, what, ctx);
    else if (!hl_status_refines(c->err.domain, c->err.native, c->status))
        snprintf(why, size, "%s cannot come from native code %ld%s", hl_status_name(c->status), c->err.native,
                 ctx);
    else if (c->changes)
        snprintf(why, size, "refused with %s as expected, but %s%s", s, c->changed, ctx);
    else if (!c->existing_errno && c->existing_after_errno)
        snprintf(why, size, "refused with %s as expected, but %s cannot be seen after the call: %s%s", s,
                 hlc_path(c->existing), strerror(c->existing_after_errno), ctx);
    else if (!(c->existing_errno || shared_dir || c->existing_after.st_nlink == c->existing_before.st_nlink))
        snprintf(why, size, "refused with %s as expected, but the link count of %s went from %llu to %llu%s", s,
                 hlc_path(c->existing), (unsigned long long)c->existing_before.st_nlink,
                 (unsigned long long)c->existing_after.st_nlink, ctx);
    else if (!(c->raw_errno < 0 || c->err.domain != HL_DOMAIN_ERRNO || c->raw_errno == c->err.native))
        snprintf(why, size, "refused with %s as expected, but the same linkat by itself gives %s%s", s,
                 c->raw_errno ? hl_errno_name(c->raw_errno) : "success", ctx);
    else {
        why[0] = '\0';
        return 1;
    }
    return 0;
}

void hlc_expect_refused(const hlc_call *c, hl_status want, int want_errno, hl_which which)
{
    outcome_line(c);
    char why[HLC_VERDICT_MAX];
    if (!hlc_refusal_verdict(c, want, want_errno, which, why, sizeof why))
        hlc_fail("%s", why);
}

int hlc_expect_linked(const hlc_call *c)
{
    if (!hlc_links()) {
        hlc_expect_refused(c, HL_ERR_NOT_SUPPORTED, HLC_ANY_ERRNO, HLC_ANY_NAME);
        return 0;
    }
    outcome_line(c);
    char s[256], ctx[TK_MSG_MAX + 512];
    seen(s, sizeof s, c);
    context(ctx, sizeof ctx, c);
    const char *nn = hlc_path(c->new_name), *ex = hlc_path(c->existing);
    HLC_CHECK(!c->existing_errno, "setup: %s: %s", ex, strerror(c->existing_errno));
    HLC_CHECK(c->status == HL_OK, "expected HL_OK, got %s; %s%s", s, c->changes ? c->changed : "nothing changed on disk",
              ctx);
    HLC_CHECK(!c->new_errno, "HL_OK, but %s does not exist: %s%s", nn, strerror(c->new_errno), ctx);
    HLC_CHECK(!c->existing_after_errno, "HL_OK, but %s cannot be seen after the call: %s%s", ex,
              strerror(c->existing_after_errno), ctx);
    const struct stat *b = &c->existing_before, *a = &c->existing_after, *n = &c->new_after;
    HLC_CHECK(n->st_dev == b->st_dev && n->st_ino == b->st_ino,
              "HL_OK, but %s is inode %llu on device %llu, not the existing file's %llu on %llu", nn,
              (unsigned long long)n->st_ino, (unsigned long long)n->st_dev, (unsigned long long)b->st_ino,
              (unsigned long long)b->st_dev);
    HLC_CHECK(a->st_nlink == b->st_nlink + 1, "HL_OK, but the link count of %s went from %llu to %llu, not up by one",
              ex, (unsigned long long)b->st_nlink, (unsigned long long)a->st_nlink);
    HLC_CHECK(n->st_nlink == a->st_nlink, "the link count seen through %s is %llu, through %s %llu", nn,
              (unsigned long long)n->st_nlink, ex, (unsigned long long)a->st_nlink);
    HLC_CHECK(!c->data_differs, "HL_OK, but %s holds other data than %s", nn, ex);
    HLC_CHECK(!c->changes_besides_link, "HL_OK, but besides the new name %s", c->changed_besides_link);
    return 1;
}

int hlc_linked(const char *new_name, const char *existing, unsigned flags)
{
    hlc_call c = {0};
    hlc_call_in(&c, new_name, existing, flags);
    return hlc_expect_linked(&c);
}

void hlc_refused(const char *new_name, const char *existing, unsigned flags, hl_status want, int want_errno,
                 hl_which which)
{
    hlc_call c = {0};
    hlc_call_in(&c, new_name, existing, flags);
    hlc_expect_refused(&c, want, want_errno, which);
}

void hlc_linked_or_not_applicable(const char *new_name, const char *existing)
{
    if (!hlc_linked(new_name, existing, 0))
        hlc_not_applicable("the %s profile has no hard links (%s refused as expected); no file with several names",
                           hlc_profile_name(), hlc_path(new_name));
}

/* ------------------------------------------------------------------ privileges, mounts, commands */

int hlc_bind(const char *from_rel, const char *to_rel, int readonly)
{
    char from[TK_PATH_MAX], to[TK_PATH_MAX];
    if (tk_join(from, hlc_dir, from_rel) || tk_join(to, hlc_dir, to_rel))
        return ENAMETOOLONG;
    return tk_bind(&mounts, from, to, readonly);
}

void hlc_nobody(void)
{
    int e = tk_become_nobody();
    HLC_CHECK(!e, "setup: cannot become uid %d: %s", TK_NOBODY, strerror(e));
}

void hlc_root(void) { tk_become_root(); }

static void read_back(int fd, char *buf, size_t size)
{
    ssize_t n = pread(fd, buf, size - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    close(fd);
}

struct hlc_command hlc_command(char *const argv[])
{
    struct hlc_command r;
    memset(&r, 0, sizeof r);
    char out_name[] = "/tmp/hlc-command.XXXXXX", err_name[] = "/tmp/hlc-command.XXXXXX";
    int out = mkostemp(out_name, O_CLOEXEC), err = mkostemp(err_name, O_CLOEXEC);
    if (out >= 0)
        unlink(out_name);
    if (err >= 0)
        unlink(err_name);
    if (out < 0 || err < 0) {
        r.status = -1;
        snprintf(r.err, sizeof r.err, "cannot create a temporary file in /tmp: %s", strerror(errno));
        if (out >= 0)
            close(out);
        if (err >= 0)
            close(err);
        return r;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out, 1);
    posix_spawn_file_actions_adddup2(&fa, err, 2);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    pid_t pid;
    int e = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    int st = 0;
    if (!e)
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    read_back(out, r.out, sizeof r.out);
    read_back(err, r.err, sizeof r.err);
    if (e) {
        r.status = -1;
        snprintf(r.err, sizeof r.err, "cannot run %s: %s", argv[0], strerror(e));
        return r;
    }
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    for (char *p = r.err; *p; p++)
        if (*p == '\n')
            *p = p[1] ? ';' : '\0';
    return r;
}

void hlc_progress(const char *what, unsigned long long done, unsigned long long total)
{
    /* HL_PROGRESS=lines: whole lines for a reader of the stderr file (tools/hlcheck's progress) */
    const char *lines = getenv("HL_PROGRESS");
    if (lines && strcmp(lines, "lines") == 0) {
        fprintf(stderr, "PROGRESS %s: %llu/%llu\n", what, done, total);
        return;
    }
    if (!isatty(STDERR_FILENO))
        return;
    if (total)
        fprintf(stderr, "\r%s: %llu/%llu%s", what, done, total, done == total ? "\n" : "");
    else
        fprintf(stderr, "\r%s: %llu", what, done);
}

/* ------------------------------------------------------------------ a volume of the case's own */

static char own_name[96];              /* the volume brought up; "" when none */
static char own_mnt[TK_PATH_MAX];      /* where it is mounted */
static char saved_dir[TK_PATH_MAX];    /* the case directory on HL_TARGET while the case works on its own */
static int saved_dfd = -1;

/* Point the harness (hlc_dir, hlc_dfd) back at the case directory on HL_TARGET. */
static void own_restore_case_dir(void)
{
    if (saved_dfd < 0)
        return;
    if (hlc_dfd >= 0)
        close(hlc_dfd);
    snprintf(hlc_dir, sizeof hlc_dir, "%s", saved_dir);
    hlc_dfd = saved_dfd;
    saved_dfd = -1;
}

static struct hlc_command own_down(void)
{
    own_restore_case_dir();
    char *argv[] = {HLC_HL_VOLUME, "down", own_name, NULL};
    struct hlc_command r = hlc_command(argv);
    if (r.status == 0)
        own_name[0] = own_mnt[0] = '\0';
    return r;
}

void hlc_own_volume_up(const char *kind, const char *tag)
{
    HLC_CHECK(!own_name[0], "setup: a volume of the case's own is up already (%s)", own_name);
    snprintf(own_name, sizeof own_name, "hlc-%.60s-%ld", tag, (long)getpid());
    char *argv[] = {HLC_HL_VOLUME, "up", (char *)kind, "--name", own_name, NULL};
    struct hlc_command r = hlc_command(argv);
    if (r.status != 0) {
        own_name[0] = '\0'; /* hl-volume undoes a failed up itself */
        hlc_fail("setup: %s up %s failed (exit %d): %s", HLC_HL_VOLUME, kind, r.status, r.err);
    }
    r.out[strcspn(r.out, "\n")] = '\0';
    snprintf(own_mnt, sizeof own_mnt, "%s", r.out);
    snprintf(saved_dir, sizeof saved_dir, "%s", hlc_dir);
    char dir[TK_PATH_MAX];
    snprintf(dir, sizeof dir, "%.4000s/hlc.%.60s", own_mnt, tag);
    HLC_CHECK(mkdir(dir, 0755) == 0, "setup: mkdir %s: %s", dir, strerror(errno));
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    HLC_CHECK(fd >= 0, "setup: open %s: %s", dir, strerror(errno));
    saved_dfd = hlc_dfd;
    hlc_dfd = fd;
    snprintf(hlc_dir, sizeof hlc_dir, "%s", dir);
}

const char *hlc_own_volume_mnt(void) { return own_mnt; }

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U /* Linux 6.8: a mount id never used again */
#endif

/* The mount the case directory is on, by an id no later mount reuses; 0 on a
 * kernel older than 6.8 (the classic mount id is reused at once: measured,
 * the remount got the same id 44). */
static unsigned long long mount_id(void)
{
    struct statx sx;
    if (statx(hlc_dfd, "", AT_EMPTY_PATH, STATX_MNT_ID_UNIQUE, &sx) != 0 || !(sx.stx_mask & STATX_MNT_ID_UNIQUE))
        return 0;
    return (unsigned long long)sx.stx_mnt_id;
}

void hlc_own_volume_cycle(void)
{
    HLC_CHECK(own_name[0], "setup: no volume of the case's own to cycle");
    unsigned long long before = mount_id();
    close(hlc_dfd);
    hlc_dfd = -1;
    char *argv[] = {HLC_HL_VOLUME, "cycle", own_mnt, NULL};
    struct hlc_command r = hlc_command(argv);
    HLC_CHECK(r.status == 0, "setup: %s cycle %s failed (exit %d): %s", HLC_HL_VOLUME, own_mnt, r.status, r.err);
    hlc_dfd = open(hlc_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    HLC_CHECK(hlc_dfd >= 0, "after the remount the case directory %s cannot be opened: %s", hlc_dir, strerror(errno));
    unsigned long long after = mount_id();
    HLC_CHECK(!before || after != before, "setup: hl-volume cycle succeeded, but %s is still on the same mount (id %llu)",
              hlc_dir, before);
}

void hlc_own_volume_down(void)
{
    if (!own_name[0]) {
        own_restore_case_dir();
        return;
    }
    char name[sizeof own_name];
    snprintf(name, sizeof name, "%s", own_name);
    struct hlc_command r = own_down();
    HLC_CHECK(r.status == 0, "cleanup: %s down %s failed (exit %d): %s", HLC_HL_VOLUME, name, r.status, r.err);
}

void hlc_own_volume_fini(void)
{
    own_restore_case_dir();
    if (!own_name[0])
        return;
    struct hlc_command r = own_down();
    if (r.status != 0)
        fprintf(stderr, "%s: could not take down volume %s (%s, exit %d): %s\n", hlc_case, own_name, own_mnt, r.status,
                r.err);
}

/* Criterion's runner listens on the socket /tmp/criterion_<its pid>.sock and
 * removes it when it ends by itself; SIGINT, SIGTERM or SIGHUP (Ctrl-C, a
 * stopped run-cases or hlcheck) would end it there and leave the socket in
 * /tmp for good. The runner (the process this hook runs in) removes it and
 * then dies of the signal as before; a case's own process, which inherits the
 * handler, only dies. A signal the runner was started with ignored (nohup's
 * SIGHUP, SIGINT in a script's background job) stays ignored. SIGKILL leaves
 * the socket: nothing runs then. */
static char runner_socket[64];
static pid_t runner_pid;

static void runner_signal(int sig)
{
    if (getpid() == runner_pid)
        unlink(runner_socket);
    signal(sig, SIG_DFL);
    raise(sig);
}

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
    (void)set;
    runner_pid = getpid();
    snprintf(runner_socket, sizeof runner_socket, "/tmp/criterion_%llu.sock", (unsigned long long)runner_pid);
    struct sigaction sa = {.sa_handler = runner_signal};
    sigemptyset(&sa.sa_mask);
    const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old;
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(sigs[i], &sa, NULL);
    }
}
