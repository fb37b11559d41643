/*
 * The Linux backend: linkat(2), confinement with openat2(2) RESOLVE_BENEATH
 * or a component walk, classification of failures with a documented look at
 * the existing file (/proc for protected_hardlinks and capabilities), and the volume
 * probe (statfs, /proc/self/mountinfo, the FUSE driver behind a mount).
 */
#define _GNU_SOURCE
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/magic.h>

#ifdef SYS_openat2
#include <linux/openat2.h>
#endif

#define HL_MAX_SYMLINKS 40 /* Linux MAXSYMLINKS */

_Static_assert(HL__CWD == AT_FDCWD, "HL__CWD must be Linux's AT_FDCWD");

static hl_status fail_errno(hl_error *err, int e, hl_status s, hl_which which, const char *op,
                            const char *path)
{
    return hl__fail(err, s, HL_DOMAIN_ERRNO, e, which, op, path);
}

/* ------------------------------------------------------------------------ */
/* Splitting a path into the directory part and the last component.          */

struct split {
    char dir[HL_PATH_MAX]; /* "" when the path has a single component */
    const char *base;      /* last component, trailing slashes kept */
    int dotdot;            /* the last component is ".." */
};

static void split_path(const char *p, struct split *s)
{
    size_t end = strlen(p);
    while (end > 1 && p[end - 1] == '/')
        end--;
    size_t i = end;
    while (i > 0 && p[i - 1] != '/')
        i--;
    memcpy(s->dir, p, i);
    s->dir[i] = '\0';
    s->base = p + i;
    s->dotdot = end - i == 2 && p[i] == '.' && p[i + 1] == '.';
}

/* ------------------------------------------------------------------------ */
/* Resolution beneath a directory. Both resolvers return an O_PATH fd or     */
/* -errno; an escape is -EXDEV, as openat2(2) RESOLVE_BENEATH reports it.     */

static atomic_int force_walk;

void hl__posix_force_walk(int on) { atomic_store(&force_walk, on); }

/* A procfs "magic link" (/proc/PID/fd/N, cwd, root, exe, ns/...) is a jump to
 * an object, not a path; its text is absolute ("/dev/null") or names no path
 * at all ("pipe:[123]"). The walk treats it as leaving, as RESOLVE_BENEATH does. */
static int magic_link(int dir, const char *text, size_t n)
{
    struct statfs sf;
    return fstatfs(dir, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC && memchr(text, ':', n);
}

/* Portable walk: one component at a time with O_NOFOLLOW, ".." pops a stack
 * of directory fds (never a lookup of ".." on disk), symlinks are read and
 * spliced into the rest of the path, absolute ones refused. */
static int walk_beneath(int dirfd, const char *path, int oflags)
{
    char *pend = malloc(2 * HL_PATH_MAX), *tmp = malloc(2 * HL_PATH_MAX);
    int *stack = NULL, depth = 0, cap = 0, links = 0, result = -ENOMEM;
    if (!pend || !tmp)
        goto out;
    if (path[0] == '/') {
        result = -EXDEV;
        goto out;
    }
    strcpy(pend, path);
    char *p = pend;
    for (;;) {
        while (*p == '/')
            p++;
        int cur = depth ? stack[depth - 1] : dirfd;
        if (!*p) { /* consumed: the result is the current directory */
            result = openat(cur, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
            if (result < 0)
                result = -errno;
            goto out;
        }
        char *end = strchrnul(p, '/');
        size_t len = (size_t)(end - p);
        char *rest = end;
        while (*rest == '/')
            rest++;
        int last = !*rest, slash = *end == '/';
        if (len > NAME_MAX) {
            result = -ENAMETOOLONG;
            goto out;
        }
        char name[NAME_MAX + 1];
        memcpy(name, p, len);
        name[len] = '\0';
        p = rest;
        if (strcmp(name, ".") == 0)
            continue;
        if (strcmp(name, "..") == 0) {
            if (depth == 0) {
                result = -EXDEV;
                goto out;
            }
            close(stack[--depth]);
            continue;
        }
        int fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0) {
            result = -errno;
            if (fd >= 0)
                close(fd);
            goto out;
        }
        if (S_ISLNK(st.st_mode) && (!last || slash || !(oflags & O_NOFOLLOW))) {
            ssize_t n = ++links > HL_MAX_SYMLINKS ? -1 : readlinkat(fd, "", tmp, HL_PATH_MAX);
            int e = links > HL_MAX_SYMLINKS ? ELOOP : errno;
            close(fd);
            if (n <= 0) {
                result = n == 0 ? -ENOENT : -e;
                goto out;
            }
            if (tmp[0] == '/' || magic_link(cur, tmp, (size_t)n)) {
                result = -EXDEV;
                goto out;
            }
            size_t rl = strlen(rest);
            if ((size_t)n + 1 + rl + 1 > 2 * HL_PATH_MAX) {
                result = -ENAMETOOLONG;
                goto out;
            }
            /* target + "/" + rest; a trailing slash of the link name is kept */
            tmp[n] = slash ? '/' : '\0';
            memcpy(tmp + n + 1, rest, rl + 1);
            char *swap = pend;
            pend = tmp;
            tmp = swap;
            p = pend;
            continue;
        }
        if (!last || slash || (oflags & O_DIRECTORY)) {
            if (!S_ISDIR(st.st_mode)) {
                close(fd);
                result = -ENOTDIR;
                goto out;
            }
        }
        if (last) {
            result = fd;
            goto out;
        }
        if (depth == cap) {
            int *grown = realloc(stack, (size_t)(cap = cap ? 2 * cap : 16) * sizeof *stack);
            if (!grown) {
                close(fd);
                goto out;
            }
            stack = grown;
        }
        stack[depth++] = fd;
    }
out:
    while (depth > 0)
        close(stack[--depth]);
    free(stack);
    free(pend);
    free(tmp);
    return result;
}

/* openat2 is usable: the kernel has it (5.6+) and no seccomp filter refuses
 * it (some container profiles answer EPERM or ENOSYS). Probed once. */
static int openat2_usable(void)
{
#ifdef SYS_openat2
    static atomic_int state; /* 0 unknown, 1 yes, 2 no */
    int st = atomic_load(&state);
    if (st == 0) {
        struct open_how how = {.flags = O_PATH | O_CLOEXEC | O_DIRECTORY, .resolve = RESOLVE_BENEATH};
        long fd = syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof how);
        st = fd >= 0 || (errno != ENOSYS && errno != EPERM && errno != E2BIG && errno != EINVAL) ? 1 : 2;
        if (fd >= 0)
            close((int)fd);
        atomic_store(&state, st);
    }
    return st == 1;
#else
    return 0;
#endif
}

static int open_beneath(int dirfd, const char *path, int oflags)
{
#ifdef SYS_openat2
    if (!atomic_load(&force_walk) && openat2_usable()) {
        /* RESOLVE_BENEATH alone: a magic link (/proc/self/cwd) is a jump out,
         * EXDEV, as the walk reports it. */
        struct open_how how = {.flags = (unsigned long long)(O_PATH | O_CLOEXEC | oflags),
                               .resolve = RESOLVE_BENEATH};
        for (int tries = 0; tries < 16; tries++) { /* EAGAIN: a concurrent rename during ".." */
            long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
            if (fd >= 0)
                return (int)fd;
            if (errno != EAGAIN)
                return -errno;
        }
        return -EAGAIN;
    }
#endif
    return walk_beneath(dirfd, path, oflags);
}

/* ------------------------------------------------------------------------ */
/* Classification of a failure: the table, then a look at the names.         */

struct link_ctx {
    int dirfd;              /* the caller's dirfd */
    int exist_dir;               /* the existing file as linkat saw it: exist_dir, exist_path, exist_flags */
    const char *exist_path;
    int exist_flags;             /* AT_SYMLINK_NOFOLLOW and/or AT_EMPTY_PATH */
    int new_dir;                 /* the new name's directory: new_dir + new_parent */
    const char *new_parent;
    const char *new_path;        /* the new name as linkat saw it, relative to new_dir */
    const char *user_existing;   /* the caller's paths, for messages */
    const char *user_new_name;
    const char *op;         /* the call that failed */
};

static int read_proc_flag(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char c = '0';
    if (fd >= 0) {
        if (read(fd, &c, 1) != 1)
            c = '0';
        close(fd);
    }
    return c == '1';
}

/* CAP_FOWNER in the effective set (bit 3 of CapEff). */
static int have_cap_fowner(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    char line[256];
    unsigned long long eff = 0;
    int found = 0;
    if (!f)
        return geteuid() == 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "CapEff: %llx", &eff) == 1) {
            found = 1;
            break;
        }
    fclose(f);
    return found ? (eff >> 3) & 1 : geteuid() == 0;
}

/* Would fs.protected_hardlinks refuse this caller (fs/namei.c may_linkat)?
 * CAP_FOWNER counts only for an owner mapped into our user namespace
 * (unmapped owners show as the overflow uid). */
static int protected_refuses(const struct link_ctx *c, const struct stat *st)
{
    if (st->st_uid == geteuid() || !read_proc_flag("/proc/sys/fs/protected_hardlinks"))
        return 0;
    if (have_cap_fowner() && st->st_uid != 65534)
        return 0;
    if (!S_ISREG(st->st_mode) || (st->st_mode & S_ISUID) ||
        (st->st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
        return 1;
    return faccessat(c->exist_dir, c->exist_path, R_OK | W_OK, AT_EACCESS | c->exist_flags) != 0;
}

static int immutable_or_append(int dir, const char *path, int flags)
{
#ifdef STATX_ATTR_IMMUTABLE
    struct statx sx;
    if (statx(dir, path, flags, STATX_BASIC_STATS, &sx) == 0)
        return (sx.stx_attributes & sx.stx_attributes_mask &
                (STATX_ATTR_IMMUTABLE | STATX_ATTR_APPEND)) != 0;
#endif
    (void)dir, (void)path, (void)flags;
    return 0;
}

static hl_status probe_fd(int fd, hl_volume *out);

/*
 * Linux answers EPERM for several reasons (fs/namei.c): the existing file is a
 * directory (vfs_link; refused whatever else holds, so it is looked at first);
 * an immutable or append-only directory for the new name (may_create);
 * protected_hardlinks (may_linkat); an immutable/append-only existing file; the
 * filesystem has no link operation (vfs_link). Look in that order. Only a
 * volume libhl's table knows to lack hard links (FAT, exFAT, fusefat, mqueue)
 * is HL_ERR_NOT_SUPPORTED; otherwise the table's answer, ACCESS_DENIED, stays.
 */
/* A failure no look pinned on either name: the table's answer, concerning
 * neither, and the message says so instead of naming a path. */
static hl_status unconfirmed(hl_error *err, int e, hl_status s, const struct link_ctx *c)
{
    const char *op = strcmp(c->op, "fstatat") == 0 ? "fstatat (neither name shown at fault)"
                                                   : "linkat (neither name shown at fault)";
    return fail_errno(err, e, s, HL_PATH_NEITHER, op, NULL);
}

static hl_status classify_eperm(const struct link_ctx *c, hl_error *err)
{
    struct stat st;
    int have = fstatat(c->exist_dir, c->exist_path, &st, c->exist_flags) == 0;
    if (have && S_ISDIR(st.st_mode)) /* refused whatever else holds */
        return fail_errno(err, EPERM, HL_ERR_IS_DIRECTORY, HL_PATH_SOURCE, c->op, c->user_existing);
    if (immutable_or_append(c->new_dir, c->new_parent, 0))
        return fail_errno(err, EPERM, HL_ERR_ACCESS_DENIED, HL_PATH_DESTINATION, c->op, c->user_new_name);
    if (have && (protected_refuses(c, &st) || immutable_or_append(c->exist_dir, c->exist_path, c->exist_flags)))
        return fail_errno(err, EPERM, HL_ERR_ACCESS_DENIED, HL_PATH_SOURCE, c->op, c->user_existing);
    hl_volume v;
    int fd = c->exist_flags & AT_EMPTY_PATH
                 ? dup(c->exist_dir)
                 : openat(c->exist_dir, c->exist_path, O_PATH | O_CLOEXEC | O_NOFOLLOW);
    int has_links = -1;
    if (fd >= 0) {
        memset(&v, 0, sizeof v);
        if (probe_fd(fd, &v) == HL_OK)
            has_links = v.hardlinks;
        close(fd);
    }
    if (has_links == 0)
        return fail_errno(err, EPERM, HL_ERR_NOT_SUPPORTED, HL_PATH_SOURCE, c->op, c->user_existing);
    return unconfirmed(err, EPERM, HL_ERR_ACCESS_DENIED, c);
}

/* 0 if path (relative to dirfd; "" is dirfd itself) is there, else stat's errno. */
static int stat_errno(int dirfd, const char *path)
{
    struct stat st;
    return !*path || fstatat(dirfd, path, &st, 0) == 0 ? 0 : errno;
}

/* The new name's side shows error e: its directory (or, for "n/", the
 * directory the slash asks for) answers e, or for EACCES it may not be written. */
static int new_side_shows(const struct link_ctx *c, int e)
{
    struct stat st;
    size_t n = strlen(c->new_path);
    if (e == ENOENT)
        return stat_errno(c->new_dir, c->new_parent) == ENOENT ||
               (n && c->new_path[n - 1] == '/' && stat_errno(c->new_dir, c->new_path) == ENOENT);
    if (fstatat(c->new_dir, c->new_path, &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == e)
        return 1;
    return e == EACCES && faccessat(c->new_dir, c->new_parent, W_OK | X_OK, AT_EACCESS) != 0 && errno == EACCES;
}

static hl_status classify_link_failure(int e, const struct link_ctx *c, hl_error *err)
{
    hl_status s = hl_status_from_errno(e);
    struct stat st;
    if ((e == ENOTDIR || e == EBADF) && c->dirfd != AT_FDCWD &&
        (fstat(c->dirfd, &st) != 0 || !S_ISDIR(st.st_mode)))
        return fail_errno(err, e, HL_ERR_INVALID_ARGUMENT, HL_PATH_NEITHER, "dirfd (not a directory)", NULL);
    switch (e) {
    case EEXIST:
    case EROFS:
    case ENOSPC:
#ifdef EDQUOT
    case EDQUOT:
#endif
        return fail_errno(err, e, s, HL_PATH_DESTINATION, c->op, c->user_new_name);
    case EMLINK:
        return fail_errno(err, e, s, HL_PATH_SOURCE, c->op, c->user_existing);
    case EPERM:
        return classify_eperm(c, err);
    case ENOENT:
    case ENOTDIR:
    case ELOOP:
    case ENAMETOOLONG:
    case EACCES: {
        /* Which name? Each answer is confirmed by a look: the existing file
         * stat'ed the way linkat resolved it fails the same way, or is shown
         * gone (nlink 0); the new name's side shows the error. When no look
         * confirms a name (a FUSE driver's stale nlink), the table's answer
         * concerns neither. */
        int exist_errno = fstatat(c->exist_dir, c->exist_path, &st, c->exist_flags) == 0 ? 0 : errno;
        if (exist_errno == e && e == ENOENT) {
            struct split sp;
            split_path(c->exist_path, &sp);
            s = stat_errno(c->exist_dir, sp.dir) == ENOENT ? HL_ERR_PATH_NOT_FOUND : HL_ERR_NOT_FOUND;
            return fail_errno(err, e, s, HL_PATH_SOURCE, c->op, c->user_existing);
        }
        if (exist_errno == e)
            return fail_errno(err, e, s, HL_PATH_SOURCE, c->op, c->user_existing);
        /* Linux looks up the new name's directory before it refuses an existing
         * file whose last name is gone (nlink 0): check in that order. (A new
         * name with a trailing slash, "n/", asks for a directory that is missing.) */
        if (new_side_shows(c, e))
            return fail_errno(err, e, e == ENOENT ? HL_ERR_PATH_NOT_FOUND : s, HL_PATH_DESTINATION, c->op,
                              c->user_new_name);
        if (e == ENOENT && exist_errno == 0 && st.st_nlink == 0)
            return fail_errno(err, e, HL_ERR_NOT_FOUND, HL_PATH_SOURCE, c->op, c->user_existing);
        return unconfirmed(err, e, s, c);
    }
    default:
        return fail_errno(err, e, s, HL_PATH_NEITHER, c->op, c->user_new_name);
    }
}

/* A failure while resolving a path beneath dirfd. final: the path resolved
 * was the whole existing file, not a directory on the way. */
static hl_status classify_resolve_failure(int e, int dirfd, const char *path, hl_which which,
                                          int final, hl_error *err)
{
    if (e == EXDEV)
        return fail_errno(err, e, HL_ERR_ESCAPE, which, "resolve beneath", path);
    if (e == ENOENT) {
        hl_status s = HL_ERR_PATH_NOT_FOUND;
        if (final) {
            struct split sp;
            split_path(path, &sp);
            /* the last component is missing unless its directory is shown missing */
            int fd = *sp.dir ? open_beneath(dirfd, sp.dir, O_DIRECTORY) : -1;
            if (fd != -ENOENT)
                s = HL_ERR_NOT_FOUND;
            if (fd >= 0)
                close(fd);
        }
        return fail_errno(err, e, s, which, "resolve beneath", path);
    }
    struct stat st;
    if (e == EBADF || (e == ENOTDIR && (fstat(dirfd, &st) != 0 || !S_ISDIR(st.st_mode))))
        return fail_errno(err, e, HL_ERR_INVALID_ARGUMENT, HL_PATH_NEITHER, "dirfd (not a directory)", NULL);
    return fail_errno(err, e, hl_status_from_errno(e), which, "resolve beneath", path);
}

/* The max_links policy: one stat of the existing file; its failure is classified
 * like linkat's would be. */
static hl_status check_max_links(struct link_ctx *c, unsigned long max_links, hl_error *err)
{
    struct stat st;
    if (fstatat(c->exist_dir, c->exist_path, &st, c->exist_flags) != 0) {
        c->op = "fstatat";
        return classify_link_failure(errno, c, err);
    }
    if (!S_ISDIR(st.st_mode) && st.st_nlink >= max_links)
        return hl__fail(err, HL_ERR_TOO_MANY_LINKS, HL_DOMAIN_NONE, 0, HL_PATH_SOURCE, "max_links policy",
                        c->user_existing);
    return HL_OK;
}

/* ------------------------------------------------------------------------ */

static hl_status create_plain(int dirfd, const char *new_name, const char *existing, unsigned flags,
                              unsigned long max_links, hl_error *err)
{
    int follow = flags & HL_FOLLOW ? AT_SYMLINK_FOLLOW : 0;
    if (!max_links && linkat(dirfd, existing, dirfd, new_name, follow) == 0)
        return HL_OK; /* the success path: one linkat, nothing else */
    int e = errno;
    struct split new_split;
    split_path(new_name, &new_split);
    struct link_ctx c = {dirfd, dirfd, existing, flags & HL_FOLLOW ? 0 : AT_SYMLINK_NOFOLLOW,
                         dirfd, *new_split.dir ? new_split.dir : ".", new_name, existing, new_name, "linkat"};
    if (max_links) {
        hl_status s = check_max_links(&c, max_links, err);
        if (s != HL_OK)
            return s;
        if (linkat(dirfd, existing, dirfd, new_name, follow) == 0)
            return HL_OK;
        e = errno;
    }
    return classify_link_failure(e, &c, err);
}

/* Open the directory part of path beneath dirfd; *out = dirfd if there is none.
 * A last component ".." must not climb out either. */
static hl_status open_parent_beneath(int dirfd, const char *path, struct split *sp, int *out,
                                     hl_which which, hl_error *err)
{
    split_path(path, sp);
    *out = dirfd;
    if (sp->dotdot) {
        int fd = open_beneath(dirfd, path, O_NOFOLLOW);
        if (fd == -EXDEV)
            return classify_resolve_failure(EXDEV, dirfd, path, which, 0, err);
        if (fd >= 0)
            close(fd);
    }
    if (!*sp->dir)
        return HL_OK;
    int fd = open_beneath(dirfd, sp->dir, O_DIRECTORY);
    if (fd < 0)
        return classify_resolve_failure(-fd, dirfd, path, which, 0, err);
    *out = fd;
    return HL_OK;
}

/* Link the inode behind the O_PATH descriptor pinned as new_dir/name. AT_EMPTY_PATH
 * first (one call; needs CAP_DAC_READ_SEARCH before Linux 6.10); else the
 * descriptor's magic link in /proc/thread-self/fd, but only if that really is
 * procfs: a fake /proc (a chroot, a sandbox) must not choose the existing file. */
static int link_pinned(int pinned, int new_dir, const char *name)
{
    if (linkat(pinned, "", new_dir, name, AT_EMPTY_PATH) == 0)
        return 0;
    int e = errno;
    if (e != ENOENT && e != EPERM)
        return -1;
    int proc = open("/proc/thread-self/fd", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct statfs sf;
    if (proc < 0 || fstatfs(proc, &sf) != 0 || sf.f_type != PROC_SUPER_MAGIC) {
        if (proc >= 0)
            close(proc);
        errno = e;
        return -1;
    }
    char num[16];
    snprintf(num, sizeof num, "%d", pinned);
    int r = linkat(proc, num, new_dir, name, AT_SYMLINK_FOLLOW);
    e = errno;
    close(proc);
    errno = e;
    return r;
}

static hl_status create_beneath(int dirfd, const char *new_name, const char *existing, unsigned flags,
                                unsigned long max_links, hl_error *err)
{
    if (existing[0] == '/')
        return hl__fail(err, HL_ERR_ESCAPE, HL_DOMAIN_NONE, 0, HL_PATH_SOURCE,
                        "resolve beneath (absolute path)", existing);
    if (new_name[0] == '/')
        return hl__fail(err, HL_ERR_ESCAPE, HL_DOMAIN_NONE, 0, HL_PATH_DESTINATION,
                        "resolve beneath (absolute path)", new_name);
    struct split exist_split, new_split;
    int exist_dir = dirfd, new_dir = dirfd, pinned = -1;
    const char *exist_path;
    int exist_flags;
    hl_status s;
    split_path(existing, &exist_split);
    size_t exist_len = strlen(existing);
    if ((flags & HL_FOLLOW) || existing[exist_len - 1] == '/') {
        /* Follow the existing file (HL_FOLLOW, or a trailing slash, which makes
         * linkat follow too) beneath dirfd, pin the final inode, link that. */
        pinned = open_beneath(dirfd, existing, 0);
        if (pinned < 0)
            return classify_resolve_failure(-pinned, dirfd, existing, HL_PATH_SOURCE, 1, err);
        exist_dir = pinned;
        exist_path = "";
        exist_flags = AT_EMPTY_PATH;
    } else {
        s = open_parent_beneath(dirfd, existing, &exist_split, &exist_dir, HL_PATH_SOURCE, err);
        if (s != HL_OK)
            return s;
        exist_path = exist_split.base;
        exist_flags = AT_SYMLINK_NOFOLLOW;
    }
    split_path(new_name, &new_split);
    if (pinned < 0 && *new_split.dir && !new_split.dotdot && strcmp(exist_split.dir, new_split.dir) == 0)
        new_dir = exist_dir; /* both names in one directory: resolve it once */
    else if ((s = open_parent_beneath(dirfd, new_name, &new_split, &new_dir, HL_PATH_DESTINATION,
                                      err)) != HL_OK)
        goto out;
    struct link_ctx c = {dirfd, exist_dir, exist_path, exist_flags, new_dir, ".", new_split.base,
                         existing, new_name, "linkat"};
    if (max_links && (s = check_max_links(&c, max_links, err)) != HL_OK)
        goto out;
    int r = pinned >= 0 ? link_pinned(pinned, new_dir, new_split.base)
                        : linkat(exist_dir, exist_path, new_dir, new_split.base, 0);
    s = r == 0 ? HL_OK : classify_link_failure(errno, &c, err);
out:
    if (exist_dir != dirfd)
        close(exist_dir);
    if (new_dir != dirfd && new_dir != exist_dir)
        close(new_dir);
    return s;
}

hl_status hl__backend_create(int dirfd, const char *new_name, const char *existing, unsigned flags,
                             unsigned long max_links, hl_error *err)
{
    /* linkat ignores dirfd for absolute paths; a bad one is still an error.
     * Relative paths let the kernel's EBADF/ENOTDIR answer for free. */
    if (dirfd != AT_FDCWD && dirfd < 0)
        return hl__fail(err, HL_ERR_INVALID_ARGUMENT, HL_DOMAIN_NONE, 0, HL_PATH_NEITHER,
                        "arguments (negative dirfd)", NULL);
    if (dirfd != AT_FDCWD && (existing[0] == '/' || new_name[0] == '/') && fcntl(dirfd, F_GETFD) == -1)
        return hl__fail(err, HL_ERR_INVALID_ARGUMENT, HL_DOMAIN_ERRNO, errno, HL_PATH_NEITHER,
                        "fcntl (bad dirfd)", NULL);
    if (flags & HL_BENEATH) {
        if (dirfd == AT_FDCWD) {
            /* beneath the current directory: pin it for the whole call */
            int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
            if (cwd < 0)
                return fail_errno(err, errno, hl_status_from_errno(errno), HL_PATH_NEITHER, "open", ".");
            hl_status s = create_beneath(cwd, new_name, existing, flags, max_links, err);
            close(cwd);
            return s;
        }
        return create_beneath(dirfd, new_name, existing, flags, max_links, err);
    }
    return create_plain(dirfd, new_name, existing, flags, max_links, err);
}

/* ------------------------------------------------------------------------ */
/* Volume probe                                                              */

/* statfs f_type -> name, for when the mount table cannot be read. ext2/3/4
 * share one magic. The last three are not in <linux/magic.h>: their drivers
 * define them (fs/ntfs/ntfs.h, fs/ntfs3/super.c, ipc/mqueue.c). */
static const struct {
    unsigned long long magic;
    const char *name;
} magics[] = {
    {EXT4_SUPER_MAGIC, "ext4"},        {XFS_SUPER_MAGIC, "xfs"},
    {BTRFS_SUPER_MAGIC, "btrfs"},      {F2FS_SUPER_MAGIC, "f2fs"},
    {TMPFS_MAGIC, "tmpfs"},            {RAMFS_MAGIC, "ramfs"},
    {HUGETLBFS_MAGIC, "hugetlbfs"},    {SQUASHFS_MAGIC, "squashfs"},
    {EROFS_SUPER_MAGIC_V1, "erofs"},   {OVERLAYFS_SUPER_MAGIC, "overlay"},
    {NFS_SUPER_MAGIC, "nfs"},          {MSDOS_SUPER_MAGIC, "vfat"},
    {EXFAT_SUPER_MAGIC, "exfat"},      {PROC_SUPER_MAGIC, "proc"},
    {SYSFS_MAGIC, "sysfs"},            {DEVPTS_SUPER_MAGIC, "devpts"},
    {BPF_FS_MAGIC, "bpf"},             {CGROUP2_SUPER_MAGIC, "cgroup2"},
    {0x5346544e, "ntfs"},              {0x7366746e, "ntfs3"},
    {0x19800202, "mqueue"},
};

const char *hl__fs_name_from_magic(unsigned long long magic)
{
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
        if (magics[i].magic == magic)
            return magics[i].name;
    return NULL;
}

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
    char *o = s;
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
            s[3] <= '7') {
            *o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 3;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
}

static int under(const char *path, const char *mnt)
{
    size_t n = strlen(mnt);
    if (strcmp(mnt, "/") == 0)
        return 1;
    return strncmp(path, mnt, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* The mount entry holding path: longest mount point that is a prefix; among
 * equals the last (it is mounted on top). Its super options go to opts. */
static int find_mount(const char *path, hl_volume *out, char *opts, size_t opts_size)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return 0;
    char *line = NULL;
    size_t cap = 0, best = 0;
    int found = 0;
    while (getline(&line, &cap, f) > 0) {
        /* id parent maj:min root mountpoint options [optional...] - fstype source superopts */
        char *save = NULL, *tok, *mnt = NULL, *fstype = NULL, *source = NULL, *super = NULL;
        int field = 0, after_dash = 0;
        for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save), field++) {
            if (field == 4)
                mnt = tok;
            else if (!after_dash && field > 5 && strcmp(tok, "-") == 0)
                after_dash = 1;
            else if (after_dash == 1)
                fstype = tok, after_dash = 2;
            else if (after_dash == 2)
                source = tok, after_dash = 3;
            else if (after_dash == 3)
                super = tok, after_dash = 4;
        }
        if (!mnt || !fstype || !source)
            continue;
        unescape(mnt);
        size_t n = strlen(mnt);
        if (under(path, mnt) && n >= best) {
            best = n;
            found = 1;
            snprintf(out->mount_point, sizeof out->mount_point, "%s", mnt);
            snprintf(out->fstype, sizeof out->fstype, "%s", fstype);
            unescape(source);
            snprintf(out->source, sizeof out->source, "%s", source);
            snprintf(opts, opts_size, "%s", super ? super : "");
        }
    }
    free(line);
    fclose(f);
    return found;
}

/* fuseblk hides which FUSE driver serves it: read the device's boot sector. */
static const char *fuseblk_driver(const char *source)
{
    unsigned char b[512];
    int fd = open(source, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    ssize_t n = pread(fd, b, sizeof b, 0);
    close(fd);
    if (n != (ssize_t)sizeof b)
        return NULL;
    if (memcmp(b + 3, "NTFS    ", 8) == 0)
        return "ntfs-3g";
    if (memcmp(b + 3, "EXFAT   ", 8) == 0)
        return "exfat";
    if (memcmp(b + 82, "FAT32   ", 8) == 0 || memcmp(b + 54, "FAT1", 4) == 0)
        return "fusefat";
    return NULL;
}

/* Without read access to the device (not root), the FUSE driver serving the
 * mount point tells: the process whose arguments name it. */
static const char *fuse_driver_of(const char *mnt)
{
    static const struct {
        const char *prog, *name;
    } drivers[] = {{"ntfs-3g", "ntfs-3g"}, {"lowntfs-3g", "ntfs-3g"}, {"mount.ntfs-3g", "ntfs-3g"},
                   {"mount.ntfs", "ntfs-3g"}, {"exfat-fuse", "exfat"}, {"mount.exfat-fuse", "exfat"},
                   {"mount.exfat", "exfat"}, {"fusefat", "fusefat"}};
    const char *found = NULL;
    DIR *proc = opendir("/proc");
    struct dirent *d;
    char path[300], args[8192];
    while (proc && !found && (d = readdir(proc))) {
        if (d->d_name[0] < '1' || d->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%s/cmdline", d->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t n = read(fd, args, sizeof args - 1);
        close(fd);
        if (n <= 0)
            continue;
        args[n] = '\0';
        const char *prog = strrchr(args, '/') ? strrchr(args, '/') + 1 : args;
        for (size_t i = 0; i < sizeof drivers / sizeof drivers[0] && !found; i++) {
            if (strcmp(prog, drivers[i].prog) != 0)
                continue;
            for (const char *a = args + strlen(args) + 1; a < args + n; a += strlen(a) + 1)
                if (strcmp(a, mnt) == 0)
                    found = drivers[i].name;
        }
    }
    if (proc)
        closedir(proc);
    return found;
}

static void name_fuse(hl_volume *out)
{
    const char *sub = strncmp(out->fstype, "fuse.", 5) == 0 ? out->fstype + 5 : NULL;
    const char *name = out->fstype;
    if (sub && (strcmp(sub, "ntfs-3g") == 0 || strcmp(sub, "ntfs") == 0))
        name = "ntfs-3g";
    else if (sub && (strcmp(sub, "fusefat") == 0 || strcmp(sub, "exfat") == 0))
        name = sub;
    else if (strcmp(out->fstype, "fuseblk") == 0) {
        const char *drv = fuseblk_driver(out->source);
        if (!drv)
            drv = fuse_driver_of(out->mount_point);
        if (drv)
            name = drv;
    }
    snprintf(out->name, sizeof out->name, "%s", name);
}

/* Which driver serves an ext2 or ext3 mount decides its link limit: the ext4
 * driver serves both on most kernels (ext3's own driver left in Linux 4.3;
 * CONFIG_EXT4_USE_FOR_EXT2) and registers /sys/fs/ext4/<device> for each
 * mount it serves. 1: the ext4 driver; 0: another; -1: sysfs cannot tell. */
static int served_by_ext4(dev_t dev)
{
    char link[64], target[HL_PATH_MAX], path[HL_PATH_MAX + 16];
    struct stat st;
    snprintf(link, sizeof link, "/sys/dev/block/%u:%u", major(dev), minor(dev));
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0 || stat("/sys/fs", &st) != 0)
        return -1;
    target[n] = '\0';
    snprintf(path, sizeof path, "/sys/fs/ext4/%s", strrchr(target, '/') ? strrchr(target, '/') + 1 : target);
    return stat(path, &st) == 0;
}

/* The upperdir= of an overlay's super options (mountinfo escapes ',' as \054), or 0. */
static int overlay_upperdir(const char *opts, char *out, size_t size)
{
    for (const char *o = opts; o && *o; o = strchr(o, ',') ? strchr(o, ',') + 1 : NULL) {
        if (strncmp(o, "upperdir=", 9) != 0)
            continue;
        size_t len = strcspn(o + 9, ",");
        if (len == 0 || len >= size)
            return 0;
        memcpy(out, o + 9, len);
        out[len] = '\0';
        unescape(out);
        return 1;
    }
    return 0;
}

static hl_status probe_path(const char *path, hl_volume *out, int depth);

/* depth: how many overlays above this one were followed to their upper layer */
static hl_status probe_fd_at(int fd, hl_volume *out, int depth)
{
    struct statfs sf;
    struct stat st;
    if (fstatfs(fd, &sf) != 0 || fstat(fd, &st) != 0)
        return hl_status_from_errno(errno);
    out->magic = (unsigned long long)sf.f_type;
    out->device = (unsigned long long)st.st_dev;
    out->read_only = (sf.f_flags & ST_RDONLY) != 0;
    char link[64], real[HL_PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, real, sizeof real - 1);
    int mounted = 0;
    char opts[HL_PATH_MAX * 2] = "";
    if (n > 0) {
        real[n] = '\0';
        mounted = find_mount(real, out, opts, sizeof opts);
    }
    const char *magic_name = hl__fs_name_from_magic(out->magic);
    if (mounted && out->magic == FUSE_SUPER_MAGIC)
        name_fuse(out);
    else if (mounted)
        snprintf(out->name, sizeof out->name, "%s", out->fstype);
    else if (magic_name)
        snprintf(out->name, sizeof out->name, "%s", magic_name);
    else
        snprintf(out->name, sizeof out->name, "unknown-0x%llx", out->magic);
    const struct hl_fs_info *info = hl__fs_lookup(out->name);
    out->hardlinks = info ? info->hardlinks : -1;
    out->link_max = info ? info->link_max : 0;
    if (strcmp(out->name, "overlay") == 0 && depth < 8) {
        /* links are made in the upper layer: its filesystem's answers are the overlay's */
        char upper[HL_PATH_MAX];
        hl_volume u;
        if (overlay_upperdir(opts, upper, sizeof upper) && probe_path(upper, &u, depth + 1) == HL_OK) {
            out->hardlinks = u.hardlinks;
            out->link_max = u.link_max;
        }
    }
    if (strcmp(out->name, "ext2") == 0 || strcmp(out->name, "ext3") == 0) {
        int ext4 = served_by_ext4(st.st_dev);
        out->link_max = ext4 == 1 ? hl__fs_lookup("ext4")->link_max : ext4 == 0 ? out->link_max : 0;
    }
    return HL_OK;
}

static hl_status probe_fd(int fd, hl_volume *out) { return probe_fd_at(fd, out, 0); }

static hl_status probe_path(const char *path, hl_volume *out, int depth)
{
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0)
        return hl_status_from_errno(errno);
    memset(out, 0, sizeof *out);
    hl_status s = probe_fd_at(fd, out, depth);
    close(fd);
    return s;
}

hl_status hl__backend_probe(const char *path, hl_volume *out) { return probe_path(path, out, 0); }
