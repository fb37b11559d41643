/* Work directories, their safe removal, and file helpers relative to a dirfd. */
#include "testkit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* ------------------------------------------------------------------ work directories */

int tk_workdir_make(const char *base, const char *prefix, char path[TK_PATH_MAX], int *dirfd)
{
    if (snprintf(path, TK_PATH_MAX, "%s/%s.XXXXXX", base, prefix) >= TK_PATH_MAX)
        return ENAMETOOLONG;
    if (!mkdtemp(path))
        return errno;
    chmod(path, 0755); /* a test that becomes nobody must get in */
    *dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*dirfd < 0) {
        int e = errno;
        rmdir(path);
        return e;
    }
    return 0;
}

/* Let a stuck entry go: clear the immutable and append-only flags of dirfd/name
 * (or of dirfd itself when name is NULL) and make a directory writable and
 * searchable by its owner. Symlinks are never opened. */
static void unlock(int dirfd, const char *name)
{
    int fd = name ? openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) : dirfd;
    if (fd < 0)
        return;
    int flags = 0;
    if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & (FS_IMMUTABLE_FL | FS_APPEND_FL))) {
        flags &= ~(FS_IMMUTABLE_FL | FS_APPEND_FL);
        ioctl(fd, FS_IOC_SETFLAGS, &flags);
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0700) != 0700)
        fchmod(fd, (st.st_mode & 07777) | 0700);
    if (name)
        close(fd);
}

/* Is dirfd/name the root of a mount (a bind mount of the same device too)? */
static int mount_root(int dirfd, const char *name, dev_t parent_dev)
{
    struct statx sx;
    if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx) != 0)
        return 0;
#ifdef STATX_ATTR_MOUNT_ROOT
    if ((sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
        return 1;
#endif
    return makedev(sx.stx_dev_major, sx.stx_dev_minor) != parent_dev;
}

static int empty_at(int dfd, int depth);

/* Remove dfd/name, whatever it is. dev: the device of the directory dfd;
 * depth 0: dfd is the caller's directory, outside the tree, never changed. */
static int remove_at(int dfd, const char *name, dev_t dev, int depth)
{
    int e = 0;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
            return 0;
        e = errno;
        struct stat st;
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            return errno == ENOENT ? 0 : errno;
        if (S_ISDIR(st.st_mode)) {
            if (mount_root(dfd, name, dev))
                return EBUSY; /* never remove what another mount holds */
            if (depth > 512)
                return ELOOP;
            int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0 && errno == EACCES) {
                unlock(dfd, name);
                sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            }
            int inner = sub < 0 ? errno : empty_at(sub, depth + 1);
            if (sub >= 0)
                close(sub);
            if (unlinkat(dfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
                return 0;
            e = inner ? inner : errno;
        }
        /* EACCES: the directory is not writable; EPERM: something is immutable */
        if (depth > 0)
            unlock(dfd, NULL);
        unlock(dfd, name);
    }
    return e;
}

/* Everything beneath dfd. A FUSE daemon may still be turning a just-closed
 * unlinked file into .fuse_hidden* while we read: read the directory again
 * until it is empty, a few times. */
static int empty_at(int dfd, int depth)
{
    struct stat self;
    if (fstat(dfd, &self) != 0)
        return errno;
    int first = 0;
    for (int pass = 0; pass < 4; pass++) {
        int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
            int e = errno;
            if (fd >= 0)
                close(fd);
            return e;
        }
        int left = 0;
        first = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            left++;
            int e = remove_at(dfd, de->d_name, self.st_dev, depth + 1);
            if (e && !first)
                first = e;
        }
        closedir(d);
        if (!left)
            return 0;
        if (first == EBUSY || first == ELOOP)
            break;
    }
    return first;
}

int tk_empty_dir(int dirfd) { return empty_at(dirfd, 0); }

int tk_remove_tree(int dirfd, const char *name)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? 0 : errno;
    return remove_at(dirfd, name, st.st_dev, 0);
}

int tk_remove_stale(const char *base, const char *prefix)
{
    DIR *d = opendir(base);
    if (!d)
        return 0;
    size_t n = strlen(prefix);
    int removed = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        char *end;
        if (strncmp(de->d_name, prefix, n) != 0 || de->d_name[n] != '.')
            continue;
        long pid = strtol(de->d_name + n + 1, &end, 10);
        if (end == de->d_name + n + 1 || *end != '.' || pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        if (tk_remove_tree(dirfd(d), de->d_name) == 0)
            removed++;
        else
            fprintf(stderr, "testkit: could not remove the stale %s/%s\n", base, de->d_name);
    }
    closedir(d);
    return removed;
}

/* ------------------------------------------------------------------ files */

int tk_write_n(int dirfd, const char *rel, const void *data, size_t n)
{
    int fd = openat(dirfd, rel, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return errno;
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            close(fd);
            return e;
        }
        p += w;
        n -= (size_t)w;
    }
    return close(fd) == 0 ? 0 : errno;
}

int tk_write(int dirfd, const char *rel, const char *data) { return tk_write_n(dirfd, rel, data, strlen(data)); }

int tk_touch(int dirfd, const char *rel) { return tk_write_n(dirfd, rel, "", 0); }

int tk_mkdir(int dirfd, const char *rel, mode_t mode) { return mkdirat(dirfd, rel, mode) == 0 ? 0 : errno; }

int tk_symlink(int dirfd, const char *target, const char *rel)
{
    return symlinkat(target, dirfd, rel) == 0 ? 0 : errno;
}

int tk_lstat(int dirfd, const char *rel, struct stat *st)
{
    return fstatat(dirfd, rel, st, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno;
}

int tk_exists(int dirfd, const char *rel)
{
    struct stat st;
    return fstatat(dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

char *tk_read(int dirfd, const char *rel, size_t *len)
{
    int fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf)
            break;
        if (n + 1 >= cap) {
            char *more = realloc(buf, cap *= 2);
            if (!more) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = more;
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            errno = e;
            return NULL;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (!buf) {
        errno = ENOMEM;
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

int tk_join(char out[TK_PATH_MAX], const char *dir, const char *rel)
{
    return snprintf(out, TK_PATH_MAX, "%s/%s", dir, rel) < TK_PATH_MAX ? 0 : ENAMETOOLONG;
}
