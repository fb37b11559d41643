#include "common.h"

#include <dirent.h>
#include <sys/ioctl.h>
#include <linux/fs.h>

char hlt_dir[TK_PATH_MAX];
int hlt_dfd = -1;
static tk_mounts mounts;

void hlt_setup(void)
{
    const char *base = tk_target("HL_TEST_DIR", "/tmp");
    int e = tk_workdir_make(base, "hlt", hlt_dir, &hlt_dfd);
    cr_assert_eq(e, 0, "cannot create a work directory under %s: %s", base, strerror(e));
}

void hlt_teardown(void)
{
    hlt_root();
    tk_unmount_all(&mounts);
    if (hlt_dfd >= 0)
        close(hlt_dfd);
    hlt_dfd = -1;
    if (hlt_dir[0]) {
        int e = tk_remove_tree(AT_FDCWD, hlt_dir);
        if (e)
            fprintf(stderr, "warning: could not remove all of %s: %s\n", hlt_dir, strerror(e));
        hlt_dir[0] = '\0';
    }
}

/* rel under the work directory, for messages */
static const char *at(const char *rel)
{
    static char p[TK_PATH_MAX];
    tk_join(p, hlt_dir, rel);
    return p;
}

void hlt_touch(const char *rel) { hlt_write(rel, ""); }

void hlt_write(const char *rel, const char *data)
{
    int e = tk_write(hlt_dfd, rel, data);
    cr_assert_eq(e, 0, "cannot write %s: %s", at(rel), strerror(e));
}

void hlt_mkdir(const char *rel)
{
    int e = tk_mkdir(hlt_dfd, rel, 0755);
    cr_assert_eq(e, 0, "mkdir %s: %s", at(rel), strerror(e));
}

void hlt_symlink(const char *target, const char *rel)
{
    int e = tk_symlink(hlt_dfd, target, rel);
    cr_assert_eq(e, 0, "symlink %s: %s", at(rel), strerror(e));
}

int hlt_exists(const char *rel) { return tk_exists(hlt_dfd, rel); }

struct stat hlt_lstat(const char *rel)
{
    struct stat st;
    int e = tk_lstat(hlt_dfd, rel, &st);
    cr_assert_eq(e, 0, "lstat %s: %s", at(rel), strerror(e));
    return st;
}

void hlt_snap(tk_snap *s)
{
    int e = tk_snap_take(s, hlt_dfd, ".", 0);
    cr_assert_eq(e, 0, "cannot take a snapshot of %s: %s", hlt_dir, strerror(e));
}

void hlt_unchanged(tk_snap *before, const char *what)
{
    tk_snap after;
    hlt_snap(&after);
    char changed[TK_DIFF_MAX];
    int n = tk_snap_diff(before, &after, 0, changed, sizeof changed);
    tk_snap_free(before);
    tk_snap_free(&after);
    cr_assert_eq(n, 0, "%s, but %s", what, changed);
}

void hlt_expect_failure(int dirfd, const char *new_name, const char *existing, const hl_options *o, hl_status want,
                        int native, hl_which which)
{
    tk_snap before;
    hlt_snap(&before);
    hl_error e;
    HLT_STATUS(hl_create_at(dirfd, new_name, existing, o, &e), want, &e);
    cr_assert(e.domain == HL_DOMAIN_ERRNO && e.native == native, "%s <- %s: expected %s, got %s; %s", new_name,
              existing, hl_errno_name(native), e.domain == HL_DOMAIN_ERRNO ? hl_errno_name((int)e.native) : "no errno",
              e.message);
    cr_assert_eq(e.which, which, "%s <- %s: concerns %s, expected %s; %s", new_name, existing, tk_which_text(e.which),
                 tk_which_text(which), e.message);
    cr_assert(e.operation && strstr(e.message, e.operation), "message does not name the operation: %s", e.message);
    char what[TK_MSG_MAX];
    snprintf(what, sizeof what, "%s <- %s failed with %s", new_name, existing, hl_status_name(want));
    hlt_unchanged(&before, what);
}

int hlt_add_flags(const char *rel, int flags)
{
    int fd = openat(hlt_dfd, rel, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int now = 0;
    int r = ioctl(fd, FS_IOC_GETFLAGS, &now) == 0 ? 0 : errno;
    now |= flags;
    if (!r)
        r = ioctl(fd, FS_IOC_SETFLAGS, &now) == 0 ? 0 : errno;
    close(fd);
    return r;
}

int hlt_count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    if (!d)
        return -1;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

int hlt_private_mounts(void) { return tk_private_mounts(hlt_dir, hlt_dfd); }

int hlt_mount(const char *rel, const char *fstype, const char *opts)
{
    return tk_mount(&mounts, fstype, at(rel), opts);
}

int hlt_bind(const char *from_rel, const char *to_rel)
{
    char from[TK_PATH_MAX];
    tk_join(from, hlt_dir, from_rel);
    return tk_bind(&mounts, from, at(to_rel), 0);
}

void hlt_nobody(void)
{
    int e = tk_become_nobody();
    cr_assert_eq(e, 0, "cannot become uid %d: %s", HLT_NOBODY, strerror(e));
}

void hlt_root(void) { tk_become_root(); }
