/*
 * testkit: what the unit tests (harness/tests), the conformance cases
 * (cases/) and the fuzz sandboxes (fuzz/) share. Work directories that are
 * made and removed safely, file helpers relative to a directory descriptor,
 * one snapshot type of a directory tree with a diff and a cheap fingerprint,
 * private mount namespaces and bind mounts, becoming nobody and root again,
 * the known-divergence files, probes of the volume under test, and the
 * environment every harness reads (HL_STRICT, HL_TARGET, HL_KNOWN).
 *
 * The core (library hl_testkit: every tk_ function but the three at the end)
 * needs no Criterion: the fuzz targets link it, and OSS-Fuzz has no
 * Criterion. Its functions report failures by return value (0 or an errno)
 * and never end the process. The thin Criterion layer (library
 * hl_testkit_criterion) is the three functions at the end.
 *
 * Not installed, not part of libhl.
 */
#ifndef HL_TESTKIT_H
#define HL_TESTKIT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <hl.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Named buffer sizes: every buffer a caller hands the kit has one of these. */
#define TK_PATH_MAX 4096    /* one path (Linux PATH_MAX) */
#define TK_MSG_MAX 1024     /* one line of explanation */
#define TK_DIFF_MAX 9000    /* what changed between two snapshots (a few paths and numbers) */
#define TK_STATUS_MAX 160   /* "HL_ERR_X (EXXX)" */
#define TK_MOUNTS_MAX 8     /* mounts one test makes */

#define TK_NOBODY 65534 /* uid and gid of nobody */

/* Format a variadic function's arguments (after fmt) into the array buf. */
#define TK_FORMAT(buf, fmt)                                                                        \
    do {                                                                                           \
        va_list tk_ap_;                                                                            \
        va_start(tk_ap_, fmt);                                                                     \
        vsnprintf(buf, sizeof(buf), fmt, tk_ap_);                                                  \
        va_end(tk_ap_);                                                                            \
    } while (0)

/* ------------------------------------------------------------------ environment */

/* HL_STRICT set and not "0": a test that cannot run is a failure. */
int tk_strict(void);

/* Where to run: HL_TARGET; else the deprecated variable `alias` (may be NULL:
 * none), with a one-line note on stderr once per process; else fallback
 * (may be NULL). */
const char *tk_target(const char *alias, const char *fallback);

/* ------------------------------------------------------------------ work directories */

/* Make base/prefix.XXXXXX (mode 0755), open it: its absolute path and an
 * O_DIRECTORY descriptor. 0 or an errno. */
int tk_workdir_make(const char *base, const char *prefix, char path[TK_PATH_MAX], int *dirfd);

/* The end of a work directory: back to root (if the process was), undo the
 * mounts in m (may be NULL), close *dirfd (set to -1), remove the tree and
 * empty path. 0 or the errno of what could not be removed. */
struct tk_mounts;
int tk_workdir_remove(struct tk_mounts *m, char path[TK_PATH_MAX], int *dirfd);

/* Remove `name` (relative to dirfd, or absolute) and everything beneath.
 * Never follows a symlink and never enters another mount; makes
 * directories without write or search permission writable and clears the
 * immutable and append-only flags it meets (both need the owner or root).
 * 0, or the errno of the first thing it could not remove (the rest is
 * removed all the same). */
int tk_remove_tree(int dirfd, const char *name);
/* The same for everything beneath the directory dirfd, which stays. */
int tk_empty_dir(int dirfd);
/* Remove base/prefix.<pid>.* of processes that are gone (a killed fuzzer
 * runs no atexit). Returns how many it removed. */
int tk_remove_stale(const char *base, const char *prefix);

/* ------------------------------------------------------------------ files, relative to a dirfd */

int tk_write(int dirfd, const char *rel, const char *data); /* create or truncate, 0644 */
int tk_write_n(int dirfd, const char *rel, const void *data, size_t n);
int tk_touch(int dirfd, const char *rel);
int tk_mkdir(int dirfd, const char *rel, mode_t mode);
int tk_symlink(int dirfd, const char *target, const char *rel);
int tk_lstat(int dirfd, const char *rel, struct stat *st);
int tk_exists(int dirfd, const char *rel); /* lstat succeeds: 1, else 0 */
/* The whole file, NUL-terminated, in malloc'd memory (*len: its length, may
 * be NULL); NULL with errno set if it cannot be read. */
char *tk_read(int dirfd, const char *rel, size_t *len);
/* A 64-bit hash of a regular file's data (flags: 0 or AT_SYMLINK_NOFOLLOW);
 * the same hash the snapshots keep. 0 or an errno. */
int tk_file_hash(int dirfd, const char *rel, int flags, uint64_t *hash);
/* dir + "/" + rel into out; 0 or ENAMETOOLONG. */
int tk_join(char out[TK_PATH_MAX], const char *dir, const char *rel);

/* ------------------------------------------------------------------ snapshots */

/* One name in a tree, with what a link or an unlink can change. */
typedef struct tk_entry {
    char *path;                  /* relative to the root: "" is the root itself, then "a", "a/b" */
    unsigned long long dev, ino; /* st_dev, st_ino */
    unsigned long long nlink;    /* the link count */
    unsigned long long size;     /* 0 for a directory (its size follows its entries) */
    unsigned type;               /* st_mode & S_IFMT */
    unsigned mode;               /* st_mode & 07777 */
    uint64_t hash;               /* of a regular file's data with TK_SNAP_CONTENT, else 0 */
} tk_entry;

/* Every name beneath a directory, sorted by path. */
typedef struct tk_snap {
    char root[TK_PATH_MAX]; /* the directory it is of, for messages */
    unsigned flags;         /* TK_SNAP_* it was taken with */
    int error;              /* 0, or the errno of the first entry that could not be read */
    size_t n, cap;
    tk_entry *e;
} tk_snap;

#define TK_SNAP_CONTENT 1u /* hash every regular file's data */

/* What a comparison leaves out (both the diff and the fingerprint). */
#define TK_IGNORE_INO 1u       /* st_ino and st_dev (across a remount: another device, made-up numbers) */
#define TK_IGNORE_DIR_NLINK 2u /* directories' link counts */
#define TK_IGNORE_MODE 4u      /* permission bits */

/* Take a snapshot of dirfd/path (path may be absolute, or "." for dirfd
 * itself). The walk never follows symlinks and does not enter directories
 * of another device (a mount point is listed as an entry). Taken as root
 * when the process runs as another effective uid but may become root again
 * (tk_become_nobody keeps the saved uid 0): an unprivileged walk cannot see
 * inside the unsearchable directories permission tests make. 0 or an errno
 * (then *s is empty, and tk_snap_free is still fine). */
int tk_snap_take(tk_snap *s, int dirfd, const char *path, unsigned flags);
void tk_snap_free(tk_snap *s);
/* The entry of path, or NULL. */
const tk_entry *tk_snap_find(const tk_snap *s, const char *path);

/* What differs from before to after: how many differences, and as many as
 * fit described in buf ("x now exists; link count of y went from 1 to 2"),
 * paths shown under before->root; "" when none. */
int tk_snap_diff(const tk_snap *before, const tk_snap *after, unsigned ignore, char *buf, size_t size);
/* The same, allowing what one new link to the inode (dev, ino) does: new
 * names of that inode and its link count one higher in every name of it.
 * *new_names (may be NULL): how many names of it appeared. */
int tk_snap_diff_link(const tk_snap *before, const tk_snap *after, unsigned ignore, unsigned long long dev,
                      unsigned long long ino, int *new_names, char *buf, size_t size);

/* An order-independent 64-bit fingerprint of a snapshot: equal for two
 * snapshots that tk_snap_diff finds no difference in (with the same ignore
 * flags), different otherwise with probability 1 - 2^-64. */
uint64_t tk_snap_fingerprint(const tk_snap *s, unsigned ignore);
/* The fingerprint of the tree itself, without keeping a snapshot (no
 * allocation: a periodic check); equal to tk_snap_fingerprint of a snapshot
 * taken with the same flags while the tree is the same. 0 or an errno. */
int tk_tree_fingerprint(int dirfd, const char *path, unsigned flags, unsigned ignore, uint64_t *fp);

/* ------------------------------------------------------------------ mounts and privileges */

/* Enter a mount namespace of this process's own, with every mount private,
 * so that what it mounts vanishes with it. Descriptors opened before see the
 * old namespace: dirfd (if >= 0) is opened again on dir. 0 or an errno
 * (EPERM when not root). */
int tk_private_mounts(const char *dir, int dirfd);

/* The mounts a test made, to undo at its end. */
typedef struct tk_mounts {
    int n;
    char at[TK_MOUNTS_MAX][TK_PATH_MAX];
} tk_mounts;
/* Bind-mount from on to (absolute paths), read-only if asked. 0 or an errno. */
int tk_bind(tk_mounts *m, const char *from, const char *to, int readonly);
/* Mount a filesystem of fstype (source = fstype) on to, creating to. 0 or an errno. */
int tk_mount(tk_mounts *m, const char *fstype, const char *to, const char *opts);
/* Undo every mount in m, last first (lazily: a busy mount goes when released). */
void tk_unmount_all(tk_mounts *m);

/* Become uid and gid nobody (effective ids only, no supplementary groups),
 * keeping the saved uid so tk_become_root can return. 0 or an errno. */
int tk_become_nobody(void);
/* Back to root, if the process was root before. */
void tk_become_root(void);

/* ------------------------------------------------------------------ known divergences */

/* A known divergence: one line "name reason" of a file in cases/known/ (one
 * per driver, named as libhl's probe names it), where name is a case,
 * "family/case", or a fuzz_ops signature, "fuzz_ops/<signature>"; '#'
 * starts a comment line. The cases and fuzz_ops read the same files. */
#define TK_KNOWN_NAME_MAX 192                             /* a name, with its NUL */
#define TK_KNOWN_ERR_MAX (TK_PATH_MAX + TK_MSG_MAX + 32) /* "file:line: what is wrong" */

typedef struct tk_known_entry {
    char name[TK_KNOWN_NAME_MAX];
    char *reason;
    size_t line;         /* where it is in the file */
    unsigned long hits;  /* how often tk_known_reason found it */
} tk_known_entry;

typedef struct tk_known {
    char file[TK_PATH_MAX];
    size_t lines; /* read so far */
    size_t n, cap;
    tk_known_entry *e;
} tk_known;

/* The file that applies: $HL_KNOWN if set, else dir/driver.known if it can be
 * read (dir may be NULL: HL_KNOWN only), else NULL. buf holds the path. */
const char *tk_known_path(char buf[TK_PATH_MAX], const char *dir, const char *driver);
/* Read a file of known divergences. NULL if it cannot be read or has a bad
 * line (no reason, a name too long, a name listed twice): err says so,
 * "file:line: what". */
tk_known *tk_known_load(const char *path, char err[TK_KNOWN_ERR_MAX]);
/* The entry of name, counting a hit; NULL if it is not listed (also when k
 * is NULL: no list). */
tk_known_entry *tk_known_hit(tk_known *k, const char *name);
/* The same, its reason. */
const char *tk_known_reason(tk_known *k, const char *name);
void tk_known_free(tk_known *k);

/* ------------------------------------------------------------------ probes of a volume */

/* What the cases' requirements and fuzz_ops' model both ask of the volume
 * under test, probed there rather than told by its name. */

/* O_TMPFILE in the directory dirfd: 1 it works, 0 the volume has none
 * (*err: EOPNOTSUPP, no tmpfile operation: FUSE, FAT; EISDIR: a kernel that
 * does not know the flag), -1 it failed otherwise (*err says how). */
int tk_probe_o_tmpfile(int dirfd, int *err);
/* Are the volume's inode numbers made up? High-level libfuse without use_ino
 * hands them out in lookup order from its root's FUSE_ROOT_ID 1, and gives a
 * file another number once the kernel forgets it (measured: fusefat,
 * exfat-fuse; not ntfs-3g, which has use_ino). *made_up: 1 if so. 0 or an
 * errno (no mount point in v: ENOENT). */
int tk_probe_made_up_inodes(const hl_volume *v, int *made_up);

/* ------------------------------------------------------------------ statuses in messages */

/* "HL_ERR_X (EXXX)": a status with its canonical errno. Returns buf. */
const char *tk_status_text(char buf[TK_STATUS_MAX], hl_status s);
/* "HL_ERR_X (EYYY)": what a call gave, with the native errno it came from. */
const char *tk_got_text(char buf[TK_STATUS_MAX], hl_status s, const hl_error *e);
/* "the new name", "the existing file", "neither name" */
const char *tk_which_text(hl_which w);

/* ------------------------------------------------------------------ Criterion layer (hl_testkit_criterion) */

/* End the running Criterion test as skipped with this message, after its
 * .fini and its suite's .fini (Criterion runs neither after a skip). */
__attribute__((noreturn, format(printf, 1, 2))) void tk_skip(const char *fmt, ...);
/* A test that cannot run: skipped with "not run: <reason>", or failed with
 * that message when tk_strict(). */
__attribute__((noreturn, format(printf, 1, 2))) void tk_not_run(const char *fmt, ...);
/* Run the running test's .fini and its suite's, once. */
void tk_run_fini(void);

#endif
