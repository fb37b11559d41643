/*
 * Family 3, cross_volume: a link cannot join two volumes, nor two mount points
 * of one filesystem. Existing file and new name on HL_TARGET and HL_TARGET2 (default
 * /dev/shm when that is another device), or on two bind mounts of one
 * directory, give HL_ERR_CROSS_DEVICE (EXDEV) and nothing appears on either
 * side. Linux compares the mounts in do_linkat before the filesystem's link
 * operation, so a FAT volume answers EXDEV too, not "no hard links".
 */
#include "hlc.h"

HLC_SUITE(cross_volume);

/* ------------------------------------------------------------------ the other volume */

static char other[TK_PATH_MAX]; /* our fresh directory on HL_TARGET2; "" when there is none */

/* Make a fresh directory on the other volume (HLC_REQUIRE(second_volume) found it). */
static void other_make(void)
{
    int fd;
    int e = tk_workdir_make(hlc.target2, "hlc-cross", other, &fd);
    if (e) {
        other[0] = '\0';
        hlc_fail("setup: cannot create a directory in %s: %s", hlc.target2, strerror(e));
    }
    close(fd);
}

static void other_remove(void)
{
    if (!other[0])
        return;
    int e = tk_remove_tree(AT_FDCWD, other);
    if (e)
        fprintf(stderr, "%s: could not remove %s: %s\n", hlc_case, other, strerror(e));
    other[0] = '\0';
}

/* other/name, in one of two rotating buffers */
static const char *other_path(const char *name)
{
    static char bufs[2][TK_PATH_MAX + 256];
    static int i;
    char *b = bufs[i++ & 1];
    snprintf(b, sizeof bufs[0], "%s/%s", other, name);
    return b;
}

static void other_write(const char *name, const char *data)
{
    int e = tk_write(AT_FDCWD, other_path(name), data);
    HLC_CHECK(!e, "setup: cannot write %s: %s", other_path(name), strerror(e));
}

/* Refused across two volumes: nothing may change in the case directory nor
 * in ours on the other volume (removed by the case's .fini, whatever happens). */
static void refused_across(const char *new_name, const char *existing, unsigned flags)
{
    hlc_call c = {.also = other};
    hlc_call_in(&c, new_name, existing, flags);
    hlc_expect_refused(&c, HL_ERR_CROSS_DEVICE, EXDEV, HLC_NEITHER);
}

/* ------------------------------------------------------------------ two filesystems */

/* The new name on the other volume. */
HLC_CASE(cross_volume, different_fs, .fini = other_remove)
{
    HLC_REQUIRE(second_volume);
    hlc_write("existing", "here");
    other_make();
    refused_across(other_path("x"), "existing", 0);
}

/* The existing file on the other volume, the new name here. */
HLC_CASE(cross_volume, different_fs_source_there, .fini = other_remove)
{
    HLC_REQUIRE(second_volume);
    other_make();
    other_write("existing", "there");
    refused_across("x", other_path("existing"), 0);
}

/* Following a symlink here to a file there: the link would join two volumes
 * (not followed, the symlink itself is here and would be linked). FAT has no
 * symlinks (ENOSYS from fusefat and exfat-fuse): then nothing to follow. */
HLC_CASE(cross_volume, different_fs_followed_symlink, .fini = other_remove)
{
    HLC_REQUIRE(second_volume);
    other_make();
    other_write("existing", "there");
    if (!hlc_symlink_or_none(other_path("existing"), "ls"))
        return;
    refused_across("x", "ls", HL_FOLLOW);
}

/* ------------------------------------------------------------------ one filesystem, two mounts */

/* a/existing, and b: a bind mount of a, in the mount namespace of this case's own. */
static void bind_a_on_b(void)
{
    hlc_mkdir("a");
    hlc_mkdir("b");
    hlc_write("a/existing", "bound");
    int e = hlc_bind("a", "b", 0);
    HLC_CHECK(e == 0, "setup: bind mount %s on %s: %s", hlc_path("a"), hlc_path("b"), strerror(e));
    struct stat sa = hlc_stat("a/existing"), sb = hlc_stat("b/existing");
    HLC_CHECK(sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev, "setup: %s is not %s after the bind mount",
              hlc_path("b/existing"), hlc_path("a/existing"));
}

HLC_CASE(cross_volume, bind_mount)
{
    HLC_REQUIRE(private_mounts);
    bind_a_on_b();
    hlc_refused("b/x", "a/existing", 0, HL_ERR_CROSS_DEVICE, EXDEV, HLC_NEITHER);
}

HLC_CASE(cross_volume, bind_mount_source_there)
{
    HLC_REQUIRE(private_mounts);
    bind_a_on_b();
    hlc_refused("a/x", "b/existing", 0, HL_ERR_CROSS_DEVICE, EXDEV, HLC_NEITHER);
}

/* HL_BENEATH lets a path cross a mount point inside dirfd (openat2
 * RESOLVE_BENEATH does); the link itself is still across two mounts. */
HLC_CASE(cross_volume, bind_mount_beneath)
{
    HLC_REQUIRE(private_mounts);
    bind_a_on_b();
    hlc_refused("b/x", "a/existing", HL_BENEATH, HL_ERR_CROSS_DEVICE, EXDEV, HLC_NEITHER);
}

/* The control: both names inside the one bind mount are one mount, so this is
 * an ordinary link (fat profile: NOT_SUPPORTED, not CROSS_DEVICE). */
HLC_CASE(cross_volume, within_one_bind_mount)
{
    HLC_REQUIRE(private_mounts);
    bind_a_on_b();
    hlc_linked("b/y", "b/existing", 0);
}
