/* Snapshots of a directory tree: take, compare, describe, fingerprint. One
 * walk serves both the snapshot and the fingerprint, so the two agree. */
#include "testkit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------ the walk */

typedef void (*visit_fn)(void *ctx, const tk_entry *e);

struct walk {
    unsigned flags;
    visit_fn visit;
    void *ctx;
    int error; /* first errno */
    char path[TK_PATH_MAX];
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}
#define FNV_START 1469598103934665603ULL

static uint64_t content_hash(int dfd, const char *name, int open_flags, int *error)
{
    int fd = openat(dfd, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | open_flags);
    if (fd < 0) {
        *error = errno;
        return 0;
    }
    char buf[16384];
    uint64_t h = FNV_START;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        h = fnv(h, buf, (size_t)n);
    if (n < 0)
        *error = errno;
    close(fd);
    return h;
}

static void note(struct walk *w, int e)
{
    if (!w->error)
        w->error = e;
}

static void visit(struct walk *w, int dfd, const char *name, const struct stat *st)
{
    tk_entry e = {w->path,
                  (unsigned long long)st->st_dev,
                  (unsigned long long)st->st_ino,
                  (unsigned long long)st->st_nlink,
                  S_ISDIR(st->st_mode) ? 0 : (unsigned long long)st->st_size,
                  (unsigned)(st->st_mode & S_IFMT),
                  (unsigned)(st->st_mode & 07777),
                  0};
    if ((w->flags & TK_SNAP_CONTENT) && S_ISREG(st->st_mode)) {
        int err = 0;
        e.hash = content_hash(dfd, name, O_NOFOLLOW, &err);
        if (err)
            note(w, err);
    }
    w->visit(w->ctx, &e);
}

/* Every entry beneath dfd (whose path in w->path has length len). */
static void walk_dir(struct walk *w, int dfd, size_t len, dev_t dev, int depth)
{
    int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        note(w, errno);
        if (fd >= 0)
            close(fd);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        size_t n = strlen(de->d_name);
        if (len + 1 + n >= sizeof w->path) {
            note(w, ENAMETOOLONG);
            continue;
        }
        if (len)
            w->path[len] = '/';
        memcpy(w->path + len + (len ? 1 : 0), de->d_name, n + 1);
        size_t sublen = len + (len ? 1 : 0) + n;
        struct stat st;
        if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            note(w, errno);
            continue;
        }
        visit(w, dfd, de->d_name, &st);
        if (S_ISDIR(st.st_mode) && st.st_dev == dev && depth < 512) {
            int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) {
                note(w, errno);
            } else {
                walk_dir(w, sub, sublen, dev, depth + 1);
                close(sub);
            }
        }
        w->path[len] = '\0';
    }
    closedir(d);
}

/* Run the walk as root if the process may become root again; back after. */
static int walk_tree(struct walk *w, int dirfd, const char *path)
{
    uid_t ruid, euid, suid;
    gid_t egid = getegid();
    int raised = getresuid(&ruid, &euid, &suid) == 0 && euid != 0 && suid == 0 && seteuid(0) == 0;
    if (raised && setegid(0) != 0) {
        int e = errno;
        if (seteuid(euid) != 0)
            return errno;
        return e;
    }
    int e = 0;
    int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        e = errno;
    } else {
        w->path[0] = '\0';
        visit(w, fd, ".", &st);
        walk_dir(w, fd, 0, st.st_dev, 0);
    }
    if (fd >= 0)
        close(fd);
    if (raised && (setegid(egid) != 0 || seteuid(euid) != 0))
        e = e ? e : errno;
    return e;
}

int tk_file_hash(int dirfd, const char *rel, int flags, uint64_t *hash)
{
    int err = 0;
    *hash = content_hash(dirfd, rel, flags & AT_SYMLINK_NOFOLLOW ? O_NOFOLLOW : 0, &err);
    return err;
}

/* ------------------------------------------------------------------ snapshots */

static void add_entry(void *ctx, const tk_entry *e)
{
    tk_snap *s = ctx;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        tk_entry *more = realloc(s->e, cap * sizeof *more);
        if (!more) {
            s->error = s->error ? s->error : ENOMEM;
            return;
        }
        s->e = more;
        s->cap = cap;
    }
    char *p = strdup(e->path);
    if (!p) {
        s->error = s->error ? s->error : ENOMEM;
        return;
    }
    s->e[s->n] = *e;
    s->e[s->n++].path = p;
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const tk_entry *)a)->path, ((const tk_entry *)b)->path);
}

int tk_snap_take(tk_snap *s, int dirfd, const char *path, unsigned flags)
{
    memset(s, 0, sizeof *s);
    s->flags = flags;
    if (path[0] == '/' || dirfd == AT_FDCWD) {
        snprintf(s->root, sizeof s->root, "%s", path);
    } else { /* for messages: the descriptor's path, then path */
        char proc[64], dir[TK_PATH_MAX];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", dirfd);
        ssize_t n = readlink(proc, dir, sizeof dir - 1);
        dir[n > 0 ? n : 0] = '\0';
        if (strcmp(path, ".") == 0)
            snprintf(s->root, sizeof s->root, "%s", n > 0 ? dir : ".");
        else
            snprintf(s->root, sizeof s->root, "%.2000s/%.2000s", n > 0 ? dir : ".", path);
    }
    struct walk w = {.flags = flags, .visit = add_entry, .ctx = s};
    int e = walk_tree(&w, dirfd, path);
    if (!s->error)
        s->error = w.error;
    if (e) {
        tk_snap_free(s);
        return e;
    }
    if (s->n)
        qsort(s->e, s->n, sizeof *s->e, cmp_entry);
    return 0;
}

void tk_snap_free(tk_snap *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->e[i].path);
    free(s->e);
    s->e = NULL;
    s->n = s->cap = 0;
}

const tk_entry *tk_snap_find(const tk_snap *s, const char *path)
{
    tk_entry key = {.path = (char *)path};
    return s->n ? bsearch(&key, s->e, s->n, sizeof *s->e, cmp_entry) : NULL;
}

/* ------------------------------------------------------------------ differences */

struct text {
    char *buf;
    size_t size, len;
    int count;
    const char *root;
};

/* One difference: what (a text before the place), the place, then rest. */
__attribute__((format(printf, 4, 5))) static void say(struct text *t, const char *what, const tk_entry *e,
                                                      const char *rest, ...)
{
    t->count++;
    if (!t->size || t->len + 1 >= t->size)
        return;
    char tail[256];
    va_list ap;
    va_start(ap, rest);
    vsnprintf(tail, sizeof tail, rest, ap);
    va_end(ap);
    int n = snprintf(t->buf + t->len, t->size - t->len, "%s%s%s%s%s%s", t->len ? "; " : "", what, t->root,
                     e->path[0] ? "/" : "", e->path, tail);
    if (n < 0 || (size_t)n >= t->size - t->len) {
        t->len = t->size - 1;
        if (t->size > 4)
            memcpy(t->buf + t->size - 4, "...", 4);
    } else {
        t->len += (size_t)n;
    }
}

/* Differences of one name present in both. link: the name is of the linked
 * inode, whose link count must be one higher. */
static void compare(struct text *t, const tk_entry *x, const tk_entry *y, unsigned ignore, int link)
{
    if (x->type != y->type || (!(ignore & TK_IGNORE_INO) && (x->ino != y->ino || x->dev != y->dev))) {
        say(t, "", x, " is another file now");
        return;
    }
    int dir = x->type == S_IFDIR;
    unsigned long long want = x->nlink + (link ? 1 : 0);
    if (y->nlink != want && !(dir && (ignore & TK_IGNORE_DIR_NLINK))) {
        if (link)
            say(t, "link count of ", x, " went from %llu to %llu, not up by one", x->nlink, y->nlink);
        else
            say(t, "link count of ", x, " went from %llu to %llu", x->nlink, y->nlink);
    }
    if (x->size != y->size)
        say(t, "size of ", x, " went from %llu to %llu", x->size, y->size);
    if (x->mode != y->mode && !(ignore & TK_IGNORE_MODE))
        say(t, "mode of ", x, " went from %o to %o", x->mode, y->mode);
    if (x->hash != y->hash)
        say(t, "data of ", x, " changed");
}

static int diff(const tk_snap *a, const tk_snap *b, unsigned ignore, int link, unsigned long long dev,
                unsigned long long ino, int *new_names, char *buf, size_t size)
{
    struct text t = {buf, size, 0, 0, a->root};
    if (size)
        buf[0] = '\0';
    int added = 0;
    size_t i = 0, j = 0;
    while (i < a->n || j < b->n) {
        int c = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->e[i].path, b->e[j].path);
        if (c < 0) {
            say(&t, "", &a->e[i++], " is gone");
        } else if (c > 0) {
            const tk_entry *y = &b->e[j++];
            if (link && y->dev == dev && y->ino == ino)
                added++;
            else
                say(&t, "", y, " now exists");
        } else {
            const tk_entry *x = &a->e[i++], *y = &b->e[j++];
            compare(&t, x, y, ignore, link && x->dev == dev && x->ino == ino);
        }
    }
    if (new_names)
        *new_names = added;
    return t.count;
}

int tk_snap_diff(const tk_snap *before, const tk_snap *after, unsigned ignore, char *buf, size_t size)
{
    return diff(before, after, ignore, 0, 0, 0, NULL, buf, size);
}

int tk_snap_diff_link(const tk_snap *before, const tk_snap *after, unsigned ignore, unsigned long long dev,
                      unsigned long long ino, int *new_names, char *buf, size_t size)
{
    return diff(before, after, ignore, 1, dev, ino, new_names, buf, size);
}

/* ------------------------------------------------------------------ fingerprints */

static uint64_t entry_hash(const tk_entry *e, unsigned ignore)
{
    uint64_t h = fnv(FNV_START, e->path, strlen(e->path) + 1);
    unsigned long long f[7] = {e->type, e->size, e->hash, 0, 0, 0, 0};
    if (!(ignore & TK_IGNORE_INO))
        f[3] = e->ino, f[4] = e->dev;
    if (!(e->type == S_IFDIR && (ignore & TK_IGNORE_DIR_NLINK)))
        f[5] = e->nlink;
    if (!(ignore & TK_IGNORE_MODE))
        f[6] = e->mode;
    h = fnv(h, f, sizeof f);
    /* a final mix: the sum of entries must not let two changes cancel out */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

uint64_t tk_snap_fingerprint(const tk_snap *s, unsigned ignore)
{
    uint64_t sum = s->n;
    for (size_t i = 0; i < s->n; i++)
        sum += entry_hash(&s->e[i], ignore);
    return sum;
}

struct fp {
    uint64_t sum;
    unsigned ignore;
};

static void add_fingerprint(void *ctx, const tk_entry *e)
{
    struct fp *f = ctx;
    f->sum += 1 + entry_hash(e, f->ignore);
}

int tk_tree_fingerprint(int dirfd, const char *path, unsigned flags, unsigned ignore, uint64_t *fp)
{
    struct fp f = {0, ignore};
    struct walk w = {.flags = flags, .visit = add_fingerprint, .ctx = &f}; /* no allocation */
    int e = walk_tree(&w, dirfd, path);
    *fp = f.sum;
    return e ? e : w.error;
}
