/* Probes of the volume under test that the cases and fuzz_ops share. */
#include "testkit.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/magic.h>

int tk_probe_o_tmpfile(int dirfd, int *err)
{
    int fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd);
        *err = 0;
        return 1;
    }
    *err = errno;
    return *err == EOPNOTSUPP || *err == EISDIR ? 0 : -1;
}

int tk_probe_made_up_inodes(const hl_volume *v, int *made_up)
{
    *made_up = 0;
    if (v->magic != FUSE_SUPER_MAGIC)
        return 0;
    struct stat root;
    if (!v->mount_point[0])
        return ENOENT;
    if (stat(v->mount_point, &root) != 0)
        return errno;
    *made_up = root.st_ino == 1;
    return 0;
}
