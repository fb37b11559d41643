/*
 * fuzz_ops: a model-based fuzzer of hard links among the operations that
 * change names.
 *
 * The input is a sequence of at most MAX_OPS operations of four bytes each
 * [op, a, b, c] (a trailing partial record is ignored) over eight names in a
 * sandbox directory: a b c d e d/x d/y e/x. Operations: create (O_CREAT, with
 * or without O_EXCL) and write (O_TRUNC) with content, link (hl_create_at, NEW
 * first, with every flag combination and a max_links policy), unlink, rename
 * (plain, RENAME_NOREPLACE, RENAME_EXCHANGE), mkdir, rmdir, and open-unlink-
 * link: two descriptor slots hold an O_TMPFILE file (linkable, or not with
 * O_EXCL) or a file opened by name, which can be written, closed, or linked
 * back in through hl_create_at on "/proc/self/fd/N" (HL_FOLLOW; HL_BENEATH,
 * which must refuse an absolute path; no flag, which links the magic link
 * itself and so must be cross-device) or a raw linkat(fd, "", AT_EMPTY_PATH).
 *
 * An in-memory model (a tree of directory entries over inodes, with link
 * counts, contents and open descriptors) predicts each operation's outcome:
 * success, or the failure (hl_status for links, errno for the rest). Where
 * several failures apply at once (source missing and new name existing, say)
 * any of them is accepted; where one applies, exactly that one. After every
 * operation the real state must match: lstat of every name the model has and
 * of every one of the eight it has not (type, size, nlink, and st_ino
 * equality classes: names of one model inode share an st_ino, different live
 * inodes do not, and on volumes whose numbers are stable an inode keeps its
 * number), fstat of open descriptors, the contents of the files the operation
 * touched. At the end of a run every file's content and every directory's
 * listing are compared, descriptors closed, and the model's names removed,
 * which must leave the sandbox empty. A divergence prints the whole
 * operation sequence with what was expected and seen, wipes the sandbox and
 * traps.
 *
 * The sandbox is a fresh directory made with mkdtemp in $HL_FUZZ_TARGET
 * (default /tmp), removed at exit: one per process, so libFuzzer's -fork and
 * -jobs workers do not meet, and nothing that was in the target before
 * (lost+found on a volume's root) is touched. Pointed at a test volume
 * (tools/hl-volume up KIND), the model takes that volume's semantics from
 * hl_volume_probe and from probes in the sandbox at start (see struct
 * volume_semantics); the differences it allows are listed there, each
 * explicitly, and printed at start.
 */
#define _GNU_SOURCE
#include <hl.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

#define MAX_OPS 32
#define NNAMES 8
#define NSLOTS 2
#define MAXI (MAX_OPS + 8) /* inodes: the root, at most one new per operation */
#define MAXD (MAX_OPS + 8) /* directory entries: at most one new per operation */
#define MAX_CONTENT (32 * 509)

static const char *const names[NNAMES] = {"a", "b", "c", "d", "e", "d/x", "d/y", "e/x"};

/* ------------------------------------------------------------------------ */
/* What the volume does, from hl_volume_probe and probes at start.           */

enum { DIRN_SUBDIRS, DIRN_ONE };

static struct volume_semantics {
    hl_volume vol;
    int links;          /* hard links: hl_volume.hardlinks != 0 (unknown counts as yes) */
    int tmpfile_errno;  /* 0: O_TMPFILE works; else EOPNOTSUPP (FUSE, FAT): the op is refused */
    int noreplace_ok;   /* renameat2 RENAME_NOREPLACE supported; else EINVAL */
    int exchange_ok;    /* RENAME_EXCHANGE supported; else EINVAL */
    int dir_nlink;      /* DIRN_SUBDIRS: 2 + subdirectories (ext4, xfs, tmpfs); DIRN_ONE: always 1
                           (btrfs, ntfs-3g, fusefat, exfat): measured at start */
    int ino_stable;     /* st_ino of an inode never changes (kernel filesystems, ntfs-3g); not for
                           fusefat/exfat, whose numbers are libfuse node ids, given anew when the
                           kernel forgets a node: only equality classes within a step are checked */
    int fuse_hide;      /* high-level libfuse without hard_remove (every FUSE driver here): a name
                           of an open file that is unlinked or renamed over is kept as
                           .fuse_hidden* in its directory until the last close. So while a file is
                           open its nlink may count such hidden names (at most one per name it lost
                           while open), a directory that held one may not be empty (rmdir and
                           rename over it may answer ENOTEMPTY), such a file without a visible
                           name may still be linked back in, and listings skip .fuse_hidden* while
                           descriptors are open. After the last close all of this is strict again,
                           except on FUSE mounts other than fuseblk (fusefat), where the kernel sends
                           the release asynchronously: there hidden names may outlive the close, and
                           the end of a run removes any left. */
    int fuse_async;     /* FUSE, not fuseblk: release is asynchronous */
    int ntfs3g;         /* ntfs-3g's known divergence, tolerated unless HL_FUZZ_STRICT=1 (see
                           known_ntfs3g below) */
    int fusefat;        /* fusefat's known divergences, tolerated unless HL_FUZZ_STRICT=1 (see
                           known_fusefat below) */
} vs;

static int strict;

/* fusefat 0.1 (Debian 12) divergences found by this target, tolerated so
 * fuzzing goes on past them (HL_FUZZ_STRICT=1 makes them fail again):
 *  1. rmdir of a non-empty directory answers EPERM, not ENOTEMPTY;
 *  2. rename of a directory over an existing directory answers EPERM: when
 *     it is empty instead of replacing it, else instead of ENOTEMPTY;
 *  3. rename of a non-empty directory loses its entries: the directory is
 *     empty under its new name (the kernel's dentry cache shows the old
 *     entries for a while, an open then fails with ENOENT). Data loss, not
 *     modelled: while tolerated, such a rename is skipped;
 *  4. a file truncated (O_TRUNC, ftruncate) and written again keeps its old
 *     size if the new content is shorter, the old bytes after the new ones;
 *     removing a file so truncated and written, shorter or longer, then sends
 *     fusefat into a loop (100% CPU, every later request hangs). While
 *     tolerated, replacing the content of a non-empty file is skipped.
 *  5. a file renamed while open to a long name (as libfuse does when it hides
 *     an unlinked open file as .fuse_hidden*) and then written through the
 *     descriptor: its directory entry splits into garbage names ("6900000223",
 *     "~2") and fstat of the descriptor fails with ENOENT. While tolerated,
 *     writing through a descriptor whose file lost a name while open is skipped.
 * Reproducers: mkdir d; touch d/f; rmdir d (1). mkdir d e; mv -T d e (2).
 * mkdir d; echo hi > d/f; mv d e; cat e/f (3). printf 0123456789 > f;
 * printf abc > f; stat -c %s f (10, "abc3456789"); rm f (hangs) (4).
 * python3: fd = os.open("a", os.O_RDWR | os.O_CREAT); os.rename("a",
 * "renamed0000756900000223"); os.pwrite(fd, b"xy", 0); os.listdir(".") (5). */
static int known_fusefat(void) { return vs.fusefat && !strict; }

/* ntfs-3g 2022.10.3 (Debian 12) divergence found by this target, tolerated
 * unless HL_FUZZ_STRICT=1:
 *  1. the names of a hard-linked file are separate kernel inodes (libfuse's
 *     high-level nodes are per name) with separate page caches: after a write
 *     through one name, a read through another returns the old content when
 *     the size and the second of the mtime did not change, for as long as the
 *     page stays cached. Reproducer: printf 11111 > a; ln a b; cat a;
 *     printf 22222 > b; cat a (11111). While tolerated, content checks drop
 *     the cache first (POSIX_FADV_DONTNEED) and so see what ntfs-3g stored;
 *  2. rename of one hard link over another, open, name of the same file
 *     removes the old name (POSIX: does nothing): libfuse first hides the
 *     open target as .fuse_hidden*, then the rename is a plain move.
 *     Reproducer: printf x > a; ln a b; exec 3<b; python3 -c 'import os;
 *     os.rename("a", "b")'; ls (b, and a .fuse_hidden* until exec 3<&-).
 *     While tolerated, such a rename may do either. */
static int known_ntfs3g(void) { return vs.ntfs3g && !strict; }

/* ------------------------------------------------------------------------ */
/* The model.                                                                */

enum { T_FREE, T_REG, T_DIR };

struct inode {
    int type;
    int nlink;          /* visible names (a file) */
    int opens;          /* descriptor slots on it */
    int linkable;       /* O_TMPFILE without O_EXCL, not linked yet (the kernel's I_LINKABLE) */
    int hidden;         /* fuse_hide: names lost while open, each maybe a .fuse_hidden* */
    int hid_dir[MAX_OPS];
    int maybe_hidden;   /* a directory: .fuse_hidden* files it may hold */
    unsigned len, seed; /* content */
    ino_t ino;          /* st_ino once seen (ino_stable) */
    int ino_known;
    ino_t step_ino;     /* st_ino seen in this step's check */
    int step_seen;
};

struct dent {
    int live;
    int parent; /* directory inode */
    int ino;
    char name[4];
};

struct slot {
    int fd; /* -1: empty */
    int ino;
};

static struct inode I[MAXI];
static int ni;
static struct dent D[MAXD];
static int nd;
static struct slot S[NSLOTS];

static int new_inode(int type)
{
    int i = ni++;
    memset(&I[i], 0, sizeof I[i]);
    I[i].type = type;
    return i;
}

static void add_name(int dir, const char *name, int ino)
{
    int d = nd++;
    D[d].live = 1;
    D[d].parent = dir;
    D[d].ino = ino;
    snprintf(D[d].name, sizeof D[d].name, "%s", name);
    if (I[ino].type == T_REG)
        I[ino].nlink++;
}

static int lookup(int dir, const char *name)
{
    for (int d = 0; d < nd; d++)
        if (D[d].live && D[d].parent == dir && strcmp(D[d].name, name) == 0)
            return d;
    return -1;
}

static int dent_of_dir(int ino)
{
    for (int d = 0; d < nd; d++)
        if (D[d].live && D[d].ino == ino)
            return d;
    return -1;
}

static int parent_of_dir(int ino) { return ino == 0 ? -1 : D[dent_of_dir(ino)].parent; }

/* 1 if directory inode x is anc or inside it. */
static int inside(int x, int anc)
{
    for (; x >= 0; x = parent_of_dir(x))
        if (x == anc)
            return 1;
    return 0;
}

static int children(int dir, int dirs_only)
{
    int n = 0;
    for (int d = 0; d < nd; d++)
        if (D[d].live && D[d].parent == dir && (!dirs_only || I[D[d].ino].type == T_DIR))
            n++;
    return n;
}

static void path_of(int d, char *buf, size_t cap)
{
    if (D[d].parent == 0) {
        snprintf(buf, cap, "%s", D[d].name);
        return;
    }
    path_of(dent_of_dir(D[d].parent), buf, cap);
    size_t n = strlen(buf);
    snprintf(buf + n, cap - n, "/%s", D[d].name);
}

/* Resolve one of the names: 0 with *dir the parent directory, *d the entry
 * (-1 if none) and *base the last component; or the errno a lookup of a
 * directory on the way gives (ENOENT missing, ENOTDIR a file). */
static int resolve(const char *path, int *dir, int *d, const char **base)
{
    int cur = 0;
    const char *p = path, *slash;
    while ((slash = strchr(p, '/'))) {
        char comp[8];
        snprintf(comp, sizeof comp, "%.*s", (int)(slash - p), p);
        int e = lookup(cur, comp);
        if (e < 0)
            return ENOENT;
        if (I[D[e].ino].type != T_DIR)
            return ENOTDIR;
        cur = D[e].ino;
        p = slash + 1;
    }
    *dir = cur;
    *base = p;
    *d = lookup(cur, p);
    return 0;
}

/* A name goes away (unlink, rmdir, replaced by rename). */
static void drop_name(int d)
{
    int i = D[d].ino;
    D[d].live = 0;
    if (I[i].type == T_DIR) {
        I[i].type = T_FREE;
        return;
    }
    I[i].nlink--;
    if (vs.fuse_hide && I[i].opens) {
        I[i].hid_dir[I[i].hidden++] = D[d].parent;
        I[D[d].parent].maybe_hidden++;
    }
    if (I[i].nlink == 0 && !I[i].opens)
        I[i].type = T_FREE;
}

static void slot_close_model(int s)
{
    int i = S[s].ino;
    S[s].fd = -1;
    if (--I[i].opens)
        return;
    for (int h = 0; h < I[i].hidden; h++) /* libfuse removes the hidden names at release */
        I[I[i].hid_dir[h]].maybe_hidden--;
    I[i].hidden = 0;
    if (I[i].nlink == 0)
        I[i].type = T_FREE;
}

/* fuse_async: the release may not have happened yet; hidden names stay
 * possible until finish() removes them. */
static void slot_close_model_async(int s)
{
    int i = S[s].ino;
    S[s].fd = -1;
    --I[i].opens;
}

static int dir_nlink(int dir) { return vs.dir_nlink == DIRN_ONE ? 1 : 2 + children(dir, 1); }

/* ------------------------------------------------------------------------ */
/* Contents: byte i of content (len, seed) is a function of both.            */

static unsigned char cbuf[MAX_CONTENT + 1], rbuf[MAX_CONTENT + 2];

static void gen(unsigned len, unsigned seed)
{
    for (unsigned i = 0; i < len; i++)
        cbuf[i] = (unsigned char)(seed * 0x3d + i * 0x9d + (i >> 8) * 7 + (seed >> 8));
}

/* ------------------------------------------------------------------------ */
/* Operations, expectations, the trace.                                      */

enum {
    K_CREATE, K_WRITE, K_LINK, K_UNLINK, K_RENAME, K_MKDIR, K_RMDIR, K_TMPFILE, K_OPEN, K_LINKFD,
    K_WRITEFD, K_CLOSE
};
static const char *const kind_name[] = {"create", "write", "link", "unlink", "rename", "mkdir", "rmdir",
                                         "tmpfile", "open", "linkfd", "writefd", "close"};
/* low nibble of the op byte; links and renames weigh double */
static const int kind_of[16] = {K_CREATE, K_WRITE,   K_LINK,  K_UNLINK, K_RENAME, K_MKDIR, K_RMDIR, K_TMPFILE,
                                K_OPEN,   K_LINKFD,  K_WRITEFD, K_CLOSE, K_LINK,  K_RENAME, K_LINKFD, K_CREATE};

struct op {
    int kind, v, a, b, c;
};

struct expect {
    int hl;  /* codes are hl_status, else errno (0: success) */
    int n;
    int v[8];
};

struct step {
    struct op op;
    struct expect ex;
    int seen;
    int fd;         /* the descriptor a slot op used */
    int closed_fd;  /* tmpfile/open on a full slot: the descriptor closed first */
    int skipped;    /* 1: a slot op on an empty slot; 2-4: a known divergence not run */
};

static struct step trace[MAX_OPS];
static int nsteps;
static char hl_msg[HL_MESSAGE_MAX];

static void ex_add(struct expect *e, int code)
{
    for (int i = 0; i < e->n; i++)
        if (e->v[i] == code)
            return;
    e->v[e->n++] = code;
}

static int ex_has(const struct expect *e, int code)
{
    for (int i = 0; i < e->n; i++)
        if (e->v[i] == code)
            return 1;
    return 0;
}

static const char *errname(int e)
{
    switch (e) {
    case 0: return "success";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case EXDEV: return "EXDEV";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    default: return hl_errno_name(e);
    }
}

static const char *code_name(int hl, int code) { return hl ? hl_status_name((hl_status)code) : errname(code); }

static unsigned content_len(int c) { return c & 0x80 ? (unsigned)((c & 0x1f) + 1) * 509 : (unsigned)(c & 0x1f); }
static unsigned content_seed(int step, int c) { return (unsigned)(step * 4 + ((c >> 5) & 3) + 1); }
static const char *tmpdir_name(int b) { return b & 8 ? "." : names[b & 7]; }

static void describe(int k, char *buf, size_t cap)
{
    const struct op *o = &trace[k].op;
    static const char *const lflags[] = {"0", "HL_FOLLOW", "HL_BENEATH", "HL_FOLLOW|HL_BENEATH"};
    static const char *const rflags[] = {"0", "0", "RENAME_NOREPLACE", "RENAME_EXCHANGE"};
    static const char *const how[] = {"hl_create_at HL_FOLLOW", "hl_create_at HL_FOLLOW|HL_BENEATH",
                                      "hl_create_at no flags", "linkat AT_EMPTY_PATH"};
    switch (o->kind) {
    case K_CREATE:
        snprintf(buf, cap, "create \"%s\"%s, %u bytes", names[o->a], o->v & 1 ? " O_EXCL" : "",
                 content_len(o->c));
        break;
    case K_WRITE:
        snprintf(buf, cap, "write \"%s\" O_TRUNC, %u bytes", names[o->a], content_len(o->c));
        break;
    case K_LINK:
        snprintf(buf, cap, "hl_create_at(new \"%s\", existing \"%s\", flags %s, max_links %d)", names[o->a],
                 names[o->b], lflags[o->v & 3], (o->v >> 2) & 3);
        break;
    case K_UNLINK:
    case K_MKDIR:
    case K_RMDIR:
        snprintf(buf, cap, "%s \"%s\"", kind_name[o->kind], names[o->a]);
        break;
    case K_RENAME:
        snprintf(buf, cap, "renameat2(\"%s\", \"%s\", %s)", names[o->a], names[o->b], rflags[o->v & 3]);
        break;
    case K_TMPFILE:
        snprintf(buf, cap, "slot %d = open(\"%s\", O_TMPFILE%s) -> fd %d, %u bytes", o->a, tmpdir_name(o->b),
                 o->v & 1 ? "|O_EXCL" : "", trace[k].fd, content_len(o->c));
        break;
    case K_OPEN:
        snprintf(buf, cap, "slot %d = open(\"%s\", O_RDWR) -> fd %d", o->a, names[o->b], trace[k].fd);
        break;
    case K_LINKFD:
        snprintf(buf, cap, "link slot %d (fd %d) as \"%s\" by %s", o->a, trace[k].fd, names[o->b], how[o->v & 3]);
        break;
    case K_WRITEFD:
        snprintf(buf, cap, "write slot %d (fd %d) O_TRUNC, %u bytes", o->a, trace[k].fd, content_len(o->c));
        break;
    case K_CLOSE:
        snprintf(buf, cap, "close slot %d (fd %d)", o->a, trace[k].fd);
        break;
    }
}

static void expect_str(const struct expect *e, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < e->n && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? " or " : "", code_name(e->hl, e->v[i]));
}

/* ------------------------------------------------------------------------ */
/* The sandbox.                                                              */

static char sandbox[4096];
static int dirfd_ = -1;
static int made_sandbox;

/* Remove everything beneath directory dfd; never follows a symlink. */
static void wipe_dir(int dfd, int depth)
{
    for (int pass = 0; pass < 4; pass++) {
        int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
        if (!dir) {
            if (fd >= 0)
                close(fd);
            return;
        }
        struct dirent *e;
        int left = 0;
        while ((e = readdir(dir))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            left++;
            if (unlinkat(dfd, e->d_name, 0) == 0 || depth > 16)
                continue;
            int sub = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0) {
                wipe_dir(sub, depth + 1);
                close(sub);
            }
            unlinkat(dfd, e->d_name, AT_REMOVEDIR);
        }
        closedir(dir);
        if (!left)
            return;
    }
}

/* A descriptor open for the moment (create, write, a content check): closed
 * before the sandbox is wiped, or FUSE would keep its file as .fuse_hidden*. */
static int tfd = -1;

static void tclose(void)
{
    if (tfd >= 0)
        close(tfd);
    tfd = -1;
}

static void close_slots(void)
{
    tclose();
    for (int s = 0; s < NSLOTS; s++)
        if (S[s].fd >= 0) {
            close(S[s].fd);
            S[s].fd = -1;
        }
}

static void remove_sandbox(void)
{
    close_slots();
    if (dirfd_ >= 0) {
        wipe_dir(dirfd_, 0);
        close(dirfd_);
        dirfd_ = -1;
    }
    if (made_sandbox && rmdir(sandbox) != 0)
        fprintf(stderr, "fuzz_ops: cannot remove %s: %s\n", sandbox, strerror(errno));
    made_sandbox = 0;
}

/* ------------------------------------------------------------------------ */
/* A divergence: the trace, then a trap.                                     */

static int cur_step; /* -1: the final checks */

__attribute__((format(printf, 1, 2), noreturn)) static void diverge(const char *fmt, ...)
{
    char line[512], ex[160];
    fprintf(stderr, "\n==== fuzz_ops: DIVERGENCE on %s (%s, mounted on %s), sandbox %s\n", vs.vol.name,
            vs.vol.fstype, vs.vol.mount_point, sandbox);
    fprintf(stderr, "operations (each run starts in an empty directory):\n");
    for (int k = 0; k < nsteps; k++) {
        describe(k, line, sizeof line);
        if (trace[k].closed_fd >= 0)
            fprintf(stderr, "  #%-2d close slot %d (fd %d), to reuse it\n", k, trace[k].op.a, trace[k].closed_fd);
        if (trace[k].skipped) {
            fprintf(stderr, "  #%-2d %s: %s\n", k, line,
                    trace[k].skipped == 1   ? "empty slot, skipped"
                    : trace[k].skipped == 2 ? "skipped (fusefat known divergence 3)"
                    : trace[k].skipped == 3 ? "skipped (fusefat known divergence 4)"
                                            : "skipped (fusefat known divergence 5)");
            continue;
        }
        expect_str(&trace[k].ex, ex, sizeof ex);
        fprintf(stderr, "  #%-2d %s -> %s (expected %s)%s\n", k, line, code_name(trace[k].ex.hl, trace[k].seen),
                ex, k == cur_step ? "   <==" : "");
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (cur_step >= 0)
        fprintf(stderr, "at step #%d: %s\n", cur_step, line);
    else
        fprintf(stderr, "at the end of the run: %s\n", line);
    if (hl_msg[0])
        fprintf(stderr, "libhl said: %s\n", hl_msg);
    fprintf(stderr, "====\n");
    remove_sandbox();
    __builtin_trap();
}

/* ------------------------------------------------------------------------ */
/* Checks of the real state against the model.                               */

static int stamp;

static void note_ino(int i, ino_t ino, const char *what)
{
    struct inode *n = &I[i];
    if (n->step_seen == stamp && n->step_ino != ino)
        diverge("%s: st_ino %llu, but another name of the same model inode has st_ino %llu", what,
                (unsigned long long)ino, (unsigned long long)n->step_ino);
    n->step_seen = stamp;
    n->step_ino = ino;
    if (vs.ino_stable) {
        if (n->ino_known && n->ino != ino)
            diverge("%s: st_ino %llu, earlier %llu for the same model inode", what, (unsigned long long)ino,
                    (unsigned long long)n->ino);
        n->ino = ino;
        n->ino_known = 1;
    }
}

static void check_file_stat(int i, const struct stat *st, const char *what)
{
    if (!S_ISREG(st->st_mode))
        diverge("%s: expected a regular file, seen mode 0%o", what, (unsigned)st->st_mode);
    long lo = I[i].nlink, hi = I[i].nlink + I[i].hidden;
    if ((long)st->st_nlink < lo || (long)st->st_nlink > hi) {
        if (lo == hi)
            diverge("%s: expected nlink %ld, seen %ld", what, lo, (long)st->st_nlink);
        diverge("%s: expected nlink %ld to %ld (fuse hidden names), seen %ld", what, lo, hi, (long)st->st_nlink);
    }
    if ((unsigned long long)st->st_size != I[i].len)
        diverge("%s: expected size %u, seen %lld", what, I[i].len, (long long)st->st_size);
    note_ino(i, st->st_ino, what);
}

static void check_state(void)
{
    char path[64], what[96];
    struct stat st;
    stamp++;
    if (fstat(dirfd_, &st) != 0)
        diverge("fstat of the sandbox: %s", strerror(errno));
    if ((long)st.st_nlink != dir_nlink(0))
        diverge("the sandbox directory: expected nlink %d, seen %ld", dir_nlink(0), (long)st.st_nlink);
    for (int d = 0; d < nd; d++) {
        if (!D[d].live)
            continue;
        int i = D[d].ino;
        path_of(d, path, sizeof path);
        snprintf(what, sizeof what, "lstat \"%s\"", path);
        if (fstatat(dirfd_, path, &st, AT_SYMLINK_NOFOLLOW) != 0)
            diverge("%s: expected %s, seen %s", what, I[i].type == T_DIR ? "a directory" : "a regular file",
                    errname(errno));
        if (I[i].type == T_DIR) {
            if (!S_ISDIR(st.st_mode))
                diverge("%s: expected a directory, seen mode 0%o", what, (unsigned)st.st_mode);
            if ((long)st.st_nlink != dir_nlink(i))
                diverge("%s: expected directory nlink %d, seen %ld", what, dir_nlink(i), (long)st.st_nlink);
            note_ino(i, st.st_ino, what);
        } else {
            check_file_stat(i, &st, what);
        }
    }
    for (int k = 0; k < NNAMES; k++) {
        int dir, d;
        const char *base;
        int e = resolve(names[k], &dir, &d, &base);
        if (!e && d >= 0)
            continue; /* checked above */
        if (!e)
            e = ENOENT;
        if (fstatat(dirfd_, names[k], &st, AT_SYMLINK_NOFOLLOW) == 0)
            diverge("lstat \"%s\": expected %s, but it exists (mode 0%o, nlink %ld)", names[k], errname(e),
                    (unsigned)st.st_mode, (long)st.st_nlink);
        if (errno != e)
            diverge("lstat \"%s\": expected %s, seen %s", names[k], errname(e), errname(errno));
    }
    for (int s = 0; s < NSLOTS; s++) {
        if (S[s].fd < 0)
            continue;
        snprintf(what, sizeof what, "fstat slot %d (fd %d)", s, S[s].fd);
        if (fstat(S[s].fd, &st) != 0)
            diverge("%s: %s", what, strerror(errno));
        check_file_stat(S[s].ino, &st, what);
    }
    /* different live model inodes, different st_ino */
    for (int i = 0; i < ni; i++)
        for (int j = i + 1; j < ni && I[i].step_seen == stamp; j++)
            if (I[j].step_seen == stamp && I[i].step_ino == I[j].step_ino)
                diverge("two different model inodes (#%d, #%d) share st_ino %llu", i, j,
                        (unsigned long long)I[i].step_ino);
}

static void check_content_fd(int fd, int i, const char *what)
{
    size_t got = 0;
    ssize_t r;
    while (got < sizeof rbuf && (r = pread(fd, rbuf + got, sizeof rbuf - got, (off_t)got)) > 0)
        got += (size_t)r;
    gen(I[i].len, I[i].seed);
    if (got != I[i].len)
        diverge("%s: expected %u bytes of content, read %zu", what, I[i].len, got);
    if (memcmp(rbuf, cbuf, got) != 0) {
        size_t at = 0;
        while (rbuf[at] == cbuf[at])
            at++;
        diverge("%s: content differs at byte %zu (expected 0x%02x, read 0x%02x)", what, at, cbuf[at], rbuf[at]);
    }
}

static void check_content(int i)
{
    char path[64], what[96];
    if (I[i].type != T_REG)
        return;
    for (int d = 0; d < nd; d++)
        if (D[d].live && D[d].ino == i) {
            path_of(d, path, sizeof path);
            snprintf(what, sizeof what, "content of \"%s\"", path);
            tfd = openat(dirfd_, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
            if (tfd < 0)
                diverge("%s: open: %s", what, strerror(errno));
            if (known_ntfs3g()) /* ntfs-3g divergence 1: read what ntfs-3g stored, not this name's cache */
                posix_fadvise(tfd, 0, 0, POSIX_FADV_DONTNEED);
            check_content_fd(tfd, i, what);
            tclose();
            return;
        }
    for (int s = 0; s < NSLOTS; s++)
        if (S[s].fd >= 0 && S[s].ino == i) {
            snprintf(what, sizeof what, "content through slot %d (fd %d)", s, S[s].fd);
            check_content_fd(S[s].fd, i, what);
            return;
        }
}

/* The listing of directory inode dir (path "." for the root) against the model. */
static void check_listing(int dir, const char *path)
{
    int fd = openat(dirfd_, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
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
        if (I[dir].maybe_hidden && strncmp(e->d_name, ".fuse_hidden", 12) == 0)
            continue;
        if (lookup(dir, e->d_name) >= 0)
            seen++;
        else if (!extra[0])
            snprintf(extra, sizeof extra, "%s", e->d_name);
    }
    closedir(dp);
    if (extra[0])
        diverge("listing \"%s\": an entry the model does not have: \"%s\"", path, extra);
    if (seen != children(dir, 0))
        diverge("listing \"%s\": %d entries of the model's %d", path, seen, children(dir, 0));
}

/* ------------------------------------------------------------------------ */
/* Running one operation.                                                    */

static void outcome(struct step *st, int seen)
{
    st->seen = seen;
    if (!ex_has(&st->ex, seen)) {
        char ex[160];
        expect_str(&st->ex, ex, sizeof ex);
        diverge("status: expected %s, seen %s", ex, code_name(st->ex.hl, seen));
    }
}

static void write_content(int fd, unsigned len, unsigned seed, int truncate, const char *what)
{
    gen(len, seed);
    if (truncate && ftruncate(fd, 0) != 0)
        diverge("%s: ftruncate: %s", what, strerror(errno));
    size_t done = 0;
    while (done < len) {
        ssize_t r = pwrite(fd, cbuf + done, len - done, (off_t)done);
        if (r <= 0)
            diverge("%s: pwrite: %s", what, r < 0 ? strerror(errno) : "wrote nothing");
        done += (size_t)r;
    }
}

/* The failures a path of the model resolves to (errno), as the source or the
 * new name of a link they are hl statuses. */
static int link_status_of(int e) { return e == ENOENT ? HL_ERR_PATH_NOT_FOUND : HL_ERR_NOT_DIRECTORY; }

static void touch(int *t, int i)
{
    if (i >= 0 && (t[0] < 0 || t[0] == i))
        t[0] = i;
    else if (i >= 0)
        t[1] = i;
}

static void run_op(int k)
{
    struct step *st = &trace[k];
    const struct op *o = &st->op;
    struct expect *ex = &st->ex;
    int dir = 0, d = -1, dir2 = 0, d2 = -1, e, e2, fd;
    const char *base = "", *base2 = "";
    int touched[2] = {-1, -1};
    hl_msg[0] = '\0';
    ex->hl = 0;
    ex->n = 0;
    st->fd = -1;
    st->closed_fd = -1;
    st->skipped = 0;
    switch (o->kind) {
    case K_CREATE:
    case K_WRITE: {
        int create = o->kind == K_CREATE, excl = create && (o->v & 1);
        e = resolve(names[o->a], &dir, &d, &base);
        if (known_fusefat() && !e && d >= 0 && !excl && I[D[d].ino].type == T_REG && I[D[d].ino].len) {
            st->skipped = 3; /* fusefat divergence 4 */
            return;
        }
        if (e)
            ex_add(ex, e);
        else if (d < 0)
            ex_add(ex, create ? 0 : ENOENT);
        else if (excl)
            ex_add(ex, EEXIST);
        else
            ex_add(ex, I[D[d].ino].type == T_DIR ? EISDIR : 0);
        tfd = fd = openat(dirfd_, names[o->a],
                    O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | (create ? O_CREAT : 0) | (excl ? O_EXCL : 0),
                    0644);
        outcome(st, fd >= 0 ? 0 : errno);
        if (fd < 0)
            break;
        if (d < 0) {
            int i = new_inode(T_REG);
            add_name(dir, base, i);
            d = nd - 1;
        }
        int i = D[d].ino;
        I[i].len = content_len(o->c);
        I[i].seed = content_seed(k, o->c);
        write_content(fd, I[i].len, I[i].seed, 0, names[o->a]);
        tclose();
        touch(touched, i);
        break;
    }
    case K_LINK: {
        unsigned flags = (unsigned)o->v & 3;
        int maxl = (o->v >> 2) & 3;
        ex->hl = 1;
        e = resolve(names[o->b], &dir, &d, &base);   /* the existing file */
        e2 = resolve(names[o->a], &dir2, &d2, &base2); /* the new name */
        if (e)
            ex_add(ex, link_status_of(e));
        else if (d < 0)
            ex_add(ex, HL_ERR_NOT_FOUND);
        if (e2)
            ex_add(ex, link_status_of(e2));
        else if (d2 >= 0)
            ex_add(ex, HL_ERR_EXISTS);
        if (!e && d >= 0) {
            int i = D[d].ino;
            if (I[i].type == T_DIR)
                ex_add(ex, HL_ERR_IS_DIRECTORY);
            else {
                if (!vs.links)
                    ex_add(ex, HL_ERR_NOT_SUPPORTED);
                if (maxl && I[i].nlink >= maxl)
                    ex_add(ex, HL_ERR_TOO_MANY_LINKS);
                else if (maxl && I[i].nlink + I[i].hidden >= maxl) {
                    /* fuse_hide: the policy's stat may count .fuse_hidden* names */
                    ex_add(ex, HL_ERR_TOO_MANY_LINKS);
                    if (ex->n == 1)
                        ex_add(ex, HL_OK);
                }
            }
        }
        if (!ex->n)
            ex_add(ex, HL_OK);
        hl_options opt = {flags, (unsigned long)maxl};
        hl_error err;
        hl_status s = hl_create_at(dirfd_, names[o->a], names[o->b], &opt, &err);
        snprintf(hl_msg, sizeof hl_msg, "%s", err.message);
        outcome(st, s);
        if (s == HL_OK) {
            add_name(dir2, base2, D[d].ino);
            touch(touched, D[d].ino);
        }
        break;
    }
    case K_UNLINK:
    case K_RMDIR: {
        int rm = o->kind == K_RMDIR;
        e = resolve(names[o->a], &dir, &d, &base);
        if (e)
            ex_add(ex, e);
        else if (d < 0)
            ex_add(ex, ENOENT);
        else if (!rm)
            ex_add(ex, I[D[d].ino].type == T_DIR ? EISDIR : 0);
        else if (I[D[d].ino].type != T_DIR)
            ex_add(ex, ENOTDIR);
        else if (children(D[d].ino, 0)) {
            ex_add(ex, ENOTEMPTY);
            if (known_fusefat())
                ex_add(ex, EPERM);
        } else {
            ex_add(ex, 0);
            if (I[D[d].ino].maybe_hidden)
                ex_add(ex, ENOTEMPTY);
        }
        int r = unlinkat(dirfd_, names[o->a], rm ? AT_REMOVEDIR : 0);
        outcome(st, r == 0 ? 0 : errno);
        if (r == 0)
            drop_name(d);
        break;
    }
    case K_MKDIR:
        e = resolve(names[o->a], &dir, &d, &base);
        ex_add(ex, e ? e : d >= 0 ? EEXIST : 0);
        if (mkdirat(dirfd_, names[o->a], 0755) == 0) {
            outcome(st, 0);
            add_name(dir, base, new_inode(T_DIR));
        } else {
            outcome(st, errno);
        }
        break;
    case K_RENAME: {
        int mode = o->v & 3, flags = mode == 2 ? RENAME_NOREPLACE : mode == 3 ? RENAME_EXCHANGE : 0;
        int ok = 0; /* 1 move, 2 exchange, 3 nothing to do */
        e = resolve(names[o->a], &dir, &d, &base);
        e2 = resolve(names[o->b], &dir2, &d2, &base2);
        if (known_fusefat() && !e && d >= 0 && I[D[d].ino].type == T_DIR && children(D[d].ino, 0)) {
            st->skipped = 2; /* fusefat divergence 3 */
            return;
        }
        if (e)
            ex_add(ex, e);
        else if (d < 0)
            ex_add(ex, ENOENT);
        if (e2)
            ex_add(ex, e2);
        if (!ex->n) {
            int i = D[d].ino, isdir = I[i].type == T_DIR;
            if (d2 >= 0) {
                int j = D[d2].ino, jdir = I[j].type == T_DIR;
                if (flags == RENAME_NOREPLACE)
                    ex_add(ex, EEXIST);
                else if (i == j)
                    ok = 3; /* the same file (one name, or two links): rename does nothing */
                else if (flags == RENAME_EXCHANGE) {
                    if ((isdir && inside(dir2, i)) || (jdir && inside(dir, j)))
                        ex_add(ex, EINVAL);
                    else
                        ok = 2;
                } else {
                    if (jdir && inside(dir, j)) /* the new name is an ancestor of the old */
                        ex_add(ex, ENOTEMPTY);
                    if (isdir && inside(dir2, i))
                        ex_add(ex, EINVAL);
                    if (isdir && !jdir)
                        ex_add(ex, ENOTDIR);
                    if (!isdir && jdir)
                        ex_add(ex, EISDIR);
                    if (isdir && jdir && children(j, 0))
                        ex_add(ex, ENOTEMPTY);
                    if (isdir && jdir && known_fusefat())
                        ex_add(ex, EPERM);
                    if (!ex->n) {
                        ok = 1;
                        if (jdir && I[j].maybe_hidden)
                            ex_add(ex, ENOTEMPTY);
                    }
                }
            } else if (flags == RENAME_EXCHANGE)
                ex_add(ex, ENOENT);
            else if (isdir && inside(dir2, i))
                ex_add(ex, EINVAL);
            else
                ok = 1;
        }
        if ((flags == RENAME_NOREPLACE && !vs.noreplace_ok) || (flags == RENAME_EXCHANGE && !vs.exchange_ok)) {
            /* the filesystem refuses the flag once the VFS has no objection */
            if (ok == 1 || ok == 2)
                ok = 0;
            /* ok 3 (two names of one file): the VFS does nothing before the flag
             * reaches the filesystem; but libfuse's high-level nodes are per name,
             * so on FUSE two links are two kernel inodes and the daemon refuses */
            if (ok != 3 || vs.fuse_hide)
                ex_add(ex, EINVAL);
        }
        if (ok)
            ex_add(ex, 0);
        int r = renameat2(dirfd_, names[o->a], dirfd_, names[o->b], (unsigned)flags);
        outcome(st, r == 0 ? 0 : errno);
        if (r == 0 && ok == 3 && d != d2 && I[D[d].ino].opens && known_ntfs3g()) {
            struct stat sb; /* ntfs-3g divergence 2: did the old name go? */
            if (fstatat(dirfd_, names[o->a], &sb, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT)
                ok = 1;
        }
        if (r != 0 || ok == 3)
            break;
        if (ok == 2) {
            int t = D[d].ino;
            D[d].ino = D[d2].ino;
            D[d2].ino = t;
        } else {
            if (d2 >= 0)
                drop_name(d2);
            D[d].parent = dir2;
            snprintf(D[d].name, sizeof D[d].name, "%s", base2);
        }
        touch(touched, D[d].ino);
        if (ok == 2)
            touch(touched, D[d2].ino);
        break;
    }
    case K_TMPFILE:
    case K_OPEN: {
        int s = o->a & 1, tmp = o->kind == K_TMPFILE, excl = tmp && (o->v & 1);
        if (S[s].fd >= 0) { /* the slot is reused: its file is closed first */
            st->closed_fd = S[s].fd;
            close(S[s].fd);
            if (vs.fuse_async)
                slot_close_model_async(s);
            else
                slot_close_model(s);
        }
        const char *path = tmp ? tmpdir_name(o->b) : names[o->b & 7];
        if (strcmp(path, ".") == 0) {
            e = 0;
            d = -2;
        } else {
            e = resolve(path, &dir, &d, &base);
        }
        if (e)
            ex_add(ex, e);
        else if (d == -1)
            ex_add(ex, ENOENT);
        else if (tmp)
            ex_add(ex, d >= 0 && I[D[d].ino].type != T_DIR ? ENOTDIR : vs.tmpfile_errno);
        else
            ex_add(ex, I[D[d].ino].type == T_DIR ? EISDIR : 0);
        fd = tmp ? openat(dirfd_, path, O_TMPFILE | O_RDWR | O_CLOEXEC | (excl ? O_EXCL : 0), 0600)
                 : openat(dirfd_, path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        st->fd = fd;
        if (fd >= 0)
            S[s].fd = fd; /* closed by a wipe if the outcome diverges */
        outcome(st, fd >= 0 ? 0 : errno);
        if (fd < 0)
            break;
        if (tmp) {
            int i = new_inode(T_REG);
            I[i].linkable = !excl;
            I[i].len = content_len(o->c);
            I[i].seed = content_seed(k, o->c);
            write_content(fd, I[i].len, I[i].seed, 0, "O_TMPFILE file");
            S[s].ino = i;
        } else {
            S[s].ino = D[d].ino;
        }
        I[S[s].ino].opens++;
        touch(touched, S[s].ino);
        break;
    }
    case K_LINKFD: {
        int s = o->a & 1, how = o->v & 3;
        st->fd = S[s].fd;
        if (S[s].fd < 0) {
            st->skipped = 1;
            return;
        }
        int i = S[s].ino;
        ex->hl = how != 3;
        e2 = resolve(names[o->b], &dir2, &d2, &base2);
        if (how == 1) {
            ex_add(ex, HL_ERR_ESCAPE); /* HL_BENEATH refuses an absolute path outright */
        } else {
            if (e2)
                ex_add(ex, ex->hl ? link_status_of(e2) : e2);
            else if (d2 >= 0)
                ex_add(ex, ex->hl ? HL_ERR_EXISTS : EEXIST);
            if (how == 2) { /* the magic link itself, on procfs */
                if (!ex->n)
                    ex_add(ex, HL_ERR_CROSS_DEVICE);
            } else {
                int name_failed = ex->n;
                if (!vs.links)
                    ex_add(ex, ex->hl ? HL_ERR_NOT_SUPPORTED : EPERM);
                if (I[i].nlink == 0 && !I[i].linkable) {
                    ex_add(ex, ex->hl ? HL_ERR_NOT_FOUND : ENOENT);
                    /* fuse_hide: a name kept as .fuse_hidden* may keep it linkable */
                    if (vs.fuse_hide && I[i].hidden && vs.links && !name_failed)
                        ex_add(ex, 0);
                }
                if (!ex->n)
                    ex_add(ex, 0);
            }
        }
        int r;
        if (how == 3) {
            r = linkat(S[s].fd, "", dirfd_, names[o->b], AT_EMPTY_PATH) == 0 ? 0 : errno;
        } else {
            char proc[32];
            snprintf(proc, sizeof proc, "/proc/self/fd/%d", S[s].fd);
            hl_options opt = {how == 0 ? HL_FOLLOW : how == 1 ? HL_FOLLOW | HL_BENEATH : 0, 0};
            hl_error err;
            r = hl_create_at(dirfd_, names[o->b], proc, &opt, &err);
            snprintf(hl_msg, sizeof hl_msg, "%s", err.message);
        }
        outcome(st, r);
        if (r == 0) {
            add_name(dir2, base2, i);
            I[i].linkable = 0;
            touch(touched, i);
        }
        break;
    }
    case K_WRITEFD: {
        int s = o->a & 1;
        st->fd = S[s].fd;
        if (S[s].fd < 0) {
            st->skipped = 1;
            return;
        }
        int i = S[s].ino;
        if (known_fusefat() && (I[i].len || I[i].hidden)) {
            st->skipped = I[i].hidden ? 4 : 3; /* fusefat divergence 5, 4 */
            return;
        }
        ex_add(ex, 0);
        outcome(st, 0);
        I[i].len = content_len(o->c);
        I[i].seed = content_seed(k, o->c);
        write_content(S[s].fd, I[i].len, I[i].seed, 1, "slot");
        touch(touched, i);
        break;
    }
    case K_CLOSE: {
        int s = o->a & 1;
        st->fd = S[s].fd;
        if (S[s].fd < 0) {
            st->skipped = 1;
            return;
        }
        ex_add(ex, 0);
        int i = S[s].ino;
        outcome(st, close(S[s].fd) == 0 ? 0 : errno);
        if (vs.fuse_async)
            slot_close_model_async(s);
        else
            slot_close_model(s);
        touch(touched, i);
        break;
    }
    }
    check_state();
    for (int t = 0; t < 2; t++)
        if (touched[t] >= 0)
            check_content(touched[t]);
}

/* fuse_async: the hidden names the releases have not removed yet. */
static void remove_hidden_left(void)
{
    char path[64];
    for (int i = 0; i < ni; i++) {
        if (I[i].type == T_REG && I[i].hidden && !I[i].opens) {
            for (int h = 0; h < I[i].hidden; h++)
                I[I[i].hid_dir[h]].maybe_hidden--;
            I[i].hidden = 0;
            if (I[i].nlink == 0)
                I[i].type = T_FREE;
        }
    }
    for (int d = -1; d < nd; d++) {
        int dir = d < 0 ? 0 : D[d].ino;
        if (d >= 0 && (!D[d].live || I[dir].type != T_DIR))
            continue;
        if (d < 0)
            snprintf(path, sizeof path, ".");
        else
            path_of(d, path, sizeof path);
        int fd = openat(dirfd_, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *dp = fd >= 0 ? fdopendir(fd) : NULL;
        if (!dp) {
            if (fd >= 0)
                close(fd);
            continue;
        }
        struct dirent *e;
        while ((e = readdir(dp)))
            if (strncmp(e->d_name, ".fuse_hidden", 12) == 0)
                unlinkat(dirfd(dp), e->d_name, 0); /* ENOENT: the release came first */
        closedir(dp);
    }
}

/* The end of a run: all contents, close, listings, then remove the model's
 * names, deepest first; the sandbox must be empty after. */
static void finish(void)
{
    char path[64];
    cur_step = -1;
    for (int i = 1; i < ni; i++)
        check_content(i);
    for (int s = 0; s < NSLOTS; s++)
        if (S[s].fd >= 0) {
            if (close(S[s].fd) != 0)
                diverge("close slot %d: %s", s, strerror(errno));
            slot_close_model(s);
        }
    if (vs.fuse_async)
        remove_hidden_left();
    check_state();
    check_listing(0, ".");
    for (int d = 0; d < nd; d++)
        if (D[d].live && I[D[d].ino].type == T_DIR) {
            path_of(d, path, sizeof path);
            check_listing(D[d].ino, path);
        }
    for (int again = 1; again;) {
        again = 0;
        for (int d = nd - 1; d >= 0; d--) {
            if (!D[d].live || (I[D[d].ino].type == T_DIR && children(D[d].ino, 0)))
                continue;
            path_of(d, path, sizeof path);
            if (unlinkat(dirfd_, path, I[D[d].ino].type == T_DIR ? AT_REMOVEDIR : 0) != 0)
                diverge("cleaning up: removing \"%s\": %s", path, strerror(errno));
            drop_name(d);
            again = 1;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Start: the sandbox and the volume's semantics.                            */

static int probe_errno(int r) { return r == 0 ? 0 : errno; }

static void probe_volume(void)
{
    if (hl_volume_probe(sandbox, &vs.vol) != HL_OK) {
        fprintf(stderr, "fuzz_ops: hl_volume_probe(%s) failed\n", sandbox);
        exit(1);
    }
    vs.links = vs.vol.hardlinks != 0;
    vs.fusefat = strcmp(vs.vol.name, "fusefat") == 0;
    vs.ntfs3g = strcmp(vs.vol.name, "ntfs-3g") == 0;
    vs.fuse_hide = vs.vol.magic == 0x65735546; /* FUSE_SUPER_MAGIC */
    vs.fuse_async = vs.fuse_hide && strcmp(vs.vol.fstype, "fuseblk") != 0;
    vs.ino_stable = !vs.fuse_hide || strcmp(vs.vol.name, "ntfs-3g") == 0;
    int fd = openat(dirfd_, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    vs.tmpfile_errno = fd >= 0 ? 0 : errno;
    if (fd >= 0)
        close(fd);
    if (vs.tmpfile_errno && vs.tmpfile_errno != EOPNOTSUPP) {
        fprintf(stderr, "fuzz_ops: O_TMPFILE in %s fails with %s, not EOPNOTSUPP: no model for that\n", sandbox,
                strerror(vs.tmpfile_errno));
        exit(1);
    }
    /* renameat2 flags: tried on a name that does not exist yet, so only the
     * filesystem can refuse them */
    int a = openat(dirfd_, "p", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    int b = openat(dirfd_, "q", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (a < 0 || b < 0) {
        fprintf(stderr, "fuzz_ops: cannot create files in %s: %s\n", sandbox, strerror(errno));
        exit(1);
    }
    close(a);
    close(b);
    int r = probe_errno(renameat2(dirfd_, "p", dirfd_, "r", RENAME_NOREPLACE));
    vs.noreplace_ok = r == 0;
    int r2 = probe_errno(renameat2(dirfd_, vs.noreplace_ok ? "r" : "p", dirfd_, "q", RENAME_EXCHANGE));
    vs.exchange_ok = r2 == 0;
    if ((r && r != EINVAL) || (r2 && r2 != EINVAL)) {
        fprintf(stderr, "fuzz_ops: renameat2 flags in %s: %s / %s, not EINVAL: no model for that\n", sandbox,
                strerror(r), strerror(r2));
        exit(1);
    }
    /* directory link counts */
    struct stat st;
    if (mkdirat(dirfd_, "s", 0755) != 0 || mkdirat(dirfd_, "s/t", 0755) != 0 ||
        fstatat(dirfd_, "s", &st, AT_SYMLINK_NOFOLLOW) != 0) {
        fprintf(stderr, "fuzz_ops: cannot make directories in %s: %s\n", sandbox, strerror(errno));
        exit(1);
    }
    if (st.st_nlink == 3)
        vs.dir_nlink = DIRN_SUBDIRS;
    else if (st.st_nlink == 1)
        vs.dir_nlink = DIRN_ONE;
    else {
        fprintf(stderr, "fuzz_ops: a directory with one subdirectory has nlink %ld in %s: no model for that\n",
                (long)st.st_nlink, sandbox);
        exit(1);
    }
    wipe_dir(dirfd_, 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *base = getenv("HL_FUZZ_TARGET");
    const char *s = getenv("HL_FUZZ_STRICT");
    strict = s && *s && strcmp(s, "0") != 0;
    if (!base || !*base)
        base = "/tmp";
    snprintf(sandbox, sizeof sandbox, "%s/hlfz.XXXXXX", base);
    if (!mkdtemp(sandbox)) {
        fprintf(stderr, "fuzz_ops: mkdtemp in %s: %s\n", base, strerror(errno));
        exit(1);
    }
    made_sandbox = 1;
    atexit(remove_sandbox);
    dirfd_ = open(sandbox, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd_ < 0) {
        fprintf(stderr, "fuzz_ops: open %s: %s\n", sandbox, strerror(errno));
        exit(1);
    }
    for (int k = 0; k < NSLOTS; k++)
        S[k].fd = -1;
    probe_volume();
    fprintf(stderr,
            "fuzz_ops: sandbox %s on %s (%s): hard links %s, O_TMPFILE %s, RENAME_NOREPLACE %s, "
            "RENAME_EXCHANGE %s, directory nlink %s, st_ino %s%s%s\n",
            sandbox, vs.vol.name, vs.vol.fstype, vs.links ? "yes" : "no (links refused)",
            vs.tmpfile_errno ? "refused" : "yes", vs.noreplace_ok ? "yes" : "refused",
            vs.exchange_ok ? "yes" : "refused", vs.dir_nlink == DIRN_ONE ? "1" : "2+subdirectories",
            vs.ino_stable ? "stable" : "per step", vs.fuse_hide ? ", libfuse .fuse_hidden names allowed" : "",
            known_fusefat() || known_ntfs3g() ? ", known divergences tolerated (HL_FUZZ_STRICT=1: not)" : "");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (dirfd_ < 0)
        return 0;
    ni = nd = 0;
    new_inode(T_DIR); /* the sandbox itself, inode 0 */
    nsteps = 0;
    size_t n = size / 4 > MAX_OPS ? MAX_OPS : size / 4;
    for (size_t k = 0; k < n; k++) {
        const uint8_t *r = data + 4 * k;
        struct op *o = &trace[k].op;
        o->kind = kind_of[r[0] & 15];
        o->v = r[0] >> 4;
        o->a = r[1] & 7;
        o->b = r[2];
        o->c = r[3];
        if (o->kind == K_LINK || o->kind == K_RENAME || o->kind == K_OPEN || o->kind == K_LINKFD)
            o->b &= 7;
        else if (o->kind == K_TMPFILE)
            o->b &= 15;
        if (o->kind >= K_TMPFILE)
            o->a &= 1;
        cur_step = (int)k;
        nsteps = (int)k + 1;
        run_op((int)k);
    }
    finish();
    return 0;
}
