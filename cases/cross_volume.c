/*
 * Family 3, cross_volume: a link cannot join two volumes, nor two mount points
 * of one filesystem. Source and new name on HL_TARGET and HL_TARGET2 (default
 * /dev/shm when that is another device), or on two bind mounts of one
 * directory, give HL_ERR_CROSS_DEVICE (EXDEV) and nothing appears on either
 * side. Linux compares the mounts in do_linkat before the filesystem's link
 * operation, so a FAT volume answers EXDEV too, not "no hard links".
 */
#include "hlc.h"

#include <dirent.h>

HLC_SUITE(cross_volume);

/* ------------------------------------------------------------------ the other volume */

static char other[4096]; /* our fresh directory on HL_TARGET2; "" when there is none */

/* Make a fresh directory on the other volume, or skip saying why not. */
static void other_make(void)
{
    const char *t2 = getenv("HL_TARGET2");
    int given = t2 && *t2;
    char root[4096];
    if (!given)
        t2 = "/dev/shm";
    if (!realpath(t2, root)) {
        if (given)
            hlc_fail("setup: HL_TARGET2=%s: %s", t2, strerror(errno));
        hlc_skip("HL_TARGET2 is not set and %s is not there (%s)", t2, strerror(errno));
    }
    struct stat a, b;
    HLC_CHECK(stat(root, &b) == 0 && S_ISDIR(b.st_mode), "setup: HL_TARGET2=%s is not a directory", root);
    HLC_CHECK(stat(hlc.target, &a) == 0, "setup: stat %s: %s", hlc.target, strerror(errno));
    if (a.st_dev == b.st_dev)
        hlc_skip("%s%s is on the same device as HL_TARGET=%s; set HL_TARGET2 to a directory on another volume",
                 given ? "HL_TARGET2=" : "", root, hlc.target);
    snprintf(other, sizeof other, "%.4000s/hlc-cross.XXXXXX", root);
    if (!mkdtemp(other)) {
        int e = errno;
        other[0] = '\0';
        if (given)
            hlc_fail("setup: cannot create a directory in HL_TARGET2=%s: %s", root, strerror(e));
        hlc_skip("HL_TARGET2 is not set and /dev/shm is not writable (%s)", strerror(e));
    }
}

/* Remove our directory on the other volume (one level: we make only files). */
static void other_remove(void)
{
    if (!other[0])
        return;
    DIR *d = opendir(other);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)))
            if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                unlinkat(dirfd(d), de->d_name, 0);
        closedir(d);
    }
    if (rmdir(other) != 0)
        fprintf(stderr, "%s: could not remove %s: %s\n", hlc_case, other, strerror(errno));
    other[0] = '\0';
}

/* other/name, in one of two rotating buffers */
static const char *other_path(const char *name)
{
    static char bufs[2][4400];
    static int i;
    char *b = bufs[i++ & 1];
    snprintf(b, sizeof bufs[0], "%s/%s", other, name);
    return b;
}

static void other_write(const char *name, const char *data)
{
    int fd = open(other_path(name), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
    int e = errno;
    ssize_t w = fd >= 0 ? write(fd, data, strlen(data)) : -1;
    if (fd >= 0)
        close(fd);
    if (w != (ssize_t)strlen(data)) {
        other_remove();
        hlc_fail("setup: cannot write %s: %s", other_path(name), strerror(fd < 0 ? e : errno));
    }
}

/* hlc_expect_refused across two volumes: nothing may change in the case
 * directory nor in ours on the other volume, which is removed before any
 * verdict (a failure must not leave it behind). */
static void expect_refused_across(const char *dst, const char *src, unsigned flags, hl_status want, int want_errno)
{
    char odir[4096];
    snprintf(odir, sizeof odir, "%s", other);
    hlc_expect_refused_at(hlc_dfd, dst, src, flags, want, want_errno, odir, NULL, other_remove);
}

/* ------------------------------------------------------------------ two filesystems */

/* The new name on the other volume. */
HLC_CASE(cross_volume, different_fs)
{
    hlc_write("src", "here");
    other_make();
    expect_refused_across(other_path("x"), "src", 0, HL_ERR_CROSS_DEVICE, EXDEV);
}

/* The source on the other volume, the new name here. */
HLC_CASE(cross_volume, different_fs_source_there)
{
    other_make();
    other_write("src", "there");
    expect_refused_across("x", other_path("src"), 0, HL_ERR_CROSS_DEVICE, EXDEV);
}

/* Following a symlink here to a file there: the link would join two volumes
 * (not followed, the symlink itself is here and would be linked). FAT has no
 * symlinks (ENOSYS from fusefat and exfat-fuse): then nothing to follow. */
HLC_CASE(cross_volume, different_fs_followed_symlink)
{
    other_make();
    other_write("src", "there");
    if (symlinkat(other_path("src"), hlc_dfd, "ls") != 0) {
        int e = errno;
        other_remove();
        HLC_CHECK(!hlc_links(), "setup: symlink %s: %s", hlc_path("ls"), strerror(e));
        HLC_CHECK(e == ENOSYS || e == EPERM || e == EOPNOTSUPP,
                  "fat profile: symlink %s refused with %s, expected ENOSYS, EPERM or EOPNOTSUPP", hlc_path("ls"),
                  hl_errno_name(e));
        return;
    }
    expect_refused_across("x", "ls", HL_FOLLOW, HL_ERR_CROSS_DEVICE, EXDEV);
}

/* ------------------------------------------------------------------ one filesystem, two mounts */

/* a/src, and b: a bind mount of a, in a mount namespace of this case's own. */
static void bind_a_on_b(void)
{
    int e = hlc_private_mounts();
    if (e)
        hlc_skip("cannot make a private mount namespace: %s", strerror(e));
    hlc_mkdir("a");
    hlc_mkdir("b");
    hlc_write("a/src", "bound");
    e = hlc_bind("a", "b", 0);
    HLC_CHECK(e == 0, "setup: bind mount %s on %s: %s", hlc_path("a"), hlc_path("b"), strerror(e));
    struct stat sa = hlc_stat("a/src"), sb = hlc_stat("b/src");
    HLC_CHECK(sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev, "setup: %s is not %s after the bind mount",
              hlc_path("b/src"), hlc_path("a/src"));
}

HLC_CASE(cross_volume, bind_mount)
{
    bind_a_on_b();
    hlc_expect_refused("b/x", "a/src", 0, HL_ERR_CROSS_DEVICE, EXDEV);
}

HLC_CASE(cross_volume, bind_mount_source_there)
{
    bind_a_on_b();
    hlc_expect_refused("a/x", "b/src", 0, HL_ERR_CROSS_DEVICE, EXDEV);
}

/* HL_BENEATH lets a path cross a mount point inside dirfd (openat2
 * RESOLVE_BENEATH does); the link itself is still across two mounts. */
HLC_CASE(cross_volume, bind_mount_beneath)
{
    bind_a_on_b();
    hlc_expect_refused("b/x", "a/src", HL_BENEATH, HL_ERR_CROSS_DEVICE, EXDEV);
}

/* The control: both names inside the one bind mount are one mount, so this is
 * an ordinary link (fat profile: NOT_SUPPORTED, not CROSS_DEVICE). */
HLC_CASE(cross_volume, within_one_bind_mount)
{
    bind_a_on_b();
    hlc_expect_link("b/y", "b/src", 0);
}
