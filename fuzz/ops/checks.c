/* fuzz_ops' checks: the real state of the sandbox against the model, after
 * every step (names, types, sizes, link counts, st_ino classes, open
 * descriptors, the contents a step touched) and at the end of a run. */
#include "ops.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define M (&fo.m)

/* The name (or slot) through which each model inode was seen first in this
 * step's check: the other side of an st_ino comparison in a reproducer. */
static struct {
    char path[64];
    int slot;
} first_seen[MAXI];

static void note_ino(int i, ino_t ino, const char *what, const char *path, int slot)
{
    struct inode *n = &M->inode[i];
    /* a driver that numbers names, not files (its own node per name) */
    static const char split[] = "any.link_through_other_name.st_ino";
    if (n->step_seen == fo.stamp && n->step_ino != ino && !known_tolerated(split)) {
        fo.sig_hint = split;
        struct repro_check *rc = repro_check(RC_ONE_INO, "st_ino", path, slot);
        snprintf(rc->path2, sizeof rc->path2, "%s", first_seen[i].path);
        rc->slot2 = first_seen[i].slot;
        diverge("%s: st_ino %llu, but another name of the same model inode has st_ino %llu", what,
                (unsigned long long)ino, (unsigned long long)n->step_ino);
    }
    if (n->step_seen != fo.stamp) {
        snprintf(first_seen[i].path, sizeof first_seen[i].path, "%s", path ? path : "");
        first_seen[i].slot = slot;
    }
    n->step_seen = fo.stamp;
    n->step_ino = ino;
    if (fo.vs.ino_stable) {
        if (n->ino_known && n->ino != ino && repro_check(RC_NONE, "st_ino_changed", NULL, -1))
            diverge("%s: st_ino %llu, earlier %llu for the same model inode", what, (unsigned long long)ino,
                    (unsigned long long)n->ino);
        n->ino = ino;
        n->ino_known = 1;
    }
}

/* lstat of path, or fstat of slot (path NULL) */
static void check_file_stat(int i, const struct stat *st, const char *what, const char *path, int slot)
{
    const struct inode *n = &M->inode[i];
    if (!S_ISREG(st->st_mode) && repro_check(RC_TYPE, "type", path, slot))
        diverge("%s: expected a regular file, seen mode 0%o", what, (unsigned)st->st_mode);
    long lo = n->nlink, hi = n->nlink + n->hidden;
    /* a FUSE driver whose names of one file keep their own cached attributes
     * shows the count from before a link or unlink made through another name:
     * a driver's known divergence, then the rest of the stat is still checked */
    static const char stale[] = "any.link_through_other_name.nlink";
    if (((long)st->st_nlink < lo || (long)st->st_nlink > hi) && !known_tolerated(stale)) {
        fo.sig_hint = stale;
        struct repro_check *rc = repro_check(RC_NLINK, "nlink", path, slot);
        rc->lo = lo;
        rc->hi = hi;
        if (lo == hi)
            diverge("%s: expected nlink %ld, seen %ld", what, lo, (long)st->st_nlink);
        diverge("%s: expected nlink %ld to %ld (fuse hidden names), seen %ld", what, lo, hi, (long)st->st_nlink);
    }
    /* the same cached attributes after a write through another name */
    static const char stale_size[] = "any.write_through_other_name.size";
    if ((unsigned long long)st->st_size != n->len && !known_tolerated(stale_size)) {
        fo.sig_hint = stale_size;
        struct repro_check *rc = repro_check(RC_SIZE, "size", path, slot);
        rc->lo = rc->hi = n->len;
        diverge("%s: expected size %u, seen %lld", what, n->len, (long long)st->st_size);
    }
    note_ino(i, st->st_ino, what, path, slot);
}

void check_state(void)
{
    char path[64], what[96];
    struct stat st;
    fo.stamp++;
    if (fstat(fo.dirfd, &st) != 0)
        diverge("fstat of the sandbox: %s", strerror(errno));
    if ((long)st.st_nlink != model_dir_nlink(M, 0) && repro_check(RC_DIR_NLINK, "dir_nlink", ".", -1) &&
        (fo.rc.lo = fo.rc.hi = model_dir_nlink(M, 0)))
        diverge("the sandbox directory: expected nlink %d, seen %ld", model_dir_nlink(M, 0), (long)st.st_nlink);
    for (int d = 0; d < M->ndents; d++) {
        if (!M->dent[d].live)
            continue;
        int i = M->dent[d].ino;
        model_path_of(M, d, path, sizeof path);
        snprintf(what, sizeof what, "lstat \"%s\"", path);
        if (fstatat(fo.dirfd, path, &st, AT_SYMLINK_NOFOLLOW) != 0 && repro_check(RC_EXISTS, "exists", path, -1) &&
            ((fo.rc.want_dir = M->inode[i].type == T_DIR) || 1))
            diverge("%s: expected %s, seen %s", what, M->inode[i].type == T_DIR ? "a directory" : "a regular file",
                    errname(errno));
        if (M->inode[i].type == T_DIR) {
            if (!S_ISDIR(st.st_mode) && repro_check(RC_TYPE, "type", path, -1) && (fo.rc.want_dir = 1))
                diverge("%s: expected a directory, seen mode 0%o", what, (unsigned)st.st_mode);
            if ((long)st.st_nlink != model_dir_nlink(M, i) && repro_check(RC_DIR_NLINK, "dir_nlink", path, -1) &&
                (fo.rc.lo = fo.rc.hi = model_dir_nlink(M, i)))
                diverge("%s: expected directory nlink %d, seen %ld", what, model_dir_nlink(M, i), (long)st.st_nlink);
            note_ino(i, st.st_ino, what, path, -1);
        } else {
            check_file_stat(i, &st, what, path, -1);
        }
    }
    for (int k = 0; k < NNAMES; k++) {
        int dir, d;
        const char *base;
        int e = model_resolve(M, op_path[k], &dir, &d, &base);
        if (!e && d >= 0)
            continue; /* checked above */
        if (!e)
            e = ENOENT;
        if (fstatat(fo.dirfd, op_path[k], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            repro_check(RC_MISSING, "missing", op_path[k], -1))
            diverge("lstat \"%s\": expected %s, but it exists (mode 0%o, nlink %ld)", op_path[k], errname(e),
                    (unsigned)st.st_mode, (long)st.st_nlink);
        if (errno != e && repro_check(RC_MISSING, "missing", op_path[k], -1))
            diverge("lstat \"%s\": expected %s, seen %s", op_path[k], errname(e), errname(errno));
    }
    for (int s = 0; s < NSLOTS; s++) {
        if (M->slot[s].fd < 0)
            continue;
        snprintf(what, sizeof what, "fstat slot %d (fd %d)", s, M->slot[s].fd);
        if (fstat(M->slot[s].fd, &st) != 0)
            diverge("%s: %s", what, strerror(errno));
        check_file_stat(M->slot[s].ino, &st, what, NULL, s);
    }
    /* different live model inodes, different st_ino */
    for (int i = 0; i < M->ninodes; i++)
        for (int j = i + 1; j < M->ninodes && M->inode[i].step_seen == fo.stamp; j++)
            if (M->inode[j].step_seen == fo.stamp && M->inode[i].step_ino == M->inode[j].step_ino &&
                repro_check(RC_TWO_INO, "shared_st_ino", first_seen[i].path, first_seen[i].slot)) {
                snprintf(fo.rc.path2, sizeof fo.rc.path2, "%s", first_seen[j].path);
                fo.rc.slot2 = first_seen[j].slot;
                diverge("two different model inodes (#%d, #%d) share st_ino %llu", i, j,
                        (unsigned long long)M->inode[i].step_ino);
            }
}

/* The content read through fd against the model's: "" if it matches, else
 * what differs (in buf). */
static const char *content_differs(int fd, int i, char *buf, size_t cap)
{
    const struct inode *n = &M->inode[i];
    size_t got = 0;
    ssize_t r;
    while (got < sizeof fo.rbuf && (r = pread(fd, fo.rbuf + got, sizeof fo.rbuf - got, (off_t)got)) > 0)
        got += (size_t)r;
    content_gen(fo.cbuf, n->len, n->seed);
    buf[0] = '\0';
    if (got != n->len) {
        snprintf(buf, cap, "expected %u bytes of content, read %zu", n->len, got);
    } else if (memcmp(fo.rbuf, fo.cbuf, got) != 0) {
        size_t at = 0;
        while (fo.rbuf[at] == fo.cbuf[at])
            at++;
        snprintf(buf, cap, "content differs at byte %zu (expected 0x%02x, read 0x%02x)", at, fo.cbuf[at],
                 fo.rbuf[at]);
    }
    return buf;
}

void check_content(int i)
{
    char path[64], what[96], diff[128];
    if (M->inode[i].type != T_REG)
        return;
    for (int d = 0; d < M->ndents; d++)
        if (M->dent[d].live && M->dent[d].ino == i) {
            model_path_of(M, d, path, sizeof path);
            snprintf(what, sizeof what, "content of \"%s\"", path);
            fo.tfd = openat(fo.dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
            if (fo.tfd < 0)
                diverge("%s: open: %s", what, strerror(errno));
            if (*content_differs(fo.tfd, i, diff, sizeof diff)) {
                repro_check(RC_CONTENT, "content", path, -1)->ino = i;
                /* names of one file that are separate kernel inodes (a FUSE
                 * driver's) have separate page caches: a stale one is a known
                 * divergence of such a driver; then what it stored is read */
                static const char sig[] = "any.write_through_other_name.content";
                if (!known_tolerated(sig)) {
                    fo.sig_hint = sig;
                    diverge("%s: %s", what, diff);
                }
                posix_fadvise(fo.tfd, 0, 0, POSIX_FADV_DONTNEED);
                /* a name whose cached size is stale too reads only that far */
                static const char uncached[] = "any.write_through_other_name.content_uncached";
                if (*content_differs(fo.tfd, i, diff, sizeof diff) && !known_tolerated(uncached)) {
                    fo.sig_hint = uncached;
                    fo.rc.uncached = 1;
                    diverge("%s (read again without its page cache): %s", what, diff);
                }
            }
            close(fo.tfd);
            fo.tfd = -1;
            return;
        }
    for (int s = 0; s < NSLOTS; s++)
        if (M->slot[s].fd >= 0 && M->slot[s].ino == i) {
            snprintf(what, sizeof what, "content through slot %d (fd %d)", s, M->slot[s].fd);
            if (*content_differs(M->slot[s].fd, i, diff, sizeof diff) && repro_check(RC_CONTENT, "content", NULL, s) &&
                (fo.rc.ino = i) >= 0)
                diverge("%s: %s", what, diff);
            return;
        }
}

void check_listing(int dir, const char *path)
{
    int fd = openat(fo.dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *dp = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dp) {
        if (fd >= 0)
            close(fd);
        diverge("listing \"%s\": %s", path, strerror(errno));
    }
    int seen = 0;
    struct dirent *e;
    char extra[300] = "";
    while ((e = readdir(dp))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (M->inode[dir].maybe_hidden && strncmp(e->d_name, ".fuse_hidden", 12) == 0)
            continue;
        if (model_lookup(M, dir, e->d_name) >= 0)
            seen++;
        else if (!extra[0])
            snprintf(extra, sizeof extra, "%s", e->d_name);
    }
    closedir(dp);
    if ((extra[0] || seen != model_children(M, dir, 0)) && repro_check(RC_LISTING, "listing", path, -1))
        fo.rc.ino = dir;
    if (extra[0])
        diverge("listing \"%s\": an entry the model does not have: \"%s\"", path, extra);
    if (seen != model_children(M, dir, 0))
        diverge("listing \"%s\": %d entries of the model's %d", path, seen, model_children(M, dir, 0));
}

/* Each live directory: dir inode and path ("." for the sandbox). */
static void for_each_dir(void (*fn)(int dir, const char *path))
{
    char path[64];
    fn(0, ".");
    for (int d = 0; d < M->ndents; d++)
        if (M->dent[d].live && M->inode[M->dent[d].ino].type == T_DIR) {
            model_path_of(M, d, path, sizeof path);
            fn(M->dent[d].ino, path);
        }
}

/* fuse_async: the hidden names the releases have not removed yet. */
static void remove_hidden_in(int dir, const char *path)
{
    (void)dir;
    int fd = openat(fo.dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *dp = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dp) {
        if (fd >= 0)
            close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(dp)))
        if (strncmp(e->d_name, ".fuse_hidden", 12) == 0)
            unlinkat(dirfd(dp), e->d_name, 0); /* ENOENT: the release came first */
    closedir(dp);
}

void check_end_of_run(void)
{
    char path[64];
    fo.cur_step = -1;
    repro_check(RC_NONE, NULL, NULL, -1);
    for (int i = 1; i < M->ninodes; i++)
        check_content(i);
    for (int s = 0; s < NSLOTS; s++)
        if (M->slot[s].fd >= 0) {
            if (close(M->slot[s].fd) != 0)
                diverge("close slot %d: %s", s, strerror(errno));
            model_slot_closed(M, s, 0);
        }
    if (fo.vs.fuse_async) {
        model_forget_hidden(M);
        for_each_dir(remove_hidden_in);
    }
    check_state();
    for_each_dir(check_listing);
    /* remove the model's names, deepest first; the sandbox must be empty after */
    for (int again = 1; again;) {
        again = 0;
        for (int d = M->ndents - 1; d >= 0; d--) {
            int i = M->dent[d].ino;
            if (!M->dent[d].live || (M->inode[i].type == T_DIR && model_children(M, i, 0)))
                continue;
            model_path_of(M, d, path, sizeof path);
            if (unlinkat(fo.dirfd, path, M->inode[i].type == T_DIR ? AT_REMOVEDIR : 0) != 0)
                diverge("cleaning up: removing \"%s\": %s", path, strerror(errno));
            model_drop_name(M, d);
            again = 1;
        }
    }
}
