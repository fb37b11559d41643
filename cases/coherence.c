/*
 * Family coherence: one file, several names, one inode. A change made through
 * any name (write, truncate, append, chmod, chown, utimensat, setxattr, a
 * write through a shared mapping, a write and fsync through a descriptor) is
 * seen at once through every other name and every open descriptor, whichever
 * name opened it: the same data, size, mode, owner, times, extended
 * attributes, link count and st_ino. No sleep, no retry: a driver that caches
 * per name (FUSE's high-level API gives each name its own kernel inode) is
 * caught. The contents one case writes all have the same length and are
 * written within a second, so neither st_size nor st_mtime can stand in for
 * the data. Every name is listed by readdir of its directory (a fresh open,
 * and a stream kept open and rewound), with its st_ino as d_ino where the
 * volume fills d_ino, and links made or removed leave the link counts of the
 * directories alone.
 *
 * The fat profile has no hard links: each case judges the refusal and ends as
 * not applicable.
 */
#include "hlc.h"

#include <dirent.h>
#include <sys/mman.h>
#include <sys/xattr.h>

HLC_SUITE(coherence);

enum { NAMES = 3, LEN = 16 };
static const char *const names[NAMES] = {"a", "b", "d/c"}; /* in two directories */
static int fds[NAMES] = {-1, -1, -1};                     /* one opened through each name */
static const char XATTR[] = "user.hlc";

/* What every name and descriptor must show. Times are not here: they must
 * equal what the name the change went through shows. */
static struct {
    char data[LEN * 2 + 1];
    size_t len;
    struct stat st;     /* st_dev, st_ino, st_nlink, st_mode, st_uid, st_gid */
    char xattr[LEN + 1]; /* "" until set */
} want;

static void close_fds(void)
{
    for (int i = 0; i < NAMES; i++) {
        if (fds[i] >= 0)
            close(fds[i]);
        fds[i] = -1;
    }
}

/* "\"AAAA\"" with what is not printable as '.' (rotating buffers) */
static const char *shown(const char *data, size_t len)
{
    static char bufs[4][LEN * 2 + 3];
    static int n;
    char *b = bufs[n++ & 3];
    size_t k = 0;
    b[k++] = '"';
    for (size_t i = 0; i < len && i < LEN * 2; i++)
        b[k++] = data[i] >= 32 && data[i] < 127 ? data[i] : '.';
    b[k++] = '"';
    b[k] = '\0';
    return b;
}

static const char *via(int j) /* j < NAMES: a name; else the descriptor opened through names[j - NAMES] */
{
    static char bufs[4][TK_PATH_MAX + 64];
    static int n;
    char *b = bufs[n++ & 3];
    if (j < NAMES)
        snprintf(b, sizeof bufs[0], "the name %s", hlc_path(names[j]));
    else
        snprintf(b, sizeof bufs[0], "the descriptor opened through %s", hlc_path(names[j - NAMES]));
    return b;
}

static long long ns(struct timespec t) { return (long long)t.tv_sec * 1000000000LL + t.tv_nsec; }

static void same_time(const char *after, int j, const char *which, struct timespec seen, struct timespec ref,
                      int actor)
{
    HLC_CHECK(ns(seen) == ns(ref), "after %s: %s through %s is %lld.%09ld, through %s %lld.%09ld", after, which, via(j),
              (long long)seen.tv_sec, seen.tv_nsec, hlc_path(names[actor]), (long long)ref.tv_sec, ref.tv_nsec);
}

/* What one name or descriptor shows, against want and the actor's times. */
static void judge_stat(const char *after, int j, const struct stat *s, const struct stat *ref, int actor)
{
    const struct stat *w = &want.st;
#define SAME(field, what)                                                                                          \
    HLC_CHECK(s->field == w->field, "after %s: %s through %s is %llu, expected %llu", after, what, via(j),           \
              (unsigned long long)s->field, (unsigned long long)w->field)
    SAME(st_dev, "st_dev");
    SAME(st_ino, "st_ino");
    SAME(st_nlink, "the link count");
    SAME(st_uid, "the owner");
    SAME(st_gid, "the group");
#undef SAME
    HLC_CHECK(s->st_mode == w->st_mode, "after %s: the mode through %s is %o, expected %o", after, via(j),
              (unsigned)s->st_mode, (unsigned)w->st_mode);
    HLC_CHECK((size_t)s->st_size == want.len, "after %s: the size through %s is %lld, expected %zu", after, via(j),
              (long long)s->st_size, want.len);
    same_time(after, j, "the mtime", s->st_mtim, ref->st_mtim, actor);
    same_time(after, j, "the ctime", s->st_ctim, ref->st_ctim, actor);
    same_time(after, j, "the atime", s->st_atim, ref->st_atim, actor);
}

static void judge_data(const char *after, int j, const char *got, ssize_t n, int e)
{
    HLC_CHECK(n >= 0, "after %s: read through %s: %s", after, via(j), strerror(e));
    HLC_CHECK((size_t)n == want.len && memcmp(got, want.data, want.len) == 0,
              "after %s: read through %s: expected %s, seen %s%s", after, via(j), shown(want.data, want.len),
              shown(got, (size_t)n), (size_t)n == want.len ? " (same length: the size cannot tell them apart)" : "");
}

static void judge_xattr(const char *after, int j, const char *got, ssize_t n, int e)
{
    size_t len = strlen(want.xattr);
    HLC_CHECK(n >= 0, "after %s: getxattr %s through %s: %s, expected %s", after, XATTR, via(j), hl_errno_name(e),
              shown(want.xattr, len));
    HLC_CHECK((size_t)n == len && memcmp(got, want.xattr, len) == 0,
              "after %s: getxattr %s through %s: expected %s, seen %s", after, XATTR, via(j), shown(want.xattr, len),
              shown(got, (size_t)n));
}

/* Every name and descriptor against want, right after a change made through
 * names[actor]: every stat first (a read may move the atime), then the data,
 * then the extended attribute. */
static void check_all(const char *after, int actor)
{
    struct stat ref, seen[2 * NAMES];
    HLC_CHECK(fstatat(hlc_dfd, names[actor], &ref, AT_SYMLINK_NOFOLLOW) == 0, "after %s: lstat %s: %s", after,
              hlc_path(names[actor]), strerror(errno));
    for (int j = 0; j < 2 * NAMES; j++) {
        int r = j < NAMES ? fstatat(hlc_dfd, names[j], &seen[j], AT_SYMLINK_NOFOLLOW) : fstat(fds[j - NAMES], &seen[j]);
        HLC_CHECK(r == 0, "after %s: stat through %s: %s", after, via(j), strerror(errno));
    }
    for (int j = 0; j < 2 * NAMES; j++)
        judge_stat(after, j, &seen[j], &ref, actor);
    for (int j = 0; j < 2 * NAMES; j++) {
        char buf[LEN * 4];
        size_t len = 0;
        char *got = NULL;
        ssize_t n;
        if (j < NAMES) { /* a fresh open, as cat does */
            got = tk_read(hlc_dfd, names[j], &len);
            n = got ? (ssize_t)len : -1;
        } else {
            n = pread(fds[j - NAMES], buf, sizeof buf, 0);
        }
        int e = errno;
        char copy[LEN * 4] = {0};
        if (n > 0)
            memcpy(copy, got ? got : buf, (size_t)n < sizeof copy ? (size_t)n : sizeof copy);
        free(got);
        judge_data(after, j, copy, n < (ssize_t)sizeof copy ? n : (ssize_t)sizeof copy, e);
    }
    for (int j = 0; want.xattr[0] && j < 2 * NAMES; j++) {
        char buf[LEN * 4];
        ssize_t n = j < NAMES ? getxattr(hlc_path(names[j]), XATTR, buf, sizeof buf)
                              : fgetxattr(fds[j - NAMES], XATTR, buf, sizeof buf);
        judge_xattr(after, j, buf, n, errno);
    }
}

/* The file under every name (made through hl_create), a descriptor opened
 * through each, and everything read through each, so every cache is filled
 * (the first change then checks what a read left behind). */
static void setup(void)
{
    hlc_mkdir("d");
    memset(want.data, '0', LEN);
    want.data[LEN] = '\0';
    want.len = LEN;
    want.xattr[0] = '\0';
    hlc_write(names[0], want.data);
    for (int i = 1; i < NAMES; i++)
        hlc_linked_or_not_applicable(names[i], names[i - 1]);
    want.st = hlc_lstat(names[0]);
    for (int i = 0; i < NAMES; i++) {
        fds[i] = openat(hlc_dfd, names[i], O_RDWR | O_CLOEXEC);
        HLC_CHECK(fds[i] >= 0, "setup: open %s: %s", hlc_path(names[i]), strerror(errno));
    }
    check_all("linking", NAMES - 1);
}

/* One change through names[i]: makes it, updates want, says what it did. */
typedef void (*change_fn)(int i, char *what, size_t size);

static void through_each_name(change_fn change)
{
    setup();
    for (int i = 0; i < NAMES; i++) {
        char what[TK_PATH_MAX + 128];
        change(i, what, sizeof what);
        check_all(what, i);
    }
}

/* LEN bytes of c: every content of a case has the same length */
static void content(char c)
{
    memset(want.data, c, LEN);
    want.len = LEN;
}

#define CHANGED(call, ...)                                                                                         \
    do {                                                                                                           \
        snprintf(what, size, __VA_ARGS__);                                                                         \
        HLC_CHECK((call) >= 0, "%s: %s", what, strerror(errno));                                                   \
    } while (0)

/* As the shell's `printf ... >name`: open with O_TRUNC, write, close. */
static void write_fresh(int i, char *what, size_t size)
{
    content((char)('A' + i));
    int fd = openat(hlc_dfd, names[i], O_WRONLY | O_TRUNC | O_CLOEXEC);
    CHANGED(fd >= 0 && write(fd, want.data, LEN) == LEN ? 0 : -1, "writing %s through %s",
            shown(want.data, LEN), hlc_path(names[i]));
    close(fd);
}

HLC_CASE(coherence, write_through_other_name, .fini = close_fds) { through_each_name(write_fresh); }

/* The size changes: truncated shorter through one name (checked), then
 * appended to through it. */
static void truncate_then_append(int i, char *what, size_t size)
{
    want.len -= 4; /* the old bytes before it stay */
    CHANGED(truncate(hlc_path(names[i]), (off_t)want.len), "truncating to %zu bytes through %s", want.len,
            hlc_path(names[i]));
    check_all(what, i);
    char add[2] = {'+', (char)('0' + i)};
    int fd = openat(hlc_dfd, names[i], O_WRONLY | O_APPEND | O_CLOEXEC);
    CHANGED(fd >= 0 && write(fd, add, 2) == 2 ? 0 : -1, "appending %s through %s", shown(add, 2),
            hlc_path(names[i]));
    close(fd);
    memcpy(want.data + want.len, add, 2);
    want.len += 2;
}

HLC_CASE(coherence, truncate_and_append_through_other_name, .fini = close_fds)
{
    through_each_name(truncate_then_append);
}

static void chmod_name(int i, char *what, size_t size)
{
    static const mode_t modes[NAMES] = {0600, 0640, 0604};
    want.st.st_mode = S_IFREG | modes[i];
    CHANGED(fchmodat(hlc_dfd, names[i], modes[i], 0), "chmod %o through %s", (unsigned)modes[i],
            hlc_path(names[i]));
}

HLC_CASE(coherence, chmod_through_other_name, .fini = close_fds)
{
    if (!HLC_HAS(unix_permissions))
        hlc_not_applicable("%s", hlc_why(HLC_NEED_unix_permissions));
    through_each_name(chmod_name);
}

static void chown_name(int i, char *what, size_t size)
{
    want.st.st_uid = 1000 + (uid_t)i;
    want.st.st_gid = 2000 + (gid_t)i;
    CHANGED(fchownat(hlc_dfd, names[i], want.st.st_uid, want.st.st_gid, AT_SYMLINK_NOFOLLOW), "chown %u:%u through %s",
            (unsigned)want.st.st_uid, (unsigned)want.st.st_gid, hlc_path(names[i]));
}

/* Does chown take effect on this volume? (fusefat, exfat-fuse: no owners) */
static void chown_probe(void)
{
    hlc_touch("probe");
    int r = fchownat(hlc_dfd, "probe", 1000, 2000, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno;
    struct stat st = hlc_lstat("probe");
    unlinkat(hlc_dfd, "probe", 0);
    if (r || st.st_uid != 1000 || st.st_gid != 2000)
        hlc_not_applicable("chown 1000:2000 on %s: %s, owner %u:%u after: the volume keeps no owners", hlc.vol.name,
                           r ? hl_errno_name(r) : "success", (unsigned)st.st_uid, (unsigned)st.st_gid);
}

HLC_CASE(coherence, chown_through_other_name, .fini = close_fds)
{
    HLC_REQUIRE(root);
    chown_probe();
    through_each_name(chown_name);
}

static void set_times(int i, char *what, size_t size)
{
    /* whole even seconds: every volume's granularity (FAT's is 2 s) */
    const struct timespec t[2] = {{1600000000 + 2 * i, 0}, {1500000000 + 2 * i, 0}};
    CHANGED(utimensat(hlc_dfd, names[i], t, AT_SYMLINK_NOFOLLOW), "utimensat atime %lld mtime %lld through %s",
            (long long)t[0].tv_sec, (long long)t[1].tv_sec, hlc_path(names[i]));
    struct stat st = hlc_lstat(names[i]);
    HLC_CHECK(ns(st.st_atim) == ns(t[0]) && ns(st.st_mtim) == ns(t[1]),
              "after %s: %s itself shows atime %lld.%09ld mtime %lld.%09ld", what, hlc_path(names[i]),
              (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

HLC_CASE(coherence, utimensat_through_other_name, .fini = close_fds) { through_each_name(set_times); }

static void set_xattr(int i, char *what, size_t size)
{
    memset(want.xattr, 'v' + i, LEN);
    want.xattr[LEN] = '\0';
    CHANGED(setxattr(hlc_path(names[i]), XATTR, want.xattr, LEN, 0), "setxattr %s=%s through %s", XATTR,
            shown(want.xattr, LEN), hlc_path(names[i]));
}

/* Does the volume keep user extended attributes? (ramfs, fusefat: no) */
static void xattr_probe(void)
{
    hlc_touch("probe");
    int r = setxattr(hlc_path("probe"), XATTR, "x", 1, 0) == 0 ? 0 : errno;
    unlinkat(hlc_dfd, "probe", 0);
    if (r == ENOTSUP || r == ENOSYS)
        hlc_not_applicable("setxattr %s on %s: %s: the volume has no user extended attributes", XATTR, hlc.vol.name,
                           hl_errno_name(r));
    HLC_CHECK(!r, "setup: setxattr %s on %s: %s", XATTR, hlc_path("probe"), hl_errno_name(r));
}

HLC_CASE(coherence, setxattr_through_other_name, .fini = close_fds)
{
    xattr_probe();
    through_each_name(set_xattr);
}

/* A write through a shared mapping, unmapped without msync: the page cache
 * is the file's, so the other names see it at once. */
static void write_mapped(int i, char *what, size_t size)
{
    content((char)('a' + i));
    snprintf(what, size, "writing %s through a shared mapping of %s", shown(want.data, LEN), hlc_path(names[i]));
    int fd = openat(hlc_dfd, names[i], O_RDWR | O_CLOEXEC);
    HLC_CHECK(fd >= 0, "%s: open: %s", what, strerror(errno));
    char *m = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int e = errno;
    close(fd);
    HLC_CHECK(m != MAP_FAILED, "%s: mmap: %s", what, strerror(e));
    memcpy(m, want.data, LEN);
    munmap(m, LEN);
}

HLC_CASE(coherence, mmap_write_through_other_name, .fini = close_fds) { through_each_name(write_mapped); }

/* A pwrite through one name's descriptor, seen at once; then its fsync,
 * after which the same holds. */
static void write_then_fsync(int i, char *what, size_t size)
{
    content((char)('p' + i));
    CHANGED(pwrite(fds[i], want.data, LEN, 0) == LEN ? 0 : -1, "writing %s through %s", shown(want.data, LEN),
            via(NAMES + i));
    check_all(what, i);
    CHANGED(fsync(fds[i]), "writing %s and fsync through %s", shown(want.data, LEN), via(NAMES + i));
}

HLC_CASE(coherence, write_and_fsync_through_other_descriptor, .fini = close_fds)
{
    through_each_name(write_then_fsync);
}

/* ------------------------------------------------------------------ link count */

static struct stat dirs_before[2];
static const char *const dirs[2] = {".", "d"};

static void dirs_unchanged(const char *after)
{
    for (int k = 0; k < 2; k++) {
        struct stat st = hlc_lstat(dirs[k]);
        HLC_CHECK(st.st_nlink == dirs_before[k].st_nlink, "after %s: the link count of the directory %s went from %llu to %llu",
                  after, hlc_path(dirs[k]), (unsigned long long)dirs_before[k].st_nlink,
                  (unsigned long long)st.st_nlink);
    }
}

/* A link made through each name, then removed: every name and descriptor
 * sees the new count at once, the directories' counts do not move. */
HLC_CASE(coherence, link_count_through_every_name, .fini = close_fds)
{
    setup();
    for (int k = 0; k < 2; k++)
        dirs_before[k] = hlc_lstat(dirs[k]);
    static const char *const more[NAMES] = {"d/n0", "n1", "d/n2"};
    for (int i = 0; i < NAMES; i++) {
        char what[TK_PATH_MAX * 2 + 64];
        snprintf(what, sizeof what, "linking %s to %s", hlc_path(more[i]), hlc_path(names[i]));
        hlc_linked(more[i], names[i], 0);
        want.st.st_nlink++;
        check_all(what, i);
        dirs_unchanged(what);
    }
    for (int i = 0; i < NAMES; i++) {
        char what[TK_PATH_MAX + 64];
        snprintf(what, sizeof what, "unlinking %s", hlc_path(more[i]));
        HLC_CHECK(unlinkat(hlc_dfd, more[i], 0) == 0, "%s: %s", what, strerror(errno));
        want.st.st_nlink--;
        check_all(what, i);
        dirs_unchanged(what);
    }
}

/* ------------------------------------------------------------------ readdir */

/* A stream on each directory opened before the names change, rewound for
 * each listing (POSIX: rewinddir shows the directory as it is now). */
static DIR *held[2];

static void close_all(void)
{
    close_fds();
    for (int k = 0; k < 2; k++) {
        if (held[k])
            closedir(held[k]);
        held[k] = NULL;
    }
}

/* rel's entry in a fresh listing of its directory (held: in the rewound
 * stream kept open on it instead); 0 if it is not listed. */
static int listed(const char *rel, struct dirent *out, int use_held)
{
    char dir[TK_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", rel);
    char *slash = strrchr(dir, '/');
    const char *base = slash ? slash + 1 : rel;
    if (slash)
        *slash = '\0';
    DIR *d = held[slash ? 1 : 0];
    if (use_held) {
        rewinddir(d);
    } else {
        int fd = openat(hlc_dfd, slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        d = fd >= 0 ? fdopendir(fd) : NULL;
        HLC_CHECK(d, "open the directory of %s: %s", hlc_path(rel), strerror(errno));
    }
    int found = 0;
    struct dirent *de;
    while (!found && (de = readdir(d)))
        if (strcmp(de->d_name, base) == 0) {
            *out = *de;
            found = 1;
        }
    if (!use_held)
        closedir(d);
    return found;
}

static const char *const listings[2] = {"a fresh readdir of its directory",
                                        "readdir after rewinddir on a stream opened before"};

static void every_name_listed(const char *after, int fills_d_ino)
{
    for (int h = 0; h < 2; h++)
        for (int i = 0; i < NAMES; i++) {
            struct dirent de;
            HLC_CHECK(listed(names[i], &de, h), "after %s: %s is not listed by %s", after, hlc_path(names[i]),
                      listings[h]);
            HLC_CHECK(!fills_d_ino || de.d_ino == want.st.st_ino, "after %s: %s lists %s with d_ino %llu, its st_ino is %llu",
                      after, listings[h], hlc_path(names[i]), (unsigned long long)de.d_ino,
                      (unsigned long long)want.st.st_ino);
            HLC_CHECK(de.d_type == DT_REG || de.d_type == DT_UNKNOWN, "after %s: %s lists %s with d_type %u", after,
                      listings[h], hlc_path(names[i]), (unsigned)de.d_type);
        }
}

/* Each name listed, also after a change of the names around it. Whether the
 * volume fills d_ino is seen on a file with one name. */
HLC_CASE(coherence, every_name_in_readdir, .fini = close_all)
{
    setup();
    for (int k = 0; k < 2; k++) {
        int fd = openat(hlc_dfd, k ? "d" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        held[k] = fd >= 0 ? fdopendir(fd) : NULL;
        HLC_CHECK(held[k], "setup: open the directory %s: %s", hlc_path(k ? "d" : "."), strerror(errno));
    }
    hlc_touch("single");
    struct dirent de;
    HLC_CHECK(listed("single", &de, 0), "%s is not listed by %s", hlc_path("single"), listings[0]);
    int fills = de.d_ino == hlc_lstat("single").st_ino;
    if (!fills)
        cr_log_info("%s: readdir gives d_ino %llu for %s, inode %llu: d_ino is not checked", hlc_case,
                    (unsigned long long)de.d_ino, hlc_path("single"), (unsigned long long)hlc_lstat("single").st_ino);
    every_name_listed("linking", fills);
    hlc_linked("d/e", names[0], 0);
    every_name_listed("linking d/e", fills);
    for (int h = 0; h < 2; h++)
        HLC_CHECK(listed("d/e", &de, h) && (!fills || de.d_ino == want.st.st_ino),
                  "%s is not listed by %s, or with another d_ino", hlc_path("d/e"), listings[h]);
    HLC_CHECK(unlinkat(hlc_dfd, "d/e", 0) == 0, "unlink %s: %s", hlc_path("d/e"), strerror(errno));
    every_name_listed("unlinking d/e", fills);
    for (int h = 0; h < 2; h++)
        HLC_CHECK(!listed("d/e", &de, h), "%s is still listed by %s after its unlink", hlc_path("d/e"), listings[h]);
}
