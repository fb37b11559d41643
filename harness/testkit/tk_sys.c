/* Private mount namespaces, mounts a test undoes, and switching to nobody. */
#include "testkit.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

int tk_private_mounts(const char *dir, int dirfd)
{
    if (geteuid() != 0)
        return EPERM;
    if (unshare(CLONE_NEWNS) != 0)
        return errno;
    /* slave, not private: our mounts stay ours, but an unmount outside (a
     * volume another test takes down) reaches this namespace too, so it does
     * not pin that volume's loop device for as long as the test runs */
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0)
        return errno;
    if (!dir || dirfd < 0)
        return 0;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int r = dup3(fd, dirfd, O_CLOEXEC) < 0 ? errno : 0;
    close(fd);
    return r;
}

static void remember(tk_mounts *m, const char *at)
{
    /* past TK_MOUNTS_MAX the private namespace still drops them when the test ends */
    if (m && m->n < TK_MOUNTS_MAX)
        snprintf(m->at[m->n++], TK_PATH_MAX, "%s", at);
}

int tk_bind(tk_mounts *m, const char *from, const char *to, int readonly)
{
    if (mount(from, to, NULL, MS_BIND, NULL) != 0)
        return errno;
    remember(m, to);
    if (readonly && mount(NULL, to, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) != 0)
        return errno;
    return 0;
}

int tk_mount(tk_mounts *m, const char *fstype, const char *to, const char *opts)
{
    mkdir(to, 0755);
    if (mount(fstype, to, fstype, 0, opts) != 0)
        return errno;
    remember(m, to);
    return 0;
}

void tk_unmount_all(tk_mounts *m)
{
    while (m->n > 0)
        umount2(m->at[--m->n], MNT_DETACH);
}

int tk_become_nobody(void)
{
    if (setgroups(0, NULL) != 0 || setegid(TK_NOBODY) != 0 || seteuid(TK_NOBODY) != 0)
        return errno;
    return 0;
}

void tk_become_root(void)
{
    if (geteuid() != 0 && seteuid(0) == 0 && setegid(0) != 0)
        fprintf(stderr, "testkit: back to uid 0, but not to gid 0: %s\n", strerror(errno));
}
