/*
 * A deliberately broken volume for fuzz_ops' oracle test, linked into a test
 * build only (-Wl,--wrap=unlinkat -Wl,--wrap=renameat2); never part of libhl
 * nor of fuzz_ops. Each lie needs three related operations to show:
 *   HL_BROKEN=unlink  unlink of one name of a file with more names first
 *                     truncates the file (create, link, unlink, then a stat)
 *   HL_BROKEN=rename  rename between two names of one file removes both
 *                     (create, link, rename, then a stat)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int __real_unlinkat(int dirfd, const char *path, int flags);
int __real_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned flags);

static int broken(const char *lie)
{
    const char *mode = getenv("HL_BROKEN");
    return mode && strcmp(mode, lie) == 0;
}

int __wrap_unlinkat(int dirfd, const char *path, int flags)
{
    struct stat st;
    if (broken("unlink") && !(flags & AT_REMOVEDIR) && fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISREG(st.st_mode) && st.st_nlink > 1) {
        int fd = openat(dirfd, path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0)
            close(fd);
    }
    return __real_unlinkat(dirfd, path, flags);
}

int __wrap_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned flags)
{
    struct stat a, b;
    if (broken("rename") && flags == 0 && fstatat(olddirfd, oldpath, &a, AT_SYMLINK_NOFOLLOW) == 0 &&
        fstatat(newdirfd, newpath, &b, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(a.st_mode) && a.st_ino == b.st_ino &&
        a.st_dev == b.st_dev && (olddirfd != newdirfd || strcmp(oldpath, newpath) != 0)) {
        __real_unlinkat(olddirfd, oldpath, 0);
        __real_unlinkat(newdirfd, newpath, 0);
        return 0;
    }
    return __real_renameat2(olddirfd, oldpath, newdirfd, newpath, flags);
}
