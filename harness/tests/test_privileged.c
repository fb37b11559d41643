/*
 * The classifications that need root: read-only and full volumes, a
 * filesystem without hard links, a bind mount, permissions and
 * protected_hardlinks. Mounts happen in a private mount namespace of the
 * test's own process (Criterion runs each test in a child), so they vanish
 * with it even if teardown never runs.
 */
#include "common.h"

#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>

TestSuite(privileged, .init = hlt_setup, .fini = hlt_teardown);

static void need_mounts(void)
{
    int e = hlt_private_mounts();
    if (e)
        HLT_SKIP("needs root and a private mount namespace: %s", strerror(e));
}

static void mount_or_skip(const char *rel, const char *fstype, const char *opts)
{
    int e = hlt_mount(rel, fstype, opts);
    if (e)
        HLT_SKIP("cannot mount %s (%s): %s", fstype, opts ? opts : "", strerror(e));
}

static void expect(const char *new_name, const char *existing, hl_status want, int native, hl_which which)
{
    hlt_expect_failure(hlt_dfd, new_name, existing, NULL, want, native, which);
}

Test(privileged, read_only_volume)
{
    need_mounts();
    mount_or_skip("ro", "tmpfs", "size=1m");
    hlt_touch("ro/existing");
    char path[4200];
    snprintf(path, sizeof path, "%s/ro", hlt_dir);
    cr_assert_eq(mount(NULL, path, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0, "remount ro: %s", strerror(errno));
    expect("ro/n", "ro/existing", HL_ERR_READ_ONLY, EROFS, HL_PATH_DESTINATION);
    hl_volume v;
    cr_assert_eq(hl_volume_probe(path, &v), HL_OK);
    cr_assert_eq(v.read_only, 1, "the probe does not see the read-only mount");
}

/* tmpfs charges each hard link an inode (mm/shmem.c shmem_link): with
 * nr_inodes used up, link fails with ENOSPC. */
Test(privileged, full_volume)
{
    need_mounts();
    mount_or_skip("full", "tmpfs", "size=1m,nr_inodes=2");
    hlt_touch("full/existing"); /* the root and existing: both inodes used */
    expect("full/n", "full/existing", HL_ERR_NO_SPACE, ENOSPC, HL_PATH_DESTINATION);
    cr_assert_eq(hlt_lstat("full/existing").st_nlink, 1);
}

/* mqueue has no link operation, like FAT: Linux answers EPERM. A new IPC
 * namespace keeps the queue away from the machine's own. */
Test(privileged, volume_without_hard_links)
{
    need_mounts();
    if (unshare(CLONE_NEWIPC) != 0)
        HLT_SKIP("cannot make an IPC namespace: %s", strerror(errno));
    mount_or_skip("mq", "mqueue", NULL);
    int fd = openat(hlt_dfd, "mq/queue", O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    cr_assert(fd >= 0, "cannot create a queue: %s", strerror(errno));
    close(fd);
    expect("mq/n", "mq/queue", HL_ERR_NOT_SUPPORTED, EPERM, HL_PATH_SOURCE);
    char path[4200];
    snprintf(path, sizeof path, "%s/mq", hlt_dir);
    hl_volume v;
    cr_assert_eq(hl_volume_probe(path, &v), HL_OK);
    cr_assert_str_eq(v.name, "mqueue");
    cr_assert_eq(v.hardlinks, 0);
}

/* A kernel overlay makes its links in the upper layer, so the probe gives the
 * upper layer's answers: a tmpfs upper (no limit, links) and one on the work
 * directory's own filesystem (whatever the probe says of it), not the
 * table's "unknown" for overlay. */
static void overlay_over(const char *layers, const char *upper_fs)
{
    char opts[4 * TK_PATH_MAX], at[TK_PATH_MAX + 16], upper_at[TK_PATH_MAX + 16];
    char rel[64];
    snprintf(rel, sizeof rel, "%s/l", layers);
    hlt_mkdir(rel);
    snprintf(rel, sizeof rel, "%s/u", layers);
    hlt_mkdir(rel);
    snprintf(rel, sizeof rel, "%s/w", layers);
    hlt_mkdir(rel);
    snprintf(opts, sizeof opts, "lowerdir=%s/%s/l,upperdir=%s/%s/u,workdir=%s/%s/w", hlt_dir, layers, hlt_dir, layers,
             hlt_dir, layers);
    snprintf(rel, sizeof rel, "%s/ovl", layers);
    mount_or_skip(rel, "overlay", opts);
    snprintf(at, sizeof at, "%s/%s/ovl", hlt_dir, layers);
    snprintf(upper_at, sizeof upper_at, "%s/%s/u", hlt_dir, layers);
    hl_volume o, u;
    cr_assert_eq(hl_volume_probe(at, &o), HL_OK);
    cr_assert_eq(hl_volume_probe(upper_at, &u), HL_OK);
    cr_assert_str_eq(o.name, "overlay");
    cr_assert_str_eq(u.name, upper_fs);
    cr_assert_eq(o.hardlinks, u.hardlinks, "overlay over %s: hardlinks %d, its upper layer's %d", u.name, o.hardlinks,
                 u.hardlinks);
    cr_assert_eq(o.link_max, u.link_max, "overlay over %s: link_max %llu, its upper layer's %llu", u.name, o.link_max,
                 u.link_max);
}

Test(privileged, overlay_limit_is_the_upper_layers)
{
    need_mounts();
    hlt_mkdir("t");
    mount_or_skip("t", "tmpfs", "size=1m");
    overlay_over("t", "tmpfs");
    hl_volume w;
    cr_assert_eq(hl_volume_probe(hlt_dir, &w), HL_OK);
    if (strcmp(w.name, "tmpfs") == 0 || strcmp(w.name, "overlay") == 0)
        return; /* the layers below would not be a second filesystem */
    hlt_mkdir("here");
    overlay_over("here", w.name);
    cr_assert_eq(w.hardlinks, 1, "%s", w.name);
}

/* Two mount points of one filesystem are still two: EXDEV. */
Test(privileged, bind_mount_is_cross_device)
{
    need_mounts();
    hlt_mkdir("a");
    hlt_mkdir("b");
    hlt_touch("a/existing");
    int e = hlt_bind("a", "b");
    if (e)
        HLT_SKIP("cannot bind-mount: %s", strerror(e));
    expect("b/n", "a/existing", HL_ERR_CROSS_DEVICE, EXDEV, HL_PATH_NEITHER);
    cr_assert(!hlt_exists("a/n"), "cross-device link appeared on the existing file's side");
}

static void need_root(void)
{
    if (geteuid() != 0)
        HLT_SKIP("needs root to switch to uid %d", HLT_NOBODY);
}

/* Permission bits, checked as an unprivileged user. */
Test(privileged, permissions)
{
    need_root();
    hlt_mkdir("pub");
    chmod(hlt_dir, 0755);
    char p[4200];
    snprintf(p, sizeof p, "%s/pub", hlt_dir);
    chmod(p, 0777);
    hlt_mkdir("locked");   /* not writable by nobody */
    hlt_mkdir("nosearch"); /* not searchable by nobody */
    hlt_touch("nosearch/f");
    snprintf(p, sizeof p, "%s/nosearch", hlt_dir);
    chmod(p, 0766);
    hlt_nobody();
    int fd = openat(hlt_dfd, "pub/mine", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    cr_assert(fd >= 0, "nobody cannot create a file in pub: %s", strerror(errno));
    close(fd);
    expect("locked/n", "pub/mine", HL_ERR_ACCESS_DENIED, EACCES, HL_PATH_DESTINATION);
    expect("pub/n", "nosearch/f", HL_ERR_ACCESS_DENIED, EACCES, HL_PATH_SOURCE);
    hl_error e;
    HLT_STATUS(hl_create_at(hlt_dfd, "pub/n", "pub/mine", NULL, &e), HL_OK, &e);
    hlt_root();
}

static char saved_protected = 0;

static void restore_protected(void)
{
    if (!saved_protected)
        return;
    int fd = open("/proc/sys/fs/protected_hardlinks", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (write(fd, &saved_protected, 1) != 1)
            fprintf(stderr, "warning: could not restore fs.protected_hardlinks\n");
        close(fd);
    }
}

static void fini_protected(void) /* before the suite's hlt_teardown */
{
    hlt_root();
    restore_protected();
}

/* fs.protected_hardlinks=1: linking a file you neither own nor can read and
 * write is EPERM, which libhl reports as ACCESS_DENIED; your own file links. */
static void ensure_protected(void)
{
    need_root();
    int fd = open("/proc/sys/fs/protected_hardlinks", O_RDWR | O_CLOEXEC);
    char cur = 0;
    if (fd < 0 || read(fd, &cur, 1) != 1)
        HLT_SKIP("cannot read fs.protected_hardlinks: %s", strerror(errno));
    if (cur != '1') {
        saved_protected = cur;
        if (pwrite(fd, "1", 1, 0) != 1)
            HLT_SKIP("cannot set fs.protected_hardlinks=1: %s", strerror(errno));
    }
    close(fd);
}

Test(privileged, protected_hardlinks, .fini = fini_protected)
{
    ensure_protected();
    hlt_mkdir("pub");
    char p[4200];
    snprintf(p, sizeof p, "%s/pub", hlt_dir);
    chmod(p, 0777);
    hlt_touch("pub/roots");        /* root's, 0644: nobody may read, not write */
    hlt_touch("pub/roots_shared"); /* root's, 0666: nobody may read and write */
    snprintf(p, sizeof p, "%s/pub/roots_shared", hlt_dir);
    chmod(p, 0666);
    hlt_nobody();
    int fd = openat(hlt_dfd, "pub/mine", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    cr_assert(fd >= 0);
    close(fd);
    expect("pub/n1", "pub/roots", HL_ERR_ACCESS_DENIED, EPERM, HL_PATH_SOURCE);
    hl_error e;
    HLT_STATUS(hl_create_at(hlt_dfd, "pub/n2", "pub/mine", NULL, &e), HL_OK, &e);
    HLT_STATUS(hl_create_at(hlt_dfd, "pub/n3", "pub/roots_shared", NULL, &e), HL_OK, &e);
    hlt_root();
}

/* On a volume without a link operation, Linux checks protected_hardlinks
 * first (fs/namei.c do_linkat: may_linkat before vfs_link): root's queue is
 * refused for permission, nobody's own queue because mqueue has no links. */
Test(privileged, protected_hardlinks_come_before_missing_links, .fini = fini_protected)
{
    ensure_protected();
    need_mounts();
    if (unshare(CLONE_NEWIPC) != 0)
        HLT_SKIP("cannot make an IPC namespace: %s", strerror(errno));
    mount_or_skip("mq", "mqueue", NULL);
    int fd = openat(hlt_dfd, "mq/roots", O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    cr_assert(fd >= 0, "cannot create a queue: %s", strerror(errno));
    close(fd);
    hlt_nobody();
    fd = openat(hlt_dfd, "mq/mine", O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    cr_assert(fd >= 0, "nobody cannot create a queue: %s", strerror(errno));
    close(fd);
    expect("mq/n1", "mq/roots", HL_ERR_ACCESS_DENIED, EPERM, HL_PATH_SOURCE);
    expect("mq/n2", "mq/mine", HL_ERR_NOT_SUPPORTED, EPERM, HL_PATH_SOURCE);
    hlt_root();
}

/* EPERM from an immutable directory concerns the new name; from an immutable
 * or append-only source, the source. Both are ACCESS_DENIED. */
/* The work directory's removal clears the flags (the kit's tk_remove_tree). */
Test(privileged, immutable_and_append_only)
{
    need_root();
    hlt_mkdir("imm_dir");
    hlt_touch("existing");
    hlt_touch("imm_file");
    hlt_touch("app_file");
    int e = hlt_add_flags("imm_dir", FS_IMMUTABLE_FL);
    if (e)
        HLT_SKIP("cannot set the immutable flag on %s (filesystem of HL_TARGET): %s", hlt_dir, strerror(e));
    cr_assert_eq(hlt_add_flags("imm_file", FS_IMMUTABLE_FL), 0);
    cr_assert_eq(hlt_add_flags("app_file", FS_APPEND_FL), 0);
    expect("imm_dir/n", "existing", HL_ERR_ACCESS_DENIED, EPERM, HL_PATH_DESTINATION);
    expect("n1", "imm_file", HL_ERR_ACCESS_DENIED, EPERM, HL_PATH_SOURCE);
    expect("n2", "app_file", HL_ERR_ACCESS_DENIED, EPERM, HL_PATH_SOURCE);
    hl_options beneath = {HL_BENEATH, 0};
    hl_error err;
    HLT_STATUS(hl_create_at(hlt_dfd, "imm_dir/n", "existing", &beneath, &err), HL_ERR_ACCESS_DENIED, &err);
    cr_assert_eq(err.which, HL_PATH_DESTINATION, "%s", err.message);
}

/* HL_FOLLOW under HL_BENEATH links the pinned inode; a fake /proc (here a
 * tmpfs with /proc/thread-self/fd/N pointing outside) must not choose it. */
Test(privileged, fake_proc_does_not_choose_the_source)
{
    need_mounts();
    hlt_mkdir("root");
    hlt_mkdir("outside");
    hlt_touch("root/f");
    hlt_touch("outside/secret");
    if (mount("tmpfs", "/proc", "tmpfs", 0, "size=1m") != 0)
        HLT_SKIP("cannot mount a tmpfs on /proc in the private namespace: %s", strerror(errno));
    char target[4200];
    snprintf(target, sizeof target, "%s/outside/secret", hlt_dir);
    cr_assert_eq(mkdir("/proc/thread-self", 0755), 0);
    cr_assert_eq(mkdir("/proc/thread-self/fd", 0755), 0);
    int root = openat(hlt_dfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
    for (int n = 0; n < 64; n++) { /* whichever number the pinned descriptor gets */
        char p[64];
        snprintf(p, sizeof p, "/proc/thread-self/fd/%d", n);
        symlink(target, p);
    }
    hl_options o = {HL_BENEATH | HL_FOLLOW, 0};
    hl_error e;
    HLT_STATUS(hl_create_at(root, "n", "f", &o, &e), HL_OK, &e);
    cr_assert_eq(hlt_lstat("root/n").st_ino, hlt_lstat("root/f").st_ino, "the link is not to root/f");
    cr_assert_eq(hlt_lstat("outside/secret").st_nlink, 1, "the file outside gained a link");
    umount2("/proc", MNT_DETACH);
    close(root);
}
