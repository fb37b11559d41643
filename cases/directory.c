/*
 * Family 2, directory: a directory is never hard-linked. A plain directory,
 * ".", "..", the volume's root and a symlink to a directory followed with
 * HL_FOLLOW all give HL_ERR_IS_DIRECTORY (Linux: EPERM, from vfs_link before
 * the filesystem is asked), and no name appears; with HL_BENEATH too. A
 * symlink to a directory NOT followed is linked itself, like any symlink.
 *
 * FAT and exFAT have no symlinks: fusefat and exfat-fuse refuse symlink(2)
 * with ENOSYS (measured), so in the fat profile the symlink cases check that
 * refusal and have nothing to link.
 */
#include "hlc.h"

HLC_SUITE(directory);

/* Make NAME -> TARGET. 1 if made; 0 in the fat profile when the volume
 * refuses symlinks as FAT must (then there is nothing to link). */
static int dir_symlink(const char *target, const char *name)
{
    if (symlinkat(target, hlc_dfd, name) == 0)
        return 1;
    int e = errno;
    HLC_CHECK(!hlc_links(), "setup: symlink %s -> %s: %s (the %s profile expects symlinks)", hlc_path(name),
              target, strerror(e), hlc.profile == HLC_NTFS ? "ntfs" : "posix");
    HLC_CHECK(e == ENOSYS || e == EPERM || e == EOPNOTSUPP,
              "fat profile: symlink %s refused with %s, expected ENOSYS, EPERM or EOPNOTSUPP (no symlinks on FAT)",
              hlc_path(name), hl_errno_name(e));
    return 0;
}

HLC_CASE(directory, plain_directory)
{
    hlc_mkdir("d");
    hlc_write("d/inside", "x");
    hlc_expect_refused("x", "d", 0, HL_ERR_IS_DIRECTORY, EPERM);
}

HLC_CASE(directory, plain_directory_beneath)
{
    hlc_mkdir("d");
    hlc_expect_refused("x", "d", HL_BENEATH, HL_ERR_IS_DIRECTORY, EPERM);
}

/* HL_FOLLOW | HL_BENEATH pins the resolved inode and links that descriptor
 * (AT_EMPTY_PATH or /proc): a directory must be refused on that path too. */
HLC_CASE(directory, plain_directory_pinned)
{
    hlc_mkdir("d");
    hlc_expect_refused("x", "d", HL_FOLLOW | HL_BENEATH, HL_ERR_IS_DIRECTORY, EPERM);
}

/* A trailing slash makes the source a directory path; still the directory. */
HLC_CASE(directory, trailing_slash)
{
    hlc_mkdir("d");
    hlc_expect_refused("x", "d/", 0, HL_ERR_IS_DIRECTORY, EPERM);
}

HLC_CASE(directory, into_a_subdirectory)
{
    hlc_mkdir("d");
    hlc_mkdir("other");
    hlc_expect_refused("other/x", "d", 0, HL_ERR_IS_DIRECTORY, EPERM);
}

HLC_CASE(directory, dot)
{
    hlc_expect_refused("x", ".", 0, HL_ERR_IS_DIRECTORY, EPERM);
}

HLC_CASE(directory, dot_beneath)
{
    hlc_expect_refused("x", ".", HL_BENEATH, HL_ERR_IS_DIRECTORY, EPERM);
}

/* ".." of the case directory is HL_TARGET. (Bare ".." under HL_BENEATH leaves
 * the directory: that is an escape, family beneath.) */
HLC_CASE(directory, dotdot)
{
    hlc_expect_refused("x", "..", 0, HL_ERR_IS_DIRECTORY, EPERM);
}

/* "d/.." climbs back to the case directory: beneath, and a directory. */
HLC_CASE(directory, dotdot_beneath)
{
    hlc_mkdir("d");
    hlc_expect_refused("x", "d/..", HL_BENEATH, HL_ERR_IS_DIRECTORY, EPERM);
}

/* The root of the volume, by the absolute path of its mount point (same
 * mount as the new name, so the answer is the directory's, not EXDEV). */
HLC_CASE(directory, volume_root)
{
    if (!hlc.vol.mount_point[0])
        hlc_skip("the probe found no mount point for HL_TARGET=%s", hlc.target);
    hlc_expect_refused("x", hlc.vol.mount_point, 0, HL_ERR_IS_DIRECTORY, EPERM);
}

HLC_CASE(directory, symlink_followed)
{
    hlc_mkdir("d");
    if (!dir_symlink("d", "ld"))
        return;
    hlc_expect_refused("x", "ld", HL_FOLLOW, HL_ERR_IS_DIRECTORY, EPERM);
}

HLC_CASE(directory, symlink_followed_beneath)
{
    hlc_mkdir("d");
    if (!dir_symlink("d", "ld"))
        return;
    hlc_expect_refused("x", "ld", HL_FOLLOW | HL_BENEATH, HL_ERR_IS_DIRECTORY, EPERM);
}

/* "ld/" names what ld points to even without HL_FOLLOW: the directory. */
HLC_CASE(directory, symlink_trailing_slash)
{
    hlc_mkdir("d");
    if (!dir_symlink("d", "ld"))
        return;
    hlc_expect_refused("x", "ld/", 0, HL_ERR_IS_DIRECTORY, EPERM);
}

/* Without HL_FOLLOW the symlink itself is the source: a link to it, same
 * inode as the symlink, the directory untouched. */
static void symlink_not_followed(unsigned flags)
{
    hlc_mkdir("d");
    if (!dir_symlink("d", "ld"))
        return;
    struct stat d0 = hlc_lstat("d");
    if (!hlc_expect_link("x", "ld", flags))
        return;
    struct stat x = hlc_lstat("x"), d1 = hlc_lstat("d");
    HLC_CHECK(S_ISLNK(x.st_mode), "%s is not a symlink (mode %o): the link should be to the symlink itself",
              hlc_path("x"), (unsigned)x.st_mode);
    char buf[64] = "";
    ssize_t n = readlinkat(hlc_dfd, "x", buf, sizeof buf - 1);
    HLC_CHECK(n == 1 && buf[0] == 'd', "%s reads \"%.*s\", expected \"d\"", hlc_path("x"), n > 0 ? (int)n : 0, buf);
    HLC_CHECK(d1.st_ino == d0.st_ino && d1.st_nlink == d0.st_nlink,
              "the directory %s changed: inode %llu nlink %llu, was inode %llu nlink %llu", hlc_path("d"),
              (unsigned long long)d1.st_ino, (unsigned long long)d1.st_nlink, (unsigned long long)d0.st_ino,
              (unsigned long long)d0.st_nlink);
}

HLC_CASE(directory, symlink_not_followed) { symlink_not_followed(0); }

HLC_CASE(directory, symlink_not_followed_beneath) { symlink_not_followed(HL_BENEATH); }
