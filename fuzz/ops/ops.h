/*
 * fuzz_ops' parts (see fuzz/fuzz_ops.c for what the target does):
 *   model.c       the in-memory model: inodes, directory entries, open slots, contents
 *   volume.c      what the volume does: hl_volume_probe and probes in the sandbox at start
 *   known.c       the driver's known divergences, read from cases/known/<driver>.known
 *   operations.c  the table of operations: each one's decoding, prediction, call and model update
 *   checks.c      the real state against the model after every step and at the end
 *   trace.c       the operation sequence and the divergence report
 *   mutator.c     the structure-aware mutator: whole operations in, out, swapped, re-parameterised
 * State lives in one struct, `fo` (the model, the trace, the volume, the sandbox).
 */
#ifndef HL_FUZZ_OPS_H
#define HL_FUZZ_OPS_H

#define _GNU_SOURCE
#include <hl.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define MAX_OPS 32       /* operations a run executes; further records are ignored */
#define OP_BYTES 4       /* one record: [op, a, b, c] */
#define NNAMES 8         /* the names an operation can use */
#define NSLOTS 2         /* descriptor slots */
#define MAXI (MAX_OPS + 8) /* model inodes: the root, at most one new per operation */
#define MAXD (MAX_OPS + 8) /* directory entries: at most one new per operation */
#define MAX_CONTENT (32 * 509)
#define SIG_MAX 128      /* a known divergence's signature, without "fuzz_ops/" */

#ifndef RENAME_NOREPLACE /* glibc before 2.28 */
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

extern const char *const op_path[NNAMES]; /* a b c d e d/x d/y e/x */

/* ------------------------------------------------------------------ the model (model.c) */

enum inode_type { T_FREE, T_REG, T_DIR };

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

struct model {
    struct inode inode[MAXI];
    int ninodes;
    struct dent dent[MAXD];
    int ndents;
    struct slot slot[NSLOTS];
    int fuse_hide;     /* from the volume: names lost while open may stay as .fuse_hidden* */
    int dir_nlink_one; /* from the volume: a directory's nlink is always 1 */
};

void model_reset(struct model *m); /* empty: only the sandbox, inode 0 */
int model_new_inode(struct model *m, int type);
void model_add_name(struct model *m, int dir, const char *name, int ino);
int model_lookup(const struct model *m, int dir, const char *name); /* the entry, or -1 */
int model_dent_of_dir(const struct model *m, int ino);
int model_inside(const struct model *m, int x, int anc); /* directory x is anc or beneath it */
int model_children(const struct model *m, int dir, int dirs_only);
void model_path_of(const struct model *m, int d, char *buf, size_t cap);
/* Resolve one of the names: 0 with *dir the parent directory, *d the entry
 * (-1 if none) and *base the last component; or the errno a lookup of a
 * directory on the way gives (ENOENT missing, ENOTDIR a file). */
int model_resolve(const struct model *m, const char *path, int *dir, int *d, const char **base);
void model_drop_name(struct model *m, int d); /* unlink, rmdir, replaced by rename */
/* A slot's descriptor was closed. async: the release may come later (FUSE
 * other than fuseblk), so hidden names stay possible until the end. */
void model_slot_closed(struct model *m, int s, int async);
/* The hidden names of closed files are gone (the end of a run removed them). */
void model_forget_hidden(struct model *m);
int model_dir_nlink(const struct model *m, int dir);

/* Contents: byte i of content (len, seed) is a function of both. */
void content_gen(unsigned char *buf, unsigned len, unsigned seed);
unsigned content_len(int c);
unsigned content_seed(int step, int c);

/* ------------------------------------------------------------------ the volume (volume.c) */

enum { DIRN_SUBDIRS, DIRN_ONE };

struct volume_semantics {
    hl_volume vol;
    int links;          /* hard links: hl_volume.hardlinks != 0 (unknown counts as yes) */
    int tmpfile_errno;  /* 0: O_TMPFILE works; else EOPNOTSUPP (FUSE, FAT) or EISDIR: the op is refused */
    int noreplace_ok;   /* renameat2 RENAME_NOREPLACE supported; else EINVAL */
    int exchange_ok;    /* RENAME_EXCHANGE supported; else EINVAL */
    int dir_nlink;      /* DIRN_SUBDIRS: 2 + subdirectories (ext4, xfs, tmpfs); DIRN_ONE: always 1
                           (btrfs, ntfs-3g, fusefat, exfat): measured at start */
    int ino_stable;     /* st_ino of an inode never changes (kernel filesystems, ntfs-3g); not for
                           fusefat/exfat, whose numbers are libfuse node ids, given anew when the
                           kernel forgets a node (tk_probe_made_up_inodes): only equality classes
                           within a step are checked */
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
};

/* Probe the volume of the sandbox (dirfd); exits where there is no model. */
void volume_probe(struct volume_semantics *vs, int dirfd, const char *sandbox);

/* ------------------------------------------------------------------ known divergences (known.c) */

/* A known divergence's signature names the operation, the situation the
 * model predicted for, and the check that failed: "rmdir.nonempty_dir.status=EPERM"
 * (a status the driver answers instead), "write.nonempty_file.size" (a
 * check that would fail: the operation is not run, the driver would loop
 * or lose data). The lines are "fuzz_ops/<signature> reason" in the same
 * files as the cases' ("family/case reason"). */
void known_load(const char *file); /* NULL: none; exits if the file cannot be read */
/* 1 if sig is a known divergence and HL_STRICT is off: counted, and noted
 * on stderr the first time. */
int known_tolerated(const char *sig);
/* The same for a divergence tolerated by not running the step (the driver
 * would hang or lose data): its input is never saved for a reproducer. */
int known_tolerated_not_run(const char *sig);
const char *known_file(void);
size_t known_count(void);
void known_summary(void); /* at exit: each tolerated divergence and how often */

/* ------------------------------------------------------------------ operations (operations.c) */

enum op_kind {
    K_CREATE, K_WRITE, K_LINK, K_UNLINK, K_RENAME, K_MKDIR, K_RMDIR, K_TMPFILE, K_OPEN, K_LINKFD,
    K_WRITEFD, K_CLOSE, K_COUNT
};

/* What a step did not run, and why. */
enum skip_reason {
    SKIP_NONE,
    SKIP_EMPTY_SLOT, /* a slot operation on a slot with no descriptor */
    SKIP_KNOWN,      /* a known divergence that cannot be run past (step.sig names it) */
    SKIP_COUNT
};
extern const char *const skip_reason_name[SKIP_COUNT];

struct op {
    int kind, v, a, b, c; /* decoded: kind, variant (op byte's high nibble), parameters */
};

struct expect {
    int hl;                /* codes are hl_status, else errno (0: success) */
    int n;
    int v[8];
    const char *situation; /* what the model predicted for ("nonempty_dir"): names a status divergence */
};

struct step {
    struct op op;
    struct expect ex;
    int seen;
    int fd;                /* the descriptor a slot op used */
    int closed_fd;         /* tmpfile/open on a full slot: the descriptor closed first */
    enum skip_reason skip;
    char sig[SIG_MAX];     /* SKIP_KNOWN, or a tolerated status: the known divergence */
};

struct ctx; /* one step being run (operations.c) */

struct op_desc {
    const char *name;         /* in traces, signatures and the dictionary */
    unsigned char codes[2];   /* the op byte's low nibble values that decode to it (a second: weighs double) */
    unsigned char ncodes;
    unsigned char nv;         /* variants (op byte's high nibble) that differ, 1: none */
    unsigned char a_slot;     /* a is a descriptor slot (0-1), else one of the NNAMES names */
    unsigned char nb;         /* b's values: 0 unused, NNAMES a name, 16 a directory for O_TMPFILE */
    unsigned char uses_c;     /* c is a content byte */
    unsigned char reuses_slot;/* the slot is closed first (it gets a new file) */
    const char *const *vname; /* the variants' names (nv of them), for the dictionary */
    void (*predict)(struct ctx *c); /* the expected outcomes, from the model (may skip) */
    int (*call)(struct ctx *c);     /* the system call: 0, an errno, or an hl_status */
    void (*commit)(struct ctx *c);  /* the model after a success */
    void (*describe)(const struct step *st, char *buf, size_t cap);
};
extern const struct op_desc op_table[K_COUNT];

/* Decode record r (OP_BYTES bytes) into o; encode o back (canonical bytes). */
void op_decode(const uint8_t *r, struct op *o);
void op_encode(const struct op *o, uint8_t *r);
void op_run(int k); /* run fo.trace[k].op, then check the state */
void op_write_dict(FILE *f); /* the dictionary: records the table makes */

/* ------------------------------------------------------------------ the mutator (mutator.c) */

/* libFuzzer's custom mutator and crossover over whole operations (see mutator.c). */
size_t ops_mutate(uint8_t *data, size_t size, size_t max_size, unsigned seed);
size_t ops_cross_over(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2, uint8_t *out, size_t max_size,
                      unsigned seed);

/* ------------------------------------------------------------------ checks (checks.c) */

void check_state(void);
void check_content(int i);
void check_listing(int dir, const char *path);
/* The end of a run: every content, close, listings, then the model's names
 * removed, which must leave the sandbox empty. */
void check_end_of_run(void);

/* ------------------------------------------------------------------ trace and report (trace.c) */

/* The check that failed, set by a check just before it calls diverge: it names
 * the divergence's signature and ends its shell reproducer. RC_NONE: a check
 * with no shell form of its own; the reproducer then checks every name. */
enum rc_kind {
    RC_NONE, RC_STATUS, RC_NLINK, RC_SIZE, RC_TYPE, RC_EXISTS, RC_MISSING, RC_ONE_INO, RC_TWO_INO, RC_CONTENT,
    RC_LISTING, RC_DIR_NLINK
};
struct repro_check {
    enum rc_kind kind;
    const char *check;        /* its name in a signature: "nlink" */
    char path[64], path2[64]; /* the names looked at; "" with slot >= 0: that slot's descriptor */
    int slot, slot2;
    long lo, hi;              /* nlink, size, directory nlink: the range expected */
    int ino;                  /* RC_CONTENT: the model inode; RC_LISTING: the directory */
    int uncached;             /* RC_CONTENT: read again without the page cache */
    int want_dir;             /* RC_TYPE, RC_EXISTS: a directory expected */
};
/* Start fo.rc for a check of kind on path (or slot, path NULL); returns it to fill in. */
struct repro_check *repro_check(enum rc_kind kind, const char *check, const char *path, int slot);

const char *errname(int e);
const char *code_name(int hl, int code);
void expect_str(const struct expect *e, char *buf, size_t cap);
void trace_print(void);
/* A divergence: the trace, what was seen, the signature that would make it a
 * known divergence (fo.sig_hint, where the model can go on past one), then
 * the sandbox wiped and a trap. */
__attribute__((format(printf, 1, 2), noreturn)) void diverge(const char *fmt, ...);

/* ------------------------------------------------------------------ the one state */

struct fuzz_ops {
    struct volume_semantics vs;
    struct model m;
    struct step trace[MAX_OPS];
    int nsteps;
    int cur_step;   /* -1: the final checks */
    int stamp;      /* one per state check: st_ino equality classes */
    int dirfd;      /* the sandbox */
    int tfd;        /* a descriptor open for the moment (create, write, a content check) */
    char hl_msg[HL_MESSAGE_MAX]; /* libhl's message of this step's call */
    const char *sig_hint;        /* the divergence being reported as a known-divergence signature */
    struct repro_check rc;       /* the check that failed (repro_check) */
    const uint8_t *input;        /* the run's input (known.c saves it where a known divergence shows) */
    size_t input_size;
    unsigned char cbuf[MAX_CONTENT + 1], rbuf[MAX_CONTENT + 2];
};
extern struct fuzz_ops fo;

/* Close what is open in the sandbox (before it is wiped). */
void fo_close_all(void);

#endif
