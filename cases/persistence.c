/*
 * Family 10, persistence: links are on the disk, not only in the kernel's
 * caches. The case makes files with data and several names in several
 * directories, then unmounts the volume and mounts it again
 * (tools/hl-volume cycle), and checks that every name is there, that the
 * names of one file are still one inode (st_ino equal across them, and equal
 * to before the remount where the filesystem keeps inode numbers), with the
 * same nlink and the same data, that a name unlinked before the remount stays
 * gone, and that no name appeared.
 *
 * Which volume is cycled: not HL_TARGET itself. Criterion runs cases in
 * parallel (as many jobs as cores), and every other case running then holds
 * a descriptor on its own case directory on HL_TARGET: the unmount would fail
 * (busy), or, between two cases, succeed and let the next case create its
 * directory on the bare mount point underneath. So the case brings up a
 * volume of its own, of the same kind, with the same tool (HLC_HL_VOLUME) and
 * state directory (HL_VOLUME_DIR), works there, cycles that and takes it down
 * (also when it fails: the case's .fini). That needs HL_TARGET to be an
 * image-backed volume of tools/hl-volume, which says the kind to make and
 * that this machine can make it; anything else is skipped with the reason.
 *
 * A tmpfs has no backing store: unmounting it discards everything, so there
 * is nothing a remount could keep, and hl-volume refuses to cycle one. The
 * case is not applicable there; it checks that the target is a tmpfs (statfs
 * magic) and passes saying so (cr_log_info), not a skip, so that strict runs
 * of the tmpfs volume pass.
 *
 * In the fat profile there are no links: each link is asserted refused
 * (HL_ERR_NOT_SUPPORTED) and after the remount the files, their data and nlink
 * 1 are checked, and that the refused names never appeared.
 *
 * External commands run with posix_spawn, stdin from /dev/null, stdout and
 * stderr to unlinked temporary files, every other descriptor closed: a FUSE
 * daemon the command starts must not inherit Criterion's pipes.
 */
#include "hlc.h"

#include <ftw.h>
#include <spawn.h>
#include <sys/statfs.h>
#include <sys/wait.h>

extern char **environ;

HLC_SUITE(persistence);

#define TMPFS_MAGIC_NUMBER 0x01021994ULL

/* ------------------------------------------------------------------ commands */

struct cmd_result {
    int status;        /* exit status, 128 + signal, or -1 if it could not be run (err says why) */
    char out[4096];    /* stdout, truncated */
    char err[4096];    /* stderr, truncated, newlines as ';' */
};

static void read_back(int fd, char *buf, size_t size)
{
    ssize_t n = pread(fd, buf, size - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    close(fd);
}

/* Run argv (argv[0] a path) and wait for it. Never ends the case itself: the
 * case's .fini runs commands too. */
static struct cmd_result run(char *const argv[])
{
    struct cmd_result r;
    memset(&r, 0, sizeof r);
    char out_name[] = "/tmp/hlc-persistence.XXXXXX", err_name[] = "/tmp/hlc-persistence.XXXXXX";
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

/* ------------------------------------------------------------------ our own volume */

static char vol_name[96];     /* the volume we brought up; "" when none */
static char vol_mnt[4096];    /* where it is mounted */
static char saved_dir[4096];  /* the harness's case directory on HL_TARGET while we work on ours */
static int saved_dfd = -1;

/* Point the harness (hlc_dir, hlc_dfd) back at the case directory on HL_TARGET. */
static void restore_case_dir(void)
{
    if (saved_dfd < 0)
        return;
    if (hlc_dfd >= 0)
        close(hlc_dfd);
    snprintf(hlc_dir, sizeof hlc_dir, "%s", saved_dir);
    hlc_dfd = saved_dfd;
    saved_dfd = -1;
}

static struct cmd_result volume_down(void)
{
    char *argv[] = {HLC_HL_VOLUME, "down", vol_name, NULL};
    struct cmd_result r = run(argv);
    if (r.status == 0)
        vol_name[0] = '\0';
    return r;
}

/* The case's .fini, before the harness's: take our volume down whatever happened. */
static void persistence_fini(void)
{
    restore_case_dir();
    if (!vol_name[0])
        return;
    struct cmd_result r = volume_down();
    if (r.status != 0)
        fprintf(stderr, "%s: could not take down volume %s (%s, exit %d): %s\n", hlc_case, vol_name, vol_mnt, r.status,
                r.err);
}

/* The hl-volume KIND that makes a volume like HL_TARGET's, or NULL. */
static const char *volume_kind(void)
{
    static const char *const map[][2] = {{"ext4", "ext4"},   {"xfs", "xfs"},      {"btrfs", "btrfs"},
                                         {"ntfs-3g", "ntfs"}, {"fusefat", "fat"}, {"exfat", "exfat"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(hlc.vol.name, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

/* Is HL_TARGET's volume an image-backed volume of hl-volume? ("NAME KIND FSTYPE MNT IMAGE" lines) */
static int target_is_hl_volume(void)
{
    char *argv[] = {HLC_HL_VOLUME, "list", NULL};
    struct cmd_result r = run(argv);
    if (r.status != 0)
        hlc_skip("%s list failed (exit %d): %s", HLC_HL_VOLUME, r.status, r.err);
    for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n")) {
        char name[128], kind[32], fstype[64], mnt[4096], image[4096];
        if (sscanf(line, "%127s %31s %63s %4095s %4095s", name, kind, fstype, mnt, image) == 5 &&
            strcmp(mnt, hlc.vol.mount_point) == 0 && strcmp(image, "-") != 0)
            return 1;
    }
    return 0;
}

/* Bring up a KIND volume and make the harness's case directory a directory on it. */
static void own_volume_up(const char *kind)
{
    snprintf(vol_name, sizeof vol_name, "hlc-persistence-%ld", (long)getpid());
    char *argv[] = {HLC_HL_VOLUME, "up", (char *)kind, "--name", vol_name, NULL};
    struct cmd_result r = run(argv);
    if (r.status != 0) {
        vol_name[0] = '\0'; /* hl-volume undoes a failed up itself */
        hlc_fail("setup: %s up %s failed (exit %d): %s", HLC_HL_VOLUME, kind, r.status, r.err);
    }
    r.out[strcspn(r.out, "\n")] = '\0';
    snprintf(vol_mnt, sizeof vol_mnt, "%s", r.out);
    snprintf(saved_dir, sizeof saved_dir, "%s", hlc_dir);
    char dir[4096];
    snprintf(dir, sizeof dir, "%.4000s/hlc.persistence", vol_mnt);
    HLC_CHECK(mkdir(dir, 0755) == 0, "setup: mkdir %s: %s", dir, strerror(errno));
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    HLC_CHECK(fd >= 0, "setup: open %s: %s", dir, strerror(errno));
    saved_dfd = hlc_dfd;
    hlc_dfd = fd;
    snprintf(hlc_dir, sizeof hlc_dir, "%s", dir);
}

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

/* Unmount and mount again: nothing may keep the volume busy, so the case's
 * descriptor is closed first and opened again after. */
static void cycle(void)
{
    unsigned long long before = mount_id();
    close(hlc_dfd);
    hlc_dfd = -1;
    char *argv[] = {HLC_HL_VOLUME, "cycle", vol_mnt, NULL};
    struct cmd_result r = run(argv);
    HLC_CHECK(r.status == 0, "setup: %s cycle %s failed (exit %d): %s", HLC_HL_VOLUME, vol_mnt, r.status, r.err);
    hlc_dfd = open(hlc_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    HLC_CHECK(hlc_dfd >= 0, "after the remount the case directory %s cannot be opened: %s", hlc_dir, strerror(errno));
    unsigned long long after = mount_id();
    HLC_CHECK(!before || after != before, "setup: hl-volume cycle succeeded, but %s is still on the same mount (id %llu)",
              hlc_dir, before);
}

/* ------------------------------------------------------------------ what is on disk */

/* Filesystems whose inode numbers are on the disk. fusefat and exfat-fuse
 * (high-level libfuse without use_ino) hand out numbers in lookup order:
 * measured, a remount gave the same files other numbers (a/f 4 -> 6). */
static int inode_numbers_persist(void)
{
    static const char *const names[] = {"ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "ntfs-3g", "ntfs3"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(hlc.vol.name, names[i]) == 0)
            return 1;
    return 0;
}

/* Every name under the case directory with its type, nlink and size (not its
 * inode number), sorted, one string: what must be the same after the remount. */
static char *listing;
static size_t listing_len, listing_cap, listing_prefix;

static int list_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)flag, (void)ftw;
    char line[8400];
    int n = snprintf(line, sizeof line, "%s %s nlink %llu size %llu\n", *(p + listing_prefix) ? p + listing_prefix : "/",
                     S_ISDIR(st->st_mode) ? "dir" : S_ISREG(st->st_mode) ? "file" : "other",
                     S_ISDIR(st->st_mode) ? 0ULL : (unsigned long long)st->st_nlink,
                     S_ISDIR(st->st_mode) ? 0ULL : (unsigned long long)st->st_size);
    if (listing_len + (size_t)n + 1 > listing_cap) {
        listing_cap = 2 * (listing_cap + (size_t)n + 1);
        listing = realloc(listing, listing_cap);
    }
    memcpy(listing + listing_len, line, (size_t)n + 1);
    listing_len += (size_t)n;
    return 0;
}

static int cmp_line(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Sorted lines, as an array (*n of them) pointing into one buffer; free(lines[-1]) ... see free_listing. */
static char **take_listing(size_t *n)
{
    listing = NULL;
    listing_len = listing_cap = 0;
    listing_prefix = strlen(hlc_dir);
    nftw(hlc_dir, list_entry, 16, FTW_PHYS | FTW_MOUNT);
    size_t count = 0;
    for (size_t i = 0; i < listing_len; i++)
        count += listing[i] == '\n';
    char **lines = calloc(count + 2, sizeof *lines);
    lines[0] = listing; /* the buffer, to free */
    char *save = NULL;
    size_t k = 0;
    for (char *l = listing ? strtok_r(listing, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save))
        lines[1 + k++] = l;
    qsort(lines + 1, k, sizeof *lines, cmp_line);
    *n = k;
    return lines + 1;
}

static void free_listing(char **lines)
{
    free(lines[-1]);
    free(lines - 1);
}

/* NULL if the same; else the first difference. */
static const char *listing_changed(char **a, size_t na, char **b, size_t nb)
{
    static char msg[9000];
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        if (i < na && j < nb) {
            size_t la = strcspn(a[i], " "), lb = strcspn(b[j], " ");
            if (la == lb && strncmp(a[i], b[j], la) == 0) { /* the same name */
                if (strcmp(a[i], b[j]) != 0) {
                    snprintf(msg, sizeof msg, "%s%.*s was \"%s\", is now \"%s\"", hlc_dir, (int)la, a[i],
                             a[i] + la + 1, b[j] + lb + 1);
                    return msg;
                }
                i++, j++;
                continue;
            }
        }
        int c = i == na ? 1 : j == nb ? -1 : strcmp(a[i], b[j]);
        if (c < 0) {
            snprintf(msg, sizeof msg, "%s%.*s is gone", hlc_dir, (int)strcspn(a[i], " "), a[i]);
            return msg;
        }
        snprintf(msg, sizeof msg, "%s%.*s appeared", hlc_dir, (int)strcspn(b[j], " "), b[j]);
        return msg;
    }
    return NULL;
}

/* ------------------------------------------------------------------ the case */

/* Data bigger than a block or a cluster, different for each file. */
static char data[3][12000];

static void make_data(void)
{
    for (size_t f = 0; f < 3; f++) {
        size_t n = 9000 + 1000 * f;
        for (size_t i = 0; i < n; i++)
            data[f][i] = (char)('a' + (i * 7 + f * 3 + i / 26) % 26);
        data[f][n] = '\0';
    }
}

struct name {
    const char *path;
    int file;        /* which file (0, 1, 2) */
    int is_link;     /* made by hl_create; the first name of each file is written */
};

static const struct name names[] = {
    {"a/one", 0, 0}, {"b/one.1", 0, 1}, {"b/c/one.2", 0, 1}, {"one.3", 0, 1},
    {"b/two", 1, 0}, {"a/two.1", 1, 1},
    {"b/c/three", 2, 0},
};
#define NNAMES (sizeof names / sizeof names[0])
static const char *const GONE = "a/gone"; /* linked to b/two, then unlinked, before the remount */

static const char *first_name(int file)
{
    size_t i = 0;
    while (names[i].file != file)
        i++;
    return names[i].path;
}

static unsigned long long expected_nlink(int file)
{
    unsigned long long n = 0;
    for (size_t i = 0; i < NNAMES; i++)
        if (names[i].file == file && (!names[i].is_link || hlc_links()))
            n++;
    return n;
}

HLC_CASE(persistence, links_survive_a_remount, .fini = persistence_fini)
{
    if (strcmp(hlc.vol.name, "tmpfs") == 0) {
        struct statfs sf;
        HLC_CHECK(statfs(hlc_dir, &sf) == 0, "statfs %s: %s", hlc_dir, strerror(errno));
        HLC_CHECK((unsigned long long)sf.f_type == TMPFS_MAGIC_NUMBER,
                  "libhl says %s is a tmpfs, but statfs says filesystem type 0x%llx", hlc.target,
                  (unsigned long long)sf.f_type);
        cr_log_info("%s: not applicable: %s is a tmpfs, which has no backing store (an unmount discards it; "
                    "nothing can persist)",
                    hlc_case, hlc.target);
        return;
    }
    if (geteuid() != 0)
        hlc_skip("mounting a volume of its own needs root");
    const char *kind = volume_kind();
    if (!kind)
        hlc_skip("tools/hl-volume makes no %s volume to remount", hlc.vol.name);
    if (!target_is_hl_volume()) {
        const char *st = getenv("HL_VOLUME_DIR");
        hlc_skip("HL_TARGET=%s (on %s) is not an image-backed volume of tools/hl-volume in HL_VOLUME_DIR=%s", hlc.target,
                 hlc.vol.mount_point[0] ? hlc.vol.mount_point : "?", st && *st ? st : "(unset: /tmp/hl-volumes)");
    }
    own_volume_up(kind);

    hlc_mkdir("a");
    hlc_mkdir("b");
    hlc_mkdir("b/c");
    make_data();
    for (size_t i = 0; i < NNAMES; i++) {
        if (names[i].is_link)
            hlc_expect_link(names[i].path, first_name(names[i].file), 0); /* fat profile: asserts NOT_SUPPORTED */
        else
            hlc_write(names[i].path, data[names[i].file]);
    }
    if (hlc_expect_link(GONE, "b/two", 0))
        HLC_CHECK(unlinkat(hlc_dfd, GONE, 0) == 0, "unlink %s: %s", hlc_path(GONE), strerror(errno));

    ino_t ino_before[NNAMES];
    for (size_t i = 0; i < NNAMES; i++)
        ino_before[i] = names[i].is_link && !hlc_links() ? 0 : hlc_lstat(names[i].path).st_ino;
    size_t nbefore;
    char **before = take_listing(&nbefore);

    cycle();

    size_t nafter;
    char **after = take_listing(&nafter);
    const char *c = listing_changed(before, nbefore, after, nafter);
    char changed[9000];
    snprintf(changed, sizeof changed, "%s", c ? c : "");
    free_listing(before);
    free_listing(after);

    for (size_t i = 0; i < NNAMES; i++) {
        const struct name *nm = &names[i];
        int should = !nm->is_link || hlc_links();
        struct stat st;
        int there = fstatat(hlc_dfd, nm->path, &st, AT_SYMLINK_NOFOLLOW) == 0;
        if (!should) {
            HLC_CHECK(!there, "after the remount %s exists, but its link was refused (no hard links on %s)",
                      hlc_path(nm->path), hlc.vol.name);
            continue;
        }
        HLC_CHECK(there, "after the remount %s is gone (%s)", hlc_path(nm->path), strerror(errno));
        HLC_CHECK(S_ISREG(st.st_mode), "after the remount %s is not a regular file (mode 0%o)", hlc_path(nm->path),
                  (unsigned)st.st_mode);
        unsigned long long want = expected_nlink(nm->file);
        HLC_CHECK(st.st_nlink == want, "after the remount nlink of %s is %llu, expected %llu", hlc_path(nm->path),
                  (unsigned long long)st.st_nlink, want);
        for (size_t j = 0; j < i; j++) {
            if (names[j].is_link && !hlc_links())
                continue;
            struct stat o = hlc_lstat(names[j].path);
            int same = o.st_ino == st.st_ino && o.st_dev == st.st_dev;
            HLC_CHECK(same == (names[j].file == nm->file),
                      "after the remount %s is inode %llu and %s inode %llu: expected %s file", hlc_path(nm->path),
                      (unsigned long long)st.st_ino, hlc_path(names[j].path), (unsigned long long)o.st_ino,
                      names[j].file == nm->file ? "the same" : "different files, not the same");
        }
        if (inode_numbers_persist())
            HLC_CHECK(st.st_ino == ino_before[i], "after the remount %s is inode %llu, before it was %llu (%s keeps inode numbers on disk)",
                      hlc_path(nm->path), (unsigned long long)st.st_ino, (unsigned long long)ino_before[i],
                      hlc.vol.name);
        char *got = hlc_read(nm->path);
        int same = got && strcmp(got, data[nm->file]) == 0;
        size_t got_len = got ? strlen(got) : 0;
        free(got);
        HLC_CHECK(same, "after the remount %s holds other data: %zu bytes, expected the %zu written through %s",
                  hlc_path(nm->path), got_len, strlen(data[nm->file]), hlc_path(first_name(nm->file)));
    }
    HLC_CHECK(!hlc_exists(GONE), "after the remount %s exists again; it was unlinked before", hlc_path(GONE));
    HLC_CHECK(!changed[0], "after the remount %s", changed);

    restore_case_dir();
    struct cmd_result r = volume_down();
    HLC_CHECK(r.status == 0, "cleanup: %s down %s failed (exit %d): %s", HLC_HL_VOLUME, vol_name, r.status, r.err);
}
