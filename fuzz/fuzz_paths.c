/*
 * fuzz_paths: hl_create_at under HL_BENEATH on arbitrary path bytes.
 *
 * Input: byte 0 chooses options (bit 0 HL_FOLLOW; bits 1-2 max_links: none,
 * 3, 1, HL_NTFS_MAX_LINKS; bit 3 the portable walk instead of openat2), then
 * the new name up to a NUL, then the existing name up to a NUL or the end: bytes, not
 * just printable names ("/", "..", empty components, long names, non-UTF-8).
 *
 * The sandbox (made once, under /tmp): regular files, one (g) already at the
 * max_links value 3, directories, a fifo, symlinks inside, symlinks out of it
 * (to /, to "..", absolute ones), a symlink loop, a deep directory chain and a
 * 255-byte name. Beside it: a canary directory and a file outside, whose
 * names and link counts must never change, nor /etc/passwd's, nor /'s names.
 *
 * The oracle, checked on every input; a violation prints the rule, the input
 * and the status, then traps:
 *  1. the status is a valid hl_status with a name and a message, hl_error
 *     agrees, and the native code can produce it (the core's table);
 *  2. HL_OK: exactly one new name in the sandbox, with the (st_dev, st_ino)
 *     the kernel itself resolves the existing name to beneath the sandbox, and that
 *     inode's nlink one higher;
 *  3. a failure: the sandbox exactly as before (every directory's names and
 *     inode numbers, every file's link count);
 *  4. nothing outside changed;
 *  5. the run undoes its link, so every input is independent.
 *
 * How, cheaply (a syscall here costs ~2 us, a link+unlink pair ~5 us): an
 * inotify watch on every directory of the sandbox, the canary, the base, /,
 * and on every inode of the tree and the files outside reports any name
 * created or removed and any link count changed, synchronously, in one read.
 * A failure must produce no event at all. HL_OK must produce exactly one new
 * name, which is then checked against the kernel's own resolution of the
 * existing name (openat2 RESOLVE_BENEATH) and undone. Every 256 runs, and whenever
 * the event queue overflows, the whole tree is compared with the snapshot
 * taken at start (the test kit's: every name, inode number, link count, type,
 * size and mode), by its fingerprint.
 */
#define _GNU_SOURCE
#include "internal.h"
#include "sandbox.h"

#include <testkit.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#define MAX_DIRS 24
#define MAX_INODES 48
#define DEEP 6

static const char *base;    /* the sandbox's parent: $TMPDIR or /tmp, /hl-fuzz_paths.<pid>.XXXXXX */
static int sandbox = -1;    /* the dirfd every call is confined beneath */
static int basefd = -1;

/* What must not change: the whole tree (the test kit's snapshot taken at
 * start, and its fingerprint); the directories watched for new names; per
 * inode its link count. */
static tk_snap start;
static uint64_t start_fp;
struct dir {
    char path[512];   /* relative to base */
};
static struct dir dirs[MAX_DIRS];
static int ndirs;
struct inode {
    char path[512];   /* a name of it, relative to base */
    dev_t dev;
    ino_t ino;
    nlink_t nlink;
};
static struct inode inodes[MAX_INODES];
static int ninodes;

static const char *current_input; /* for reports */
static int ino_fd = -1;            /* inotify: every watched directory and inode */
static int dir_wd[MAX_DIRS];       /* the watch of dirs[i] */
static int root_wd = -1, passwd_wd = -1;

static void die(const char *what) { fz_die("fuzz_paths", "setup: %s: %s", what, strerror(errno)); }

/* A path of the tree kept for later checks: it must fit whole, a cut one
 * would watch and compare the wrong file. */
static void keep_path(char *to, size_t cap, const char *path)
{
    size_t n = strlen(path);
    if (n >= cap) {
        errno = ENAMETOOLONG;
        die(path);
    }
    memcpy(to, path, n + 1);
}

static void add_dir(const char *path)
{
    struct dir *d = &dirs[ndirs++];
    keep_path(d->path, sizeof d->path, path);
}

static void add_inode(const char *path)
{
    struct inode *i = &inodes[ninodes++];
    struct stat st;
    keep_path(i->path, sizeof i->path, path);
    if (fstatat(basefd, path, &st, AT_SYMLINK_NOFOLLOW) != 0)
        die(path);
    i->dev = st.st_dev, i->ino = st.st_ino, i->nlink = st.st_nlink;
}

static void mk(const char *path, int kind, const char *target)
{
    int r = 0;
    if (kind == 'f') {
        int fd = openat(basefd, path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        r = fd < 0 ? -1 : close(fd);
    } else if (kind == 'd') {
        r = mkdirat(basefd, path, 0755);
    } else if (kind == 'p') {
        r = mknodat(basefd, path, S_IFIFO | 0644, 0);
    } else if (kind == 'l') {
        r = symlinkat(target, basefd, path);
    } else if (kind == 'h') {
        r = (int)syscall(SYS_linkat, basefd, target, basefd, path, 0); /* not through a test's wrapped linkat */
    }
    if (r != 0)
        die(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    /* OSS-Fuzz: only /tmp is writable; TMPDIR (e.g. /dev/shm) moves it */
    const char *tmp = getenv("TMPDIR");
    tmp = tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp"; /* the tree's paths fit its buffers */
    basefd = fz_sandbox_make("fuzz_paths", tmp, NULL);
    base = fz_sandbox_path();
    char abs[600], deep[512] = "s/c";
    mk("s", 'd', NULL);
    mk("canary", 'd', NULL);
    mk("canary/file", 'f', NULL);
    mk("outside", 'f', NULL);
    mk("s/f", 'f', NULL);
    mk("s/g", 'f', NULL); /* at the max_links value 3: g, g2, g3 */
    mk("s/g2", 'h', "s/g");
    mk("s/g3", 'h', "s/g");
    mk("s/d", 'd', NULL);
    mk("s/d/e", 'd', NULL);
    mk("s/d/e/h", 'f', NULL);
    mk("s/fifo", 'p', NULL);
    mk("s/in", 'l', "f");
    mk("s/in_dir", 'l', "d/e");
    mk("s/up", 'l', "..");
    mk("s/root", 'l', "/");
    mk("s/tmp", 'l', "/tmp");
    snprintf(abs, sizeof abs, "%s/s/f", base);
    mk("s/abs_inside", 'l', abs);
    mk("s/to_outside", 'l', "../outside");
    mk("s/to_canary", 'l', "../canary");
    mk("s/passwd", 'l', "/etc/passwd");
    mk("s/loop_a", 'l', "loop_b");
    mk("s/loop_b", 'l', "loop_a");
    mk("s/d/back", 'l', "../../d/e/../../f");
    mk("s/c", 'd', NULL);
    for (int i = 1; i < DEEP; i++) {
        strcat(deep, "/c");
        mk(deep, 'd', NULL);
    }
    char bottom[600];
    snprintf(bottom, sizeof bottom, "%s/bottom", deep);
    mk(bottom, 'f', NULL);
    char longname[300] = "s/";
    memset(longname + 2, 'L', 255);
    longname[257] = '\0';
    mk(longname, 'f', NULL);
    sandbox = openat(basefd, "s", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (sandbox < 0)
        die("s");

    /* what must not change */
    const char *dlist[] = {".", "canary", "s", "s/d", "s/d/e"};
    for (size_t i = 0; i < sizeof dlist / sizeof dlist[0]; i++)
        add_dir(dlist[i]);
    snprintf(deep, sizeof deep, "s/c");
    add_dir(deep);
    for (int i = 1; i < DEEP; i++) {
        strcat(deep, "/c");
        add_dir(deep);
    }
    const char *ilist[] = {"outside", "canary/file", "s/f", "s/g", "s/d/e/h", "s/fifo", "s/in", "s/in_dir",
                           "s/up", "s/root", "s/tmp", "s/abs_inside", "s/to_outside", "s/to_canary",
                           "s/passwd", "s/loop_a", "s/loop_b", "s/d/back"};
    for (size_t i = 0; i < sizeof ilist / sizeof ilist[0]; i++)
        add_inode(ilist[i]);
    add_inode(bottom);
    add_inode(longname);

    int e = tk_snap_take(&start, basefd, ".", 0);
    if (e || (e = tk_tree_fingerprint(basefd, ".", 0, 0, &start_fp)) != 0) {
        errno = e;
        die("a snapshot of the tree");
    }
    if (start_fp != tk_snap_fingerprint(&start, 0))
        fz_die("fuzz_paths", "setup: the test kit's fingerprint of a tree differs from its snapshot's");

    ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (ino_fd < 0)
        die("inotify_init1");
    const uint32_t dir_events = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DONT_FOLLOW | IN_ONLYDIR;
    for (int i = 0; i < ndirs; i++) {
        char p[700];
        snprintf(p, sizeof p, "%s/%.511s", base, dirs[i].path);
        if ((dir_wd[i] = inotify_add_watch(ino_fd, p, dir_events)) < 0)
            die(p);
    }
    for (int i = 0; i < ninodes; i++) { /* link count changes are IN_ATTRIB on the inode */
        char p[700];
        snprintf(p, sizeof p, "%s/%.511s", base, inodes[i].path);
        if (inotify_add_watch(ino_fd, p, IN_ATTRIB | IN_DONT_FOLLOW) < 0)
            die(p);
    }
    root_wd = inotify_add_watch(ino_fd, "/", IN_CREATE | IN_MOVED_TO | IN_ONLYDIR);
    passwd_wd = inotify_add_watch(ino_fd, "/etc/passwd", IN_ATTRIB);
    return 0;
}

/* Outside base: /etc/passwd's link count and /'s names. */
static nlink_t passwd_nlink(void)
{
    struct stat st;
    return stat("/etc/passwd", &st) == 0 ? st.st_nlink : 0;
}


static void print_bytes(const char *label, const char *s)
{
    fprintf(stderr, "  %s: \"", label);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fprintf(stderr, *p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\' ? "%c" : "\\x%02x", *p);
    fprintf(stderr, "\" (%zu bytes)\n", strlen(s));
}

static void violated(const char *rule, const char *new_name, const char *existing, const hl_options *o, hl_status s,
                     const hl_error *e, const char *detail)
{
    fz_violation_header("fuzz_paths", rule);
    if (detail)
        fprintf(stderr, "  %s\n", detail);
    print_bytes("new name", new_name);
    print_bytes("existing", existing);
    fprintf(stderr, "  flags 0x%x max_links %lu; got %s: %s\n  sandbox %s/s (%s)\n", o->flags, o->max_links,
            hl_status_name(s), e->message, base, current_input);
    fz_trap();
}

/* The events since the last call: how many, and the one name created in a
 * sandbox directory (dir index, name), if exactly that happened besides
 * IN_ATTRIB on inodes. Returns -1 on overflow. */
struct events {
    int total, creates, others, overflow;
    int dir;           /* index in dirs of the last IN_CREATE, -1 if outside them */
    char name[300];
    char what[1024];   /* a description of the first unexpected event: a watched path and a name fit */
};

static void read_events(struct events *ev)
{
    static char buf[16384] __attribute__((aligned(8)));
    memset(ev, 0, sizeof *ev);
    ev->dir = -1;
    ssize_t n;
    while ((n = read(ino_fd, buf, sizeof buf)) > 0)
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *e = (struct inotify_event *)p;
            ev->total++;
            if (e->mask & IN_Q_OVERFLOW)
                ev->overflow = 1;
            int d = -1;
            for (int i = 0; i < ndirs; i++)
                if (dir_wd[i] == e->wd)
                    d = i;
            if ((e->mask & IN_CREATE) && d >= 0) {
                ev->creates++;
                ev->dir = d;
                snprintf(ev->name, sizeof ev->name, "%s", e->len ? e->name : "");
            } else if (!(e->mask & IN_ATTRIB)) {
                ev->others++;
            }
            if (!ev->what[0])
                snprintf(ev->what, sizeof ev->what, "event 0x%x on %s%s%s", e->mask,
                         e->wd == root_wd ? "/" : e->wd == passwd_wd ? "/etc/passwd" : d >= 0 ? dirs[d].path : "an inode",
                         e->len ? ", name " : "", e->len ? e->name : "");
            p += sizeof *e + e->len;
        }
}

/* The ground truth: the whole tree against the snapshot taken at start
 * (its fingerprint; a difference is then described from a new snapshot). */
static const char *full_check(void)
{
    static char what[TK_DIFF_MAX];
    uint64_t fp;
    int e = tk_tree_fingerprint(basefd, ".", 0, 0, &fp);
    if (!e && fp == start_fp)
        return NULL;
    tk_snap now;
    if (e || (e = tk_snap_take(&now, basefd, ".", 0)) != 0) {
        snprintf(what, sizeof what, "the tree %s cannot be read: %s", base, strerror(e));
        return what;
    }
    if (!tk_snap_diff(&start, &now, 0, what, sizeof what))
        snprintf(what, sizeof what, "the tree's fingerprint changed, but not what a snapshot shows");
    tk_snap_free(&now);
    return what;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const unsigned long limits[] = {0, 3, 1, HL_NTFS_MAX_LINKS};
    static unsigned long runs;
    static nlink_t passwd;
    if (!runs++)
        passwd = passwd_nlink();
    hl_options o = {HL_BENEATH | (data[0] & 1 ? HL_FOLLOW : 0), limits[(data[0] >> 1) & 3]};
    hl__posix_force_walk((data[0] >> 3) & 1);
    current_input = (data[0] >> 3) & 1 ? "walk resolver" : "openat2 resolver";
    /* new name, NUL, existing, NUL: a NUL ends a path as it would in C */
    char *buf = malloc(size + 1);
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    buf[size] = '\0';
    const char *new_name = buf, *existing = buf + strlen(buf) + 1;
    if (existing > buf + size - 1)
        existing = buf + size - 1; /* no separator: an empty existing name */

    hl_error e;
    memset(&e, 0, sizeof e);
    hl_status s = hl_create_at(sandbox, new_name, existing, &o, &e);

    /* 1: a truthful status */
    if ((unsigned)s >= HL_STATUS_COUNT || e.status != s || !*hl_status_name(s) || !*hl_strerror(s) ||
        !e.message[0] || !e.operation)
        violated("the status is valid, named, and hl_error agrees", new_name, existing, &o, s, &e, NULL);
    if (!hl_status_refines(e.domain, e.native, s))
        violated("the native code maps to the status through the core's table", new_name, existing, &o, s, &e, NULL);

    struct events ev;
    read_events(&ev);
    const char *diff = ev.overflow ? full_check() : NULL;
    if (diff)
        violated("the tree matches the snapshot (checked in full: the event queue overflowed)", new_name, existing,
                 &o, s, &e, diff);
    if (s != HL_OK) {
        /* 3, 4: a failure changed nothing, inside or outside */
        if (ev.total && !ev.overflow)
            violated("a failure changes nothing (sandbox, canary, outside files, /, /etc/passwd)", new_name,
                     existing, &o, s, &e, ev.what);
    } else {
        /* 2: exactly one new name, in the sandbox, the existing file's inode, one more link */
        char detail[1200], newpath[1100];
        if (ev.creates != 1 || ev.others || ev.dir < 0)
            violated("HL_OK means exactly one new name, in the sandbox", new_name, existing, &o, s, &e, ev.what);
        if (strncmp(dirs[ev.dir].path, "s", 1) != 0)
            violated("the new name is inside the sandbox", new_name, existing, &o, s, &e, dirs[ev.dir].path);
        snprintf(newpath, sizeof newpath, "%s/%s", dirs[ev.dir].path, ev.name);
        struct open_how how = {.flags = O_PATH | O_CLOEXEC | (o.flags & HL_FOLLOW ? 0 : O_NOFOLLOW),
                               .resolve = RESOLVE_BENEATH};
        int sfd = (int)syscall(SYS_openat2, sandbox, existing, &how, sizeof how);
        struct stat want, got;
        if (sfd < 0 || fstat(sfd, &want) != 0)
            violated("HL_OK for an existing name the kernel cannot resolve beneath the sandbox", new_name, existing,
                     &o, s, &e, NULL);
        close(sfd);
        if (fstatat(basefd, newpath, &got, AT_SYMLINK_NOFOLLOW) != 0 || got.st_dev != want.st_dev ||
            got.st_ino != want.st_ino) {
            snprintf(detail, sizeof detail, "new name %s is inode %llu, the existing name resolves to %llu", newpath,
                     (unsigned long long)got.st_ino, (unsigned long long)want.st_ino);
            violated("the new name is the existing file's inode", new_name, existing, &o, s, &e, detail);
        }
        struct inode *i = inodes;
        while (i < inodes + ninodes && !(i->ino == want.st_ino && i->dev == want.st_dev))
            i++;
        if (i == inodes + ninodes || got.st_nlink != i->nlink + 1) {
            snprintf(detail, sizeof detail, "nlink %llu, expected %llu", (unsigned long long)got.st_nlink,
                     i < inodes + ninodes ? (unsigned long long)i->nlink + 1 : 0ULL);
            violated("the existing file's nlink rose by one", new_name, existing, &o, s, &e, detail);
        }
        /* 5: undo; the events of the undo are ours */
        if (unlinkat(basefd, newpath, 0) != 0)
            violated("the run can undo its link", new_name, existing, &o, s, &e, strerror(errno));
        read_events(&ev);
    }
    if (runs % 256 == 0 && ((diff = full_check()) || passwd_nlink() != passwd))
        violated("every 256 runs the whole tree matches the snapshot taken at start", new_name, existing, &o, s, &e,
                 diff ? diff : "/etc/passwd's link count changed");
    free(buf);
    hl__posix_force_walk(0);
    return 0;
}
