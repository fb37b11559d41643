/*
 * Family 2, directory: a directory is never hard-linked. A plain directory,
 * ".", "..", the volume's root and a symlink to a directory followed with
 * HL_FOLLOW all give HL_ERR_IS_DIRECTORY (Linux: EPERM, from vfs_link before
 * the filesystem is asked), concerning the existing name, and no name
 * appears; with HL_BENEATH too. A
 * symlink to a directory NOT followed is linked itself, like any symlink.
 *
 * FAT and exFAT have no symlinks: fusefat and exfat-fuse refuse symlink(2)
 * with ENOSYS (measured), so where the volume has none (which only the fat
 * profile allows) the symlink cases have nothing to link.
 */
#include "hlc.h"

HLC_SUITE(directory);

HLC_CASE(directory, plain_directory)
{
    hlc_mkdir("d");
    hlc_write("d/inside", "x");
    hlc_refused("x", "d", 0, HL_ERR_IS_DIRECTORY, EPERM, HLC_EXISTING);
}

HLC_CASE(directory, plain_directory_beneath)
{
    hlc_mkdir("d");
    hlc_refused("x", "d", HL_BENEATH, HL_ERR_IS_DIRECTORY, EPERM, HLC_EXISTING);
}

/* HL_FOLLOW | HL_BENEATH pins the resolved inode and links that descriptor
 * (AT_EMPTY_PATH or /proc): a directory must be refused on that path too. */
HLC_CASE(directory, plain_directory_pinned)
{
    hlc_mkdir("d");
    hlc_refused("x", "d", HL_FOLLOW | HL_BENEATH, HL_ERR_IS_DIRECTORY, EPERM, HLC_EXISTING);
}

/* A trailing slash makes the existing name a directory path; still the directory. */
HLC_CASE(directory, trailing_slash)
{
    hlc_mkdir("d");
    hlc_refused("x", "d/", 0, HL_ERR_IS_DIRECTORY, EPERM, HLC_EXISTING);
}

HLC_CASE(directory, into_a_subdirectory)
{
    hlc_mkdir("d");
    hlc_mkdir("other");
    hlc_refused("other/x", "d", 0, HL_ERR_IS_DIRECTORY, EPERM, HLC_EXISTING);
}

HLC_CASE(directory, dot)
{
    hlc_refused("x", ".", 0, HL_ERR_IS_DIRECTORY, EPERM, HLC_EXISTING);
}

HLC_CASE(directory, dot_beneath)
{
    hlc_refused("x", ".", HL_BENEATH, HL_ERR_IS_DIRECTORY, EPERM, HLC_EXISTING);
}

/* ".." of the case directory is HL_TARGET. (Bare ".." under HL_BENEATH leaves
 * the directory: that is an escape, family beneath.) */
HLC_CASE(directory, dotdot)
{
    hlc_refused("x", "..", 0, HL_ERR_IS_DIRECTORY, EPERM, HLC_EXISTING);
}

/* "d/.." climbs back to the case directory: beneath, and a directory. */
HLC_CASE(directory, dotdot_beneath)
{
    hlc_mkdir("d");
    hlc_refused("x", "d/..", HL_BENEATH, HL_ERR_IS_DIRECTORY, EPERM, HLC_EXISTING);
}

/* The root of the volume, by the absolute path of its mount point (same
 * mount as the new name, so the answer is the directory's, not EXDEV). */
HLC_CASE(directory, volume_root)
{
    HLC_REQUIRE(mount_point);
    hlc_refused("x", hlc.vol.mount_point, 0, HL_ERR_IS_DIRECTORY, EPERM, HLC_EXISTING);
}

HLC_CASE(directory, symlink_followed)
{
    hlc_mkdir("d");
    if (!hlc_symlink_or_none("d", "ld"))
        return;
    hlc_refused("x", "ld", HL_FOLLOW, HL_ERR_IS_DIRECTORY, EPERM, HLC_EXISTING);
}

HLC_CASE(directory, symlink_followed_beneath)
{
    hlc_mkdir("d");
    if (!hlc_symlink_or_none("d", "ld"))
        return;
    hlc_refused("x", "ld", HL_FOLLOW | HL_BENEATH, HL_ERR_IS_DIRECTORY, EPERM, HLC_EXISTING);
}

/* "ld/" names what ld points to even without HL_FOLLOW: the directory. */
HLC_CASE(directory, symlink_trailing_slash)
{
    hlc_mkdir("d");
    if (!hlc_symlink_or_none("d", "ld"))
        return;
    hlc_refused("x", "ld/", 0, HL_ERR_IS_DIRECTORY, EPERM, HLC_EXISTING);
}

/* Without HL_FOLLOW the symlink itself is the existing file: a link to it, same
 * inode as the symlink, the directory untouched. */
static void symlink_not_followed(unsigned flags)
{
    hlc_mkdir("d");
    if (!hlc_symlink_or_none("d", "ld"))
        return;
    struct stat d0 = hlc_lstat("d");
    if (!hlc_linked("x", "ld", flags))
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
