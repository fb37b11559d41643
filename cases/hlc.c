/* The conformance suite's harness: environment, case directories, known
 * divergences, snapshots and expectations. See hlc.h. */
#include "hlc.h"

#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <sys/mount.h>

struct hlc_env hlc;
char hlc_dir[4096];
int hlc_dfd = -1;
const char *hlc_case = "?";

/* ------------------------------------------------------------------ environment */

struct known {
    char name[128];
    char reason[384];
};
static struct known *known;
static size_t nknown;
static char known_file[4096];

static void read_known(const char *file)
{
    FILE *f = fopen(file, "re");
    cr_assert(f, "HL_KNOWN=%s: %s", file, strerror(errno));
    snprintf(known_file, sizeof known_file, "%s", file);
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *p = line + strspn(line, " \t");
        if (!*p || *p == '#')
            continue;
        size_t n = strcspn(p, " \t");
        known = realloc(known, (nknown + 1) * sizeof *known);
        snprintf(known[nknown].name, sizeof known[nknown].name, "%.*s", (int)n, p);
        p += n;
        p += strspn(p, " \t");
        snprintf(known[nknown].reason, sizeof known[nknown].reason, "%s", *p ? p : "(no reason given)");
        nknown++;
    }
    fclose(f);
}

static const char *known_reason(const char *name)
{
    for (size_t i = 0; i < nknown; i++)
        if (strcmp(known[i].name, name) == 0)
            return known[i].reason;
    return NULL;
}

static void read_env(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    const char *t = getenv("HL_TARGET");
    if (!t || !*t)
        t = "/tmp";
    cr_assert(realpath(t, hlc.target), "HL_TARGET=%s: %s", t, strerror(errno));
    struct stat st;
    cr_assert(stat(hlc.target, &st) == 0 && S_ISDIR(st.st_mode) && access(hlc.target, W_OK | X_OK) == 0,
              "HL_TARGET=%s is not a writable directory", hlc.target);
    cr_assert_eq(hl_volume_probe(hlc.target, &hlc.vol), HL_OK, "cannot probe HL_TARGET=%s", hlc.target);
    const char *p = getenv("HL_PROFILE");
    if (!p || !*p || strcmp(p, "auto") == 0) {
        const char *n = hlc.vol.name;
        hlc.profile = hlc.vol.hardlinks == 0 ? HLC_FAT
                      : strcmp(n, "ntfs-3g") == 0 || strcmp(n, "ntfs3") == 0 || strcmp(n, "ntfs") == 0 ? HLC_NTFS
                                                                                                     : HLC_POSIX;
    } else if (strcmp(p, "posix") == 0) {
        hlc.profile = HLC_POSIX;
    } else if (strcmp(p, "ntfs") == 0) {
        hlc.profile = HLC_NTFS;
    } else if (strcmp(p, "fat") == 0) {
        hlc.profile = HLC_FAT;
    } else {
        cr_assert_fail("HL_PROFILE=%s: expected auto, posix, ntfs or fat", p);
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
    const char *s = getenv("HL_STRICT");
    hlc.strict = s && *s && strcmp(s, "0") != 0;
    const char *k = getenv("HL_KNOWN");
    if (k && *k)
        read_known(k);
}

/* ------------------------------------------------------------------ case lifecycle */

static char mounts[8][8300];
static int nmounts;

void hlc_init(void)
{
    read_env();
    cr_assert(strlen(hlc.target) < sizeof hlc_dir - 16, "HL_TARGET is too long");
    memcpy(hlc_dir, hlc.target, strlen(hlc.target));
    strcpy(hlc_dir + strlen(hlc.target), "/hlc.XXXXXX");
    cr_assert(mkdtemp(hlc_dir), "cannot create a case directory in %s: %s", hlc.target, strerror(errno));
    chmod(hlc_dir, 0755);
    hlc_dfd = open(hlc_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert(hlc_dfd >= 0, "cannot open %s: %s", hlc_dir, strerror(errno));
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)ftw;
    if (flag == FTW_D || flag == FTW_DP)
        chmod(p, 0700);
    remove(p);
    return 0;
}

void hlc_fini(void)
{
    hlc_root();
    while (nmounts > 0)
        umount2(mounts[--nmounts], MNT_DETACH);
    if (hlc_dfd >= 0)
        close(hlc_dfd);
    hlc_dfd = -1;
    if (hlc_dir[0]) {
        nftw(hlc_dir, rm_entry, 64, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
        if (access(hlc_dir, F_OK) == 0)
            fprintf(stderr, "%s: could not remove %s\n", hlc_case, hlc_dir);
        hlc_dir[0] = '\0'; /* once: hlc_skip cleans up itself (Criterion runs no .fini after a skip) */
    }
}

static jmp_buf case_jump;
static char failure[4096];

void hlc_run(const char *name, void (*body)(void))
{
    hlc_case = name;
    int failed = setjmp(case_jump);
    if (!failed)
        body();
    const char *reason = known_reason(name);
    if (failed && reason) {
        /* cr_log_info: a warning would make Criterion exit 1 although nothing failed */
        cr_log_info("%s: expected failure (known divergence: %s): %s", name, reason, failure);
        fprintf(stderr, "XFAIL %s (known: %s)\n", failure, reason); /* failure starts "family/case: " */
        return;
    }
    if (failed)
        cr_assert_fail("%s", failure);
    if (reason)
        cr_assert_fail("%s: passed, but %s lists it as a known divergence (%s): remove that line", name, known_file,
                       reason);
}

void hlc_fail(const char *fmt, ...)
{
    int n = snprintf(failure, sizeof failure, "%s: ", hlc_case);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(failure + n, sizeof failure - (size_t)n, fmt, ap);
    va_end(ap);
    hlc_root();
    longjmp(case_jump, 1);
}

void hlc_skip(const char *fmt, ...)
{
    char why[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    hlc_root();
    if (hlc.strict)
        cr_assert_fail("%s: not run (%s), and HL_STRICT=1 makes that a failure", hlc_case, why);
    hlc_fini();
    cr_skip_test("%s: not run: %s", hlc_case, why);
}

/* ------------------------------------------------------------------ paths */

const char *hlc_path(const char *rel)
{
    static char bufs[4][8300];
    static int i;
    char *b = bufs[i++ & 3];
    snprintf(b, sizeof bufs[0], "%s/%s", hlc_dir, rel);
    return b;
}

void hlc_write(const char *rel, const char *data)
{
    int fd = openat(hlc_dfd, rel, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
    HLC_CHECK(fd >= 0, "setup: cannot create %s: %s", hlc_path(rel), strerror(errno));
    size_t n = strlen(data);
    ssize_t w = write(fd, data, n);
    close(fd);
    HLC_CHECK(w == (ssize_t)n, "setup: cannot write %s: %s", hlc_path(rel), strerror(errno));
}

void hlc_touch(const char *rel) { hlc_write(rel, ""); }

char *hlc_read(const char *rel)
{
    int fd = openat(hlc_dfd, rel, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    char *buf = calloc(1, 65536);
    ssize_t n = read(fd, buf, 65535);
    close(fd);
    if (n < 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

void hlc_mkdir(const char *rel)
{
    HLC_CHECK(mkdirat(hlc_dfd, rel, 0755) == 0, "setup: mkdir %s: %s", hlc_path(rel), strerror(errno));
}

void hlc_symlink(const char *target, const char *rel)
{
    HLC_CHECK(symlinkat(target, hlc_dfd, rel) == 0, "setup: symlink %s: %s", hlc_path(rel), strerror(errno));
}

int hlc_exists(const char *rel)
{
    struct stat st;
    return fstatat(hlc_dfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

struct stat hlc_lstat(const char *rel)
{
    struct stat st;
    HLC_CHECK(fstatat(hlc_dfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0, "lstat %s: %s", hlc_path(rel), strerror(errno));
    return st;
}

struct stat hlc_stat(const char *rel)
{
    struct stat st;
    HLC_CHECK(fstatat(hlc_dfd, rel, &st, 0) == 0, "stat %s: %s", hlc_path(rel), strerror(errno));
    return st;
}

/* ------------------------------------------------------------------ snapshots */

struct entry {
    char *path;
    unsigned mode;
    unsigned long long ino, nlink, size;
};
struct hlc_snap {
    char root[4096]; /* the directory it is of, for messages */
    struct entry *e;
    size_t n, cap;
};
static hlc_snap *building;
static size_t prefix;

static int snap_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)flag, (void)ftw;
    hlc_snap *s = building;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->e = realloc(s->e, s->cap * sizeof *s->e);
    }
    s->e[s->n++] = (struct entry){strdup(p + prefix), (unsigned)(st->st_mode & S_IFMT),
                                  (unsigned long long)st->st_ino, (unsigned long long)st->st_nlink,
                                  S_ISDIR(st->st_mode) ? 0 : (unsigned long long)st->st_size};
    return 0;
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->path, ((const struct entry *)b)->path);
}

/* Taken as root even while a case runs as nobody (hlc_nobody keeps the saved
 * uid 0): an unprivileged walk cannot see inside unsearchable directories. */
hlc_snap *hlc_snapshot_of(const char *dir)
{
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (uid != 0)
        hlc_root();
    hlc_snap *s = calloc(1, sizeof *s);
    snprintf(s->root, sizeof s->root, "%s", dir);
    building = s;
    prefix = strlen(dir);
    nftw(dir, snap_entry, 64, FTW_PHYS | FTW_MOUNT);
    if (s->n)
        qsort(s->e, s->n, sizeof *s->e, cmp_entry);
    if (uid != 0 && (setegid(gid) != 0 || seteuid(uid) != 0))
        hlc_fail("cannot return to uid %d after a snapshot: %s", (int)uid, strerror(errno));
    return s;
}

hlc_snap *hlc_snapshot(void) { return hlc_snapshot_of(hlc_dir); }

const char *hlc_changed_since(hlc_snap *before)
{
    static char text[9000];
    hlc_snap *after = hlc_snapshot_of(before->root);
    const char *c = hlc_changed(before, after);
    snprintf(text, sizeof text, "%s", c ? c : "");
    hlc_snap_free(before);
    hlc_snap_free(after);
    return text[0] ? text : NULL;
}

void hlc_snap_free(hlc_snap *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->e[i].path);
    free(s->e);
    free(s);
}

const char *hlc_changed(const hlc_snap *a, const hlc_snap *b)
{
    static char msg[8600];
    size_t i = 0, j = 0;
    while (i < a->n || j < b->n) {
        int c = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->e[i].path, b->e[j].path);
        if (c < 0) {
            snprintf(msg, sizeof msg, "%s%s is gone", a->root, a->e[i].path);
            return msg;
        }
        if (c > 0) {
            snprintf(msg, sizeof msg, "%s%s now exists", a->root, b->e[j].path);
            return msg;
        }
        const struct entry *x = &a->e[i], *y = &b->e[j];
        if (x->mode != y->mode || x->ino != y->ino) {
            snprintf(msg, sizeof msg, "%s%s is another file now", a->root, x->path);
            return msg;
        }
        if (x->nlink != y->nlink) {
            snprintf(msg, sizeof msg, "nlink of %s%s went from %llu to %llu", a->root, x->path, x->nlink, y->nlink);
            return msg;
        }
        if (x->size != y->size) {
            snprintf(msg, sizeof msg, "size of %s%s went from %llu to %llu", a->root, x->path, x->size, y->size);
            return msg;
        }
        i++, j++;
    }
    return NULL;
}

/* ------------------------------------------------------------------ expectations */

const char *hlc_describe(hl_status s)
{
    static char bufs[4][96];
    static int i;
    char *b = bufs[i++ & 3];
    int e = hl_status_to_errno(s);
    if (e)
        snprintf(b, sizeof bufs[0], "%s (%s)", hl_status_name(s), hl_errno_name(e));
    else
        snprintf(b, sizeof bufs[0], "%s", hl_status_name(s));
    return b;
}

const char *hlc_describe_got(hl_status s, const hl_error *e)
{
    static char b[160];
    if (s == HL_OK || e->domain == HL_DOMAIN_NONE)
        snprintf(b, sizeof b, "%s", hl_status_name(s));
    else
        snprintf(b, sizeof b, "%s (%s)", hl_status_name(s), hl_errno_name((int)e->native));
    return b;
}

hl_status hlc_link(const char *dst, const char *src, unsigned flags, hl_error *e)
{
    hl_options o = {flags, 0};
    return hl_create_at(hlc_dfd, dst, src, &o, e);
}

void hlc_expect_refused_at(int dirfd, const char *dst, const char *src, unsigned flags, hl_status want,
                           int want_errno, const char *also, const char *note, void (*before_verdict)(void))
{
    hlc_snap *before = hlc_snapshot(), *also_before = also ? hlc_snapshot_of(also) : NULL;
    hl_options o = {flags, 0};
    hl_error e;
    hl_status s = hl_create_at(dirfd, dst, src, &o, &e);
    hlc_snap *after = hlc_snapshot(), *also_after = also ? hlc_snapshot_of(also) : NULL;
    /* a name that appeared says most: report it first, whichever side it is on */
    const char *here = hlc_changed(before, after);
    char what[9000];
    snprintf(what, sizeof what, "%s", here ? here : "");
    const char *there = also ? hlc_changed(also_before, also_after) : NULL;
    if (there && (!here || strstr(there, " now exists")))
        snprintf(what, sizeof what, "%s", there);
    int changed = what[0] != '\0';
    if (!changed)
        snprintf(what, sizeof what, "nothing changed on disk");
    hlc_snap_free(before);
    hlc_snap_free(after);
    hlc_snap_free(also_before);
    hlc_snap_free(also_after);
    if (before_verdict)
        before_verdict();
    char tag[4200] = "";
    if (note)
        snprintf(tag, sizeof tag, " [%s]", note);
    HLC_CHECK(s == want, "expected %s, got %s; %s%s%s%s", hlc_describe(want), hlc_describe_got(s, &e), what,
              s == HL_OK ? "" : "; ", s == HL_OK ? "" : e.message, tag);
    HLC_CHECK(!want_errno || (e.domain == HL_DOMAIN_ERRNO && e.native == want_errno),
              "expected %s with errno %s, got %s; %s%s", hl_status_name(want), hl_errno_name(want_errno),
              hlc_describe_got(s, &e), e.message, tag);
    HLC_CHECK(hl_status_refines(e.domain, e.native, s), "%s cannot come from native code %ld: %s",
              hl_status_name(s), e.native, e.message);
    HLC_CHECK(!changed, "refused with %s as expected, but %s%s", hlc_describe_got(s, &e), what, tag);
}

void hlc_expect_refused(const char *dst, const char *src, unsigned flags, hl_status want, int want_errno)
{
    hlc_expect_refused_at(hlc_dfd, dst, src, flags, want, want_errno, NULL, NULL, NULL);
}

int hlc_expect_link(const char *dst, const char *src, unsigned flags)
{
    if (!hlc_links()) {
        hlc_expect_refused(dst, src, flags, HL_ERR_NOT_SUPPORTED, 0);
        return 0;
    }
    struct stat before;
    int sflags = flags & HL_FOLLOW ? 0 : AT_SYMLINK_NOFOLLOW;
    HLC_CHECK(fstatat(hlc_dfd, src, &before, sflags) == 0, "setup: %s: %s", hlc_path(src), strerror(errno));
    hl_error e;
    hl_status s = hlc_link(dst, src, flags, &e);
    HLC_CHECK(s == HL_OK, "expected HL_OK, got %s; %s", hlc_describe_got(s, &e), e.message);
    struct stat d, after;
    HLC_CHECK(fstatat(hlc_dfd, dst, &d, AT_SYMLINK_NOFOLLOW) == 0, "HL_OK, but %s does not exist: %s",
              hlc_path(dst), strerror(errno));
    HLC_CHECK(fstatat(hlc_dfd, src, &after, sflags) == 0, "after the link %s is gone: %s", hlc_path(src),
              strerror(errno));
    HLC_CHECK(d.st_dev == before.st_dev && d.st_ino == before.st_ino,
              "HL_OK, but %s is inode %llu on device %llu, not the source's %llu on %llu", hlc_path(dst),
              (unsigned long long)d.st_ino, (unsigned long long)d.st_dev, (unsigned long long)before.st_ino,
              (unsigned long long)before.st_dev);
    HLC_CHECK(after.st_nlink == before.st_nlink + 1, "HL_OK, but nlink of %s went from %llu to %llu, not +1",
              hlc_path(src), (unsigned long long)before.st_nlink, (unsigned long long)after.st_nlink);
    HLC_CHECK(d.st_nlink == after.st_nlink, "nlink seen through %s is %llu, through %s %llu", hlc_path(dst),
              (unsigned long long)d.st_nlink, hlc_path(src), (unsigned long long)after.st_nlink);
    return 1;
}

/* ------------------------------------------------------------------ privileges and mounts */

int hlc_private_mounts(void)
{
    if (geteuid() != 0)
        return EPERM;
    if (unshare(CLONE_NEWNS) != 0)
        return errno;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return errno;
    /* descriptors opened before see the old namespace's mounts */
    int fd = open(hlc_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    dup3(fd, hlc_dfd, O_CLOEXEC);
    close(fd);
    return 0;
}

int hlc_bind(const char *from_rel, const char *to_rel, int readonly)
{
    char from[8300], to[8300];
    snprintf(from, sizeof from, "%s", hlc_path(from_rel));
    snprintf(to, sizeof to, "%s", hlc_path(to_rel));
    if (mount(from, to, NULL, MS_BIND, NULL) != 0)
        return errno;
    if (nmounts < 8)
        snprintf(mounts[nmounts++], sizeof mounts[0], "%s", to);
    if (readonly && mount(NULL, to, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) != 0)
        return errno;
    return 0;
}

void hlc_nobody(void)
{
    HLC_CHECK(setgroups(0, NULL) == 0 && setegid(65534) == 0 && seteuid(65534) == 0,
              "setup: cannot become uid 65534: %s", strerror(errno));
}

void hlc_root(void)
{
    if (geteuid() != 0 && seteuid(0) == 0)
        setegid(0);
}

void hlc_progress(const char *what, unsigned long long done, unsigned long long total)
{
    if (!isatty(STDERR_FILENO))
        return;
    if (total)
        fprintf(stderr, "\r%s: %llu/%llu%s", what, done, total, done == total ? "\n" : "");
    else
        fprintf(stderr, "\r%s: %llu", what, done);
}
