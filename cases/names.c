/*
 * Family 6, names: what libhl answers for every kind of bad name, on both
 * sides. The new name exists (any type: EEXIST); the existing name is missing
 * (ENOENT, NOT_FOUND) or a directory on the way is (ENOENT, PATH_NOT_FOUND);
 * a file is used as a directory (ENOTDIR); a component one byte over the
 * volume's name limit (statfs f_namelen, as pathconf _PC_NAME_MAX reads it:
 * 255 on most, 251 on fuse-overlayfs) is ENAMETOOLONG while one of exactly
 * the limit works (the cases keep their names from when 255 was assumed); a path of PATH_MAX bytes or more is refused
 * by libhl itself before the disk (HL_ERR_INVALID_ARGUMENT, no native code)
 * while one just under reaches the kernel; symlink loops (ELOOP); trailing
 * slashes. Every refusal is checked for status, errno, which name it concerns,
 * an unchanged directory, and against the kernel's own linkat.
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

/* Refused with want (errno want_errno) concerning which, nothing changed,
 * and the kernel's own linkat gives the same errno (this family is about
 * errors passing through libhl unchanged). */
static void refused(const char *new_name, const char *existing, unsigned flags, hl_status want, int want_errno,
                    hl_which which)
{
    hlc_call c = {.raw = 1};
    hlc_call_in(&c, new_name, existing, flags);
    hlc_expect_refused(&c, want, want_errno, which);
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
    hlc_write("existing", "existing");
    hlc_write("new", "in the way");
    refused("new", "existing", 0, HL_ERR_EXISTS, EEXIST, HLC_NEW_NAME);
}

HLC_CASE(names, exists_directory)
{
    hlc_write("existing", "existing");
    hlc_mkdir("new");
    refused("new", "existing", 0, HL_ERR_EXISTS, EEXIST, HLC_NEW_NAME);
}

HLC_CASE(names, exists_symlink)
{
    hlc_write("existing", "existing");
    hlc_write("other", "other");
    if (!hlc_symlink_or_none("other", "new"))
        return;
    refused("new", "existing", 0, HL_ERR_EXISTS, EEXIST, HLC_NEW_NAME);
    refused("new", "existing", HL_FOLLOW, HL_ERR_EXISTS, EEXIST, HLC_NEW_NAME);
}

HLC_CASE(names, exists_dangling_symlink)
{
    hlc_write("existing", "existing");
    if (!hlc_symlink_or_none("nowhere", "new"))
        return;
    refused("new", "existing", 0, HL_ERR_EXISTS, EEXIST, HLC_NEW_NAME);
    HLC_CHECK(!hlc_exists("nowhere"), "the link went through the dangling symlink: %s exists",
              hlc_path("nowhere"));
}

HLC_CASE(names, exists_fifo)
{
    hlc_write("existing", "existing");
    if (mkfifoat(hlc_dfd, "new", 0644) != 0) {
        int e = errno;
        HLC_CHECK(hlc.profile == HLC_FAT, "setup: mkfifo %s: %s", hlc_path("new"), strerror(e));
        /* fusefat and exfat-fuse make a regular file, which the kernel then refuses (EIO) */
        HLC_CHECK(e == EIO, "fat profile: mkfifo %s failed with %s, expected EIO", hlc_path("new"), hl_errno_name(e));
        HLC_CHECK(hlc_exists("new") && S_ISREG(hlc_lstat("new").st_mode),
                  "fat profile: mkfifo %s failed with EIO, expected a regular file left behind, found %s",
                  hlc_path("new"), hlc_exists("new") ? "another type" : "nothing");
    } else {
        HLC_CHECK(S_ISFIFO(hlc_lstat("new").st_mode), "setup: mkfifo %s made no fifo", hlc_path("new"));
    }
    refused("new", "existing", 0, HL_ERR_EXISTS, EEXIST, HLC_NEW_NAME);
}

HLC_CASE(names, exists_the_source_itself)
{
    hlc_write("existing", "existing");
    refused("existing", "existing", 0, HL_ERR_EXISTS, EEXIST, HLC_NEW_NAME);
    refused("./existing", "existing", HL_FOLLOW, HL_ERR_EXISTS, EEXIST, HLC_NEW_NAME);
}

/* "new/" naming a file that exists: the kernel finds the name before it looks at the slash */
HLC_CASE(names, exists_with_trailing_slash)
{
    hlc_write("existing", "existing");
    hlc_write("new", "in the way");
    refused("new/", "existing", 0, HL_ERR_EXISTS, EEXIST, HLC_NEW_NAME);
}

/* ------------------------------------------------------------------ missing names */

HLC_CASE(names, missing_source)
{
    refused("new", "existing", 0, HL_ERR_NOT_FOUND, ENOENT, HLC_EXISTING);
    refused("new", "existing", HL_FOLLOW, HL_ERR_NOT_FOUND, ENOENT, HLC_EXISTING);
}

HLC_CASE(names, missing_source_directory)
{
    refused("new", "nodir/existing", 0, HL_ERR_PATH_NOT_FOUND, ENOENT, HLC_EXISTING);
}

HLC_CASE(names, missing_destination_directory)
{
    hlc_write("existing", "existing");
    refused("nodir/new", "existing", 0, HL_ERR_PATH_NOT_FOUND, ENOENT, HLC_NEW_NAME);
    refused("nodir/deeper/new", "existing", 0, HL_ERR_PATH_NOT_FOUND, ENOENT, HLC_NEW_NAME);
}

/* ------------------------------------------------------------------ a file used as a directory */

HLC_CASE(names, file_as_directory_in_source)
{
    hlc_write("file", "not a directory");
    refused("new", "file/existing", 0, HL_ERR_NOT_DIRECTORY, ENOTDIR, HLC_EXISTING);
}

HLC_CASE(names, file_as_directory_in_destination)
{
    hlc_write("existing", "existing");
    hlc_write("file", "not a directory");
    refused("file/new", "existing", 0, HL_ERR_NOT_DIRECTORY, ENOTDIR, HLC_NEW_NAME);
}

/* ------------------------------------------------------------------ name length */

/* The volume's own limit on a name's bytes (hlc_name_max); a case cannot run without it. */
static size_t name_limit(void)
{
    char why[TK_PATH_MAX + 128];
    long max = hlc_name_max(why, sizeof why);
    HLC_CHECK(max > 0, "setup: %s", why);
    return (size_t)max;
}

HLC_CASE(names, name_of_255_bytes_works)
{
    size_t max = name_limit();
    char *a = repeat('s', max), *b = repeat('d', max);
    int fd = openat(hlc_dfd, a, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    int e = errno;
    if (fd >= 0)
        close(fd);
    if (fd < 0) {
        free(a), free(b);
        hlc_fail("setup: cannot create a file with a name of %zu bytes, the volume's limit (statfs f_namelen): %s",
                 max, strerror(e));
    }
    hlc_linked(b, a, 0);
    free(a), free(b);
}

HLC_CASE(names, name_of_256_bytes_as_new_name)
{
    hlc_write("existing", "existing");
    size_t over = name_limit() + 1;
    char *n = repeat('n', over);
    if (HLC_HAS(name_max_on_lookup)) {
        refused(n, "existing", 0, HL_ERR_NAME_TOO_LONG, ENAMETOOLONG, HLC_NEW_NAME);
    } else {
        /* fusefat: the lookup of the long name answers ENOENT, so Linux goes
         * on to the link itself, which FAT does not have (EPERM) */
        HLC_CHECK(!hlc_links(), "looking up a %zu-byte name in %s gives ENOENT, not ENAMETOOLONG, on a volume with links",
                  over, hlc_dir);
        refused(n, "existing", 0, HL_ERR_NOT_SUPPORTED, EPERM, HLC_EXISTING);
    }
    free(n);
}

HLC_CASE(names, name_of_256_bytes_as_source)
{
    char *n = repeat('e', name_limit() + 1);
    if (HLC_HAS(name_max_on_lookup))
        refused("new", n, 0, HL_ERR_NAME_TOO_LONG, ENAMETOOLONG, HLC_EXISTING);
    else /* fusefat: a name it cannot hold is simply not there */
        refused("new", n, 0, HL_ERR_NOT_FOUND, ENOENT, HLC_EXISTING);
    free(n);
}

/* ------------------------------------------------------------------ path length */

/* Refused by libhl itself: no native code, the path never went to the system. */
static void invalid_before_the_disk(const char *new_name, const char *existing, hl_which which)
{
    hlc_refused(new_name, existing, 0, HL_ERR_INVALID_ARGUMENT, HLC_NO_ERRNO, which);
}

/* libhl's contract (hl.h): a path of PATH_MAX bytes or more is an invalid
 * argument, decided before any system call. */
HLC_CASE(names, path_of_path_max_bytes_is_invalid)
{
    hlc_write("existing", "existing");
    char *at = padded(PATH_MAX, "existing"), *over = padded(2 * PATH_MAX + 1, "existing");
    char *dat = padded(PATH_MAX, "new"), *dover = padded(2 * PATH_MAX + 1, "new");
    invalid_before_the_disk("new", at, HLC_EXISTING);
    invalid_before_the_disk("new", over, HLC_EXISTING);
    invalid_before_the_disk(dat, "existing", HLC_NEW_NAME);
    invalid_before_the_disk(dover, "existing", HLC_NEW_NAME);
    free(at), free(over), free(dat), free(dover);
}

/* PATH_MAX - 1 bytes is the longest path Linux takes, and libhl passes it on. */
HLC_CASE(names, path_under_path_max_reaches_the_kernel)
{
    hlc_write("existing", "existing");
    char *existing = padded(PATH_MAX - 1, "existing"), *new_name = padded(PATH_MAX - 1, "new"),
         *missing = padded(PATH_MAX - 1, "nothing");
    refused("new", missing, 0, HL_ERR_NOT_FOUND, ENOENT, HLC_EXISTING);
    hlc_linked(new_name, existing, 0);
    free(existing), free(new_name), free(missing);
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
    char existing[PATH_MAX + 16], new_name[2 * PATH_MAX];
    snprintf(existing, sizeof existing, "%s/existing", path);
    size_t pad = PATH_MAX - 1 - strlen(path) - strlen("/new");
    char *tail = padded(pad + strlen("new"), "new");
    HLC_CHECK((size_t)snprintf(new_name, sizeof new_name, "%s/%s", path, tail) == PATH_MAX - 1, "setup: path length");
    free(tail);
    hlc_write(existing, "deep");
    hlc_linked(new_name, existing, 0);
}

/* ------------------------------------------------------------------ symlink loops */

HLC_CASE(names, symlink_loop_in_source)
{
    hlc_write("existing", "existing");
    if (!hlc_symlink_or_none("loop2", "loop1"))
        return;
    hlc_symlink("loop1", "loop2");
    refused("new", "loop1", HL_FOLLOW, HL_ERR_LOOP, ELOOP, HLC_EXISTING);
    refused("new", "loop1/existing", 0, HL_ERR_LOOP, ELOOP, HLC_EXISTING);
}

HLC_CASE(names, symlink_loop_in_destination)
{
    hlc_write("existing", "existing");
    if (!hlc_symlink_or_none("loop2", "loop1"))
        return;
    hlc_symlink("loop1", "loop2");
    refused("loop1/new", "existing", 0, HL_ERR_LOOP, ELOOP, HLC_NEW_NAME);
    /* the loop as the new name itself is a name that exists */
    refused("loop1", "existing", 0, HL_ERR_EXISTS, EEXIST, HLC_NEW_NAME);
}

/* ------------------------------------------------------------------ trailing slashes */

HLC_CASE(names, trailing_slash_on_file_source)
{
    hlc_write("existing", "existing");
    refused("new", "existing/", 0, HL_ERR_NOT_DIRECTORY, ENOTDIR, HLC_EXISTING);
}

/* hl.h: "n/" that does not exist is a missing directory */
HLC_CASE(names, trailing_slash_on_new_name)
{
    hlc_write("existing", "existing");
    refused("new/", "existing", 0, HL_ERR_PATH_NOT_FOUND, ENOENT, HLC_NEW_NAME);
}

HLC_CASE(names, trailing_slash_on_directory_source)
{
    hlc_mkdir("dir");
    refused("new", "dir/", 0, HL_ERR_IS_DIRECTORY, EPERM, HLC_EXISTING);
    refused("new", "dir", 0, HL_ERR_IS_DIRECTORY, EPERM, HLC_EXISTING);
}
