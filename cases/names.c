/*
 * Family 6, names: what libhl answers for every kind of bad name, on both
 * sides. The new name exists (any type: EEXIST); the source is missing
 * (ENOENT, NOT_FOUND) or a directory on the way is (ENOENT, PATH_NOT_FOUND);
 * a file is used as a directory (ENOTDIR); a component of 256 bytes
 * (ENAMETOOLONG) while 255 works; a path of PATH_MAX bytes or more is refused
 * by libhl itself before the disk (HL_ERR_INVALID_ARGUMENT, no native code)
 * while one just under reaches the kernel; symlink loops (ELOOP); trailing
 * slashes. Every refusal is checked for status, errno, which name it concerns
 * and an unchanged directory.
 *
 * The fat profile: Linux resolves both names before it asks the filesystem
 * for a link, so lookup errors come out as on any filesystem, and only a
 * request that gets as far as vfs_link is refused for having no link
 * operation (EPERM, HL_ERR_NOT_SUPPORTED). Measured on fusefat and exfat-fuse
 * (FUSE, Debian 12), with the differences asserted where they show:
 *   - no symlinks: symlink(2) answers ENOSYS (the daemons have no symlink op);
 *   - mkfifo answers EIO and leaves a regular file of that name: the daemon
 *     creates a regular file, and the kernel's FUSE client refuses the reply
 *     whose file type differs from the one asked for (fs/fuse/dir.c,
 *     create_new_entry);
 *   - fusefat checks no name length on lookup: a 256-byte name is simply not
 *     found (ENOENT), and creating one is EPERM. exfat-fuse answers
 *     ENAMETOOLONG like the kernel filesystems.
 */
#include "hlc.h"

#include <limits.h>

HLC_SUITE(names);

static const char *which_name(hl_which w)
{
    return w == HL_PATH_SOURCE ? "the source" : w == HL_PATH_DESTINATION ? "the new name" : "neither name";
}

/* hlc_expect_refused, and the failure must concern `which`. A refusal
 * changes nothing, so asking again gives the same answer to look at. */
static void refused(const char *dst, const char *src, unsigned flags, hl_status want, int want_errno, hl_which which)
{
    hlc_expect_refused(dst, src, flags, want, want_errno);
    hl_error e;
    hl_status s = hlc_link(dst, src, flags, &e);
    HLC_CHECK(s == want, "asked a second time: expected %s, got %s; %s", hlc_describe(want), hlc_describe(s),
              e.message);
    HLC_CHECK(e.which == which, "%s as expected, but it concerns %s, expected %s; %s", hl_status_name(want),
              which_name(e.which), which_name(which), e.message);
}

static int is_fusefat(void) { return strcmp(hlc.vol.name, "fusefat") == 0; }

/* Make a symlink; in the fat profile, where there are none, assert that the
 * filesystem refuses it (ENOSYS, measured on fusefat and exfat-fuse) and
 * leaves nothing, and return 0: the case has nothing more to check. */
static int symlink_or_none(const char *target, const char *rel)
{
    if (symlinkat(target, hlc_dfd, rel) == 0)
        return 1;
    int e = errno;
    HLC_CHECK(hlc.profile == HLC_FAT, "setup: symlink %s: %s", hlc_path(rel), strerror(e));
    HLC_CHECK(e == ENOSYS, "fat profile: symlink %s failed with %s, expected ENOSYS (no symlink operation)",
              hlc_path(rel), hl_errno_name(e));
    HLC_CHECK(!hlc_exists(rel), "fat profile: symlink %s failed with ENOSYS, yet the name exists", hlc_path(rel));
    return 0;
}

/* A path of exactly len bytes: "./" repeated (one more "/" if the count is
 * odd), then tail. Free it. */
static char *padded(size_t len, const char *tail)
{
    size_t t = strlen(tail);
    char *p = malloc(len + 1);
    HLC_CHECK(p && len >= t + 2, "setup: cannot build a path of %zu bytes", len);
    size_t pad = len - t, i = 0;
    while (i + 2 <= pad) {
        p[i++] = '.';
        p[i++] = '/';
    }
    if (i < pad)
        p[i++] = '/';
    memcpy(p + i, tail, t + 1);
    HLC_CHECK(strlen(p) == len, "setup: built a path of %zu bytes, not %zu", strlen(p), len);
    return p;
}

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    HLC_CHECK(s, "setup: out of memory");
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* ------------------------------------------------------------------ the new name exists */

HLC_CASE(names, exists_file)
{
    hlc_write("src", "source");
    hlc_write("dst", "in the way");
    refused("dst", "src", 0, HL_ERR_EXISTS, EEXIST, HL_PATH_DESTINATION);
}

HLC_CASE(names, exists_directory)
{
    hlc_write("src", "source");
    hlc_mkdir("dst");
    refused("dst", "src", 0, HL_ERR_EXISTS, EEXIST, HL_PATH_DESTINATION);
}

HLC_CASE(names, exists_symlink)
{
    hlc_write("src", "source");
    hlc_write("other", "other");
    if (!symlink_or_none("other", "dst"))
        return;
    refused("dst", "src", 0, HL_ERR_EXISTS, EEXIST, HL_PATH_DESTINATION);
    refused("dst", "src", HL_FOLLOW, HL_ERR_EXISTS, EEXIST, HL_PATH_DESTINATION);
}

HLC_CASE(names, exists_dangling_symlink)
{
    hlc_write("src", "source");
    if (!symlink_or_none("nowhere", "dst"))
        return;
    refused("dst", "src", 0, HL_ERR_EXISTS, EEXIST, HL_PATH_DESTINATION);
    HLC_CHECK(!hlc_exists("nowhere"), "the link went through the dangling symlink: %s exists",
              hlc_path("nowhere"));
}

HLC_CASE(names, exists_fifo)
{
    hlc_write("src", "source");
    if (mkfifoat(hlc_dfd, "dst", 0644) != 0) {
        int e = errno;
        HLC_CHECK(hlc.profile == HLC_FAT, "setup: mkfifo %s: %s", hlc_path("dst"), strerror(e));
        /* fusefat and exfat-fuse make a regular file, which the kernel then refuses (EIO) */
        HLC_CHECK(e == EIO, "fat profile: mkfifo %s failed with %s, expected EIO", hlc_path("dst"), hl_errno_name(e));
        HLC_CHECK(hlc_exists("dst") && S_ISREG(hlc_lstat("dst").st_mode),
                  "fat profile: mkfifo %s failed with EIO, expected a regular file left behind, found %s",
                  hlc_path("dst"), hlc_exists("dst") ? "another type" : "nothing");
    } else {
        HLC_CHECK(S_ISFIFO(hlc_lstat("dst").st_mode), "setup: mkfifo %s made no fifo", hlc_path("dst"));
    }
    refused("dst", "src", 0, HL_ERR_EXISTS, EEXIST, HL_PATH_DESTINATION);
}

HLC_CASE(names, exists_the_source_itself)
{
    hlc_write("src", "source");
    refused("src", "src", 0, HL_ERR_EXISTS, EEXIST, HL_PATH_DESTINATION);
    refused("./src", "src", HL_FOLLOW, HL_ERR_EXISTS, EEXIST, HL_PATH_DESTINATION);
}

/* "dst/" naming an existing file: the kernel finds the name before it looks at the slash */
HLC_CASE(names, exists_with_trailing_slash)
{
    hlc_write("src", "source");
    hlc_write("dst", "in the way");
    refused("dst/", "src", 0, HL_ERR_EXISTS, EEXIST, HL_PATH_DESTINATION);
}

/* ------------------------------------------------------------------ missing names */

HLC_CASE(names, missing_source)
{
    refused("dst", "src", 0, HL_ERR_NOT_FOUND, ENOENT, HL_PATH_SOURCE);
    refused("dst", "src", HL_FOLLOW, HL_ERR_NOT_FOUND, ENOENT, HL_PATH_SOURCE);
}

HLC_CASE(names, missing_source_directory)
{
    refused("dst", "nodir/src", 0, HL_ERR_PATH_NOT_FOUND, ENOENT, HL_PATH_SOURCE);
}

HLC_CASE(names, missing_destination_directory)
{
    hlc_write("src", "source");
    refused("nodir/dst", "src", 0, HL_ERR_PATH_NOT_FOUND, ENOENT, HL_PATH_DESTINATION);
    refused("nodir/deeper/dst", "src", 0, HL_ERR_PATH_NOT_FOUND, ENOENT, HL_PATH_DESTINATION);
}

/* ------------------------------------------------------------------ a file used as a directory */

HLC_CASE(names, file_as_directory_in_source)
{
    hlc_write("file", "not a directory");
    refused("dst", "file/src", 0, HL_ERR_NOT_DIRECTORY, ENOTDIR, HL_PATH_SOURCE);
}

HLC_CASE(names, file_as_directory_in_destination)
{
    hlc_write("src", "source");
    hlc_write("file", "not a directory");
    refused("file/dst", "src", 0, HL_ERR_NOT_DIRECTORY, ENOTDIR, HL_PATH_DESTINATION);
}

/* ------------------------------------------------------------------ name length */

HLC_CASE(names, name_of_255_bytes_works)
{
    char *a = repeat('s', NAME_MAX), *b = repeat('d', NAME_MAX);
    int fd = openat(hlc_dfd, a, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    int e = errno;
    if (fd >= 0)
        close(fd);
    if (fd < 0) {
        free(a), free(b);
        hlc_fail("setup: cannot create a file with a name of %d bytes: %s", NAME_MAX, strerror(e));
    }
    hlc_expect_link(b, a, 0);
    free(a), free(b);
}

HLC_CASE(names, name_of_256_bytes_as_new_name)
{
    hlc_write("src", "source");
    char *n = repeat('d', NAME_MAX + 1);
    if (is_fusefat())
        /* fusefat: the lookup of the long name answers ENOENT, so Linux goes
         * on to the link itself, which FAT does not have (EPERM) */
        refused(n, "src", 0, HL_ERR_NOT_SUPPORTED, EPERM, HL_PATH_SOURCE);
    else
        refused(n, "src", 0, HL_ERR_NAME_TOO_LONG, ENAMETOOLONG, HL_PATH_DESTINATION);
    free(n);
}

HLC_CASE(names, name_of_256_bytes_as_source)
{
    char *n = repeat('s', NAME_MAX + 1);
    if (is_fusefat())
        /* fusefat: a name it cannot hold is simply not there */
        refused("dst", n, 0, HL_ERR_NOT_FOUND, ENOENT, HL_PATH_SOURCE);
    else
        refused("dst", n, 0, HL_ERR_NAME_TOO_LONG, ENAMETOOLONG, HL_PATH_SOURCE);
    free(n);
}

/* ------------------------------------------------------------------ path length */

static void invalid_before_the_disk(const char *dst, const char *src, hl_which which)
{
    refused(dst, src, 0, HL_ERR_INVALID_ARGUMENT, 0, which);
    hl_error e;
    hlc_link(dst, src, 0, &e);
    HLC_CHECK(e.domain == HL_DOMAIN_NONE && e.native == 0,
              "HL_ERR_INVALID_ARGUMENT as expected, but from native code %ld (domain %d): the path went to "
              "the system; %s",
              e.native, (int)e.domain, e.message);
}

/* libhl's contract (hl.h): a path of PATH_MAX bytes or more is an invalid
 * argument, decided before any system call. */
HLC_CASE(names, path_of_path_max_bytes_is_invalid)
{
    hlc_write("src", "source");
    char *at = padded(PATH_MAX, "src"), *over = padded(2 * PATH_MAX + 1, "src");
    char *dat = padded(PATH_MAX, "dst"), *dover = padded(2 * PATH_MAX + 1, "dst");
    invalid_before_the_disk("dst", at, HL_PATH_SOURCE);
    invalid_before_the_disk("dst", over, HL_PATH_SOURCE);
    invalid_before_the_disk(dat, "src", HL_PATH_DESTINATION);
    invalid_before_the_disk(dover, "src", HL_PATH_DESTINATION);
    free(at), free(over), free(dat), free(dover);
}

/* PATH_MAX - 1 bytes is the longest path Linux takes, and libhl passes it on. */
HLC_CASE(names, path_under_path_max_reaches_the_kernel)
{
    hlc_write("src", "source");
    char *src = padded(PATH_MAX - 1, "src"), *dst = padded(PATH_MAX - 1, "dst"),
         *missing = padded(PATH_MAX - 1, "nothing");
    refused("dst", missing, 0, HL_ERR_NOT_FOUND, ENOENT, HL_PATH_SOURCE);
    hlc_expect_link(dst, src, 0);
    free(src), free(dst), free(missing);
}

/* The same length made of real directories: 19 levels of 200-byte names. */
HLC_CASE(names, deep_path_under_path_max_reaches_the_kernel)
{
    char path[PATH_MAX] = "";
    size_t n = 0;
    char *level = repeat('d', 200);
    for (int i = 0; i < 19; i++) {
        n += (size_t)snprintf(path + n, sizeof path - n, "%s%s", i ? "/" : "", level);
        hlc_mkdir(path);
    }
    free(level);
    char src[PATH_MAX], dst[PATH_MAX];
    HLC_CHECK((size_t)snprintf(src, sizeof src, "%s/src", path) < sizeof src, "setup: path length");
    size_t pad = PATH_MAX - 1 - strlen(path) - strlen("/dst");
    char *tail = padded(pad + strlen("dst"), "dst");
    HLC_CHECK((size_t)snprintf(dst, sizeof dst, "%s/%s", path, tail) == PATH_MAX - 1, "setup: path length");
    free(tail);
    hlc_write(src, "deep");
    hlc_expect_link(dst, src, 0);
}

/* ------------------------------------------------------------------ symlink loops */

HLC_CASE(names, symlink_loop_in_source)
{
    hlc_write("src", "source");
    if (!symlink_or_none("loop2", "loop1"))
        return;
    hlc_symlink("loop1", "loop2");
    refused("dst", "loop1", HL_FOLLOW, HL_ERR_LOOP, ELOOP, HL_PATH_SOURCE);
    refused("dst", "loop1/src", 0, HL_ERR_LOOP, ELOOP, HL_PATH_SOURCE);
}

HLC_CASE(names, symlink_loop_in_destination)
{
    hlc_write("src", "source");
    if (!symlink_or_none("loop2", "loop1"))
        return;
    hlc_symlink("loop1", "loop2");
    refused("loop1/dst", "src", 0, HL_ERR_LOOP, ELOOP, HL_PATH_DESTINATION);
    /* the loop as the new name itself is a name that exists */
    refused("loop1", "src", 0, HL_ERR_EXISTS, EEXIST, HL_PATH_DESTINATION);
}

/* ------------------------------------------------------------------ trailing slashes */

HLC_CASE(names, trailing_slash_on_file_source)
{
    hlc_write("src", "source");
    refused("dst", "src/", 0, HL_ERR_NOT_DIRECTORY, ENOTDIR, HL_PATH_SOURCE);
}

/* hl.h: "n/" that does not exist is a missing directory */
HLC_CASE(names, trailing_slash_on_new_name)
{
    hlc_write("src", "source");
    refused("dst/", "src", 0, HL_ERR_PATH_NOT_FOUND, ENOENT, HL_PATH_DESTINATION);
}

HLC_CASE(names, trailing_slash_on_directory_source)
{
    hlc_mkdir("dir");
    refused("dst", "dir/", 0, HL_ERR_IS_DIRECTORY, EPERM, HL_PATH_SOURCE);
    refused("dst", "dir", 0, HL_ERR_IS_DIRECTORY, EPERM, HL_PATH_SOURCE);
}
