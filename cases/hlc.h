/*
 * hlc: the conformance suite's harness, over the test kit (testkit.h). Every
 * case runs through hl_create on the volume HL_TARGET points at, in a fresh
 * directory of its own, and says what a filesystem got wrong in one line:
 *
 *   cross_volume/different_fs: expected HL_ERR_CROSS_DEVICE (EXDEV) concerning neither name, got HL_OK; /mnt/b/x now exists
 *
 * A case states what it needs on its first lines (HLC_REQUIRE(root), ...),
 * decided by probing the target; what it cannot have ends it as "not run:
 * <reason>" (a failure with HL_STRICT=1). A case makes its call with
 * hlc_call, which records everything, then judges it with hlc_expect_linked
 * or hlc_expect_refused.
 *
 * Environment (a contract, see README): HL_TARGET, HL_TARGET2, HL_TARGET_RO,
 * HL_PROFILE=auto|posix|ntfs|fat|readonly, HL_LINK_MAX, HL_LINK_BUDGET, HL_STRICT,
 * HL_KNOWN, HL_TARGET_LOWER; HL_PROGRESS=lines writes the progress of long
 * cases (the link-limit probe's count) as whole "PROGRESS case: n/N" lines on
 * stderr, for a reader of a file (tools/hlcheck), not an updating line.
 */
#ifndef HLC_H
#define HLC_H

#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <hl.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testkit.h"

typedef enum { HLC_POSIX, HLC_NTFS, HLC_FAT } hlc_profile;

struct hlc_env {
    char target[TK_PATH_MAX];    /* HL_TARGET (absolute) */
    hl_volume vol;               /* its probe */
    hlc_profile profile;         /* HL_PROFILE, or decided from the probe */
    unsigned long long link_max; /* the limit to expect natively; 0 = unknown: probe within the budget */
    unsigned long long budget;   /* HL_LINK_BUDGET */
    int strict;                  /* HL_STRICT */
    /* found by the requirements' probes */
    char target2[TK_PATH_MAX];   /* second_volume: a directory on another volume */
    char kind[64];               /* image_volume: the tools/hl-volume kind of HL_TARGET's volume */
    unsigned fixed_mode;         /* !unix_permissions: the mode every file has */
    char lower[TK_PATH_MAX];     /* lower_layer: the directory holding LINKS (absolute) */
    int read_only;               /* HL_PROFILE=readonly: HL_TARGET is a read-only volume (links as in posix),
                                    its own case directory; only HLC_READ_CASEs run there */
};
extern struct hlc_env hlc;

extern char hlc_dir[TK_PATH_MAX]; /* this case's fresh directory (absolute) */
extern int hlc_dfd;               /* an O_DIRECTORY descriptor on it */
extern const char *hlc_case;      /* "family/case" */

void hlc_init(void); /* .init: read the environment once, make the case directory */
void hlc_fini(void); /* .fini: back to root, undo mounts, remove the case directory */

/* One suite per family; each case body runs under hlc_run. */
#define HLC_SUITE(family) TestSuite(family, .init = hlc_init, .fini = hlc_fini)
#define HLC_CASE(family, name, ...)                                                                \
    static void family##__##name(void);                                                            \
    Test(family, name, ##__VA_ARGS__) { hlc_run(#family "/" #name, family##__##name); }             \
    static void family##__##name(void)

/* Run a case body: a failure with a known divergence (HL_KNOWN) ends it as a
 * skip "XFAIL known divergence: <reason>: <failure>"; a known divergence that
 * does not happen fails. */
void hlc_run(const char *name, void (*body)(void));

/* A case that writes nothing on HL_TARGET (it reads, or is refused): in the
 * readonly profile it runs for real, in HL_TARGET itself; every HLC_CASE is
 * not applicable there (it would write). */
#define HLC_READ_CASE(family, name, ...)                                                           \
    static void family##__##name(void);                                                            \
    Test(family, name, ##__VA_ARGS__) { hlc_run_read(#family "/" #name, family##__##name); }        \
    static void family##__##name(void)
void hlc_run_read(const char *name, void (*body)(void));

/* End the case as failed: "family/case: <message>". */
__attribute__((noreturn, format(printf, 1, 2))) void hlc_fail(const char *fmt, ...);
/* End the case as not run ("not run: <reason>"); a failure in strict mode.
 * The case's .fini and hlc_fini run first (back to root, clean up). */
#define hlc_skip(...) tk_not_run(__VA_ARGS__)
/* End the case as passed: what it checks does not exist on this volume,
 * which the profile allows (logged, and a NOTE line on stderr). */
__attribute__((noreturn, format(printf, 1, 2))) void hlc_not_applicable(const char *fmt, ...);
#define HLC_CHECK(cond, ...)                                                                       \
    do {                                                                                           \
        if (!(cond))                                                                               \
            hlc_fail(__VA_ARGS__);                                                                 \
    } while (0)

/* Does the profile expect hard links at all? */
static inline int hlc_links(void) { return hlc.profile != HLC_FAT; }
const char *hlc_profile_name(void);

/* ---- requirements and features, probed on the target once per process */
typedef enum {
    /* what the environment must give for a case to run */
    HLC_NEED_root,
    HLC_NEED_private_mounts,    /* and enters one: mounts vanish with the case */
    HLC_NEED_second_volume,     /* hlc.target2 */
    HLC_NEED_read_only_volume,  /* HL_TARGET_RO, or a private mount namespace for a read-only bind mount */
    HLC_NEED_image_volume,      /* HL_TARGET is an image-backed volume of tools/hl-volume: hlc.kind */
    HLC_NEED_mount_point,
    HLC_NEED_protected_hardlinks, /* fs.protected_hardlinks can be read and set */
    /* what the volume has or lacks (a case checks what is left) */
    HLC_NEED_o_tmpfile,
    HLC_NEED_symlinks,
    HLC_NEED_unix_permissions,  /* chmod takes effect */
    HLC_NEED_other_users,       /* users other than root are let in */
    HLC_NEED_stable_inode_numbers_across_remount,
    HLC_NEED_backing_store,     /* anything survives an unmount */
    HLC_NEED_name_max_on_lookup, /* looking up a name one byte over the volume's limit is ENAMETOOLONG, not ENOENT */
    HLC_NEED_lower_layer,       /* HL_TARGET_LOWER names a prepared lower layer's LINKS: hlc.lower */
    HLC_NEED_kernel_block_volume, /* the kernel's own driver mounts it from a block device (a crash can be cut) */
    HLC_NEED_COUNT
} hlc_need;
/* Not run ("not run: <reason>") unless the target has it. */
#define HLC_REQUIRE(what) hlc_require(HLC_NEED_##what)
/* 1 if the target has it, 0 if not. */
#define HLC_HAS(what) hlc_has(HLC_NEED_##what)
void hlc_require(hlc_need n);
int hlc_has(hlc_need n);
const char *hlc_why(hlc_need n); /* after hlc_has: what the probe saw */

/* ---- paths: relative to the case directory, shown absolute in messages */
const char *hlc_path(const char *rel); /* absolute path (rotating buffers) */
void hlc_touch(const char *rel);
void hlc_write(const char *rel, const char *data);
char *hlc_read(const char *rel); /* NULL if it cannot be read; free() it */
void hlc_mkdir(const char *rel);
void hlc_symlink(const char *target, const char *rel);
/* A symlink; 0 where the volume has none, which only the fat profile allows. */
int hlc_symlink_or_none(const char *target, const char *rel);
int hlc_exists(const char *rel);
struct stat hlc_lstat(const char *rel);
struct stat hlc_stat(const char *rel);
/* The volume's own limit on a name's bytes (statfs f_namelen; pathconf
 * _PC_NAME_MAX must agree), or -1 with why. */
long hlc_name_max(char *why, size_t size);

/* ---- what is on disk */
/* A snapshot of the case directory; what changed since
 * then into changed[TK_DIFF_MAX] ("" if nothing), freeing before. */
void hlc_snap(tk_snap *s);
int hlc_changed_since(tk_snap *before, char changed[TK_DIFF_MAX]);

/* ---- call, then judge */

/* The names a failure may concern, and "any" for the judges. */
#define HLC_NEW_NAME HL_PATH_DESTINATION
#define HLC_EXISTING HL_PATH_SOURCE
#define HLC_NEITHER HL_PATH_NEITHER
#define HLC_ANY_NAME ((hl_which)-1)
#define HLC_ANY_ERRNO 0
#define HLC_NO_ERRNO (-1) /* libhl's own decision: no native code (HL_DOMAIN_NONE) */

typedef struct hlc_call {
    /* in, all optional: set before hlc_call_at */
    const char *watch; /* the directory whose changes count, instead of the case directory */
    const char *also;  /* another directory whose changes count too (another volume, a read-only mount) */
    const char *note; /* ends every message */
    int as_nobody;    /* make the call as uid 65534 (the snapshots are still root's) */
    int raw;          /* also run the equivalent linkat after a refusal (not with HL_BENEATH or max_links) */
    /* out */
    const char *new_name, *existing;
    unsigned flags;
    unsigned long max_links;
    hl_status status;
    hl_error err;
    int raw_errno;            /* of the raw linkat: -1 not run, 0 it linked (and was undone) */
    int existing_errno;       /* 0, or why the existing file could not be seen before the call */
    int existing_after_errno; /* 0, or why it cannot be seen after the call (existing_after is then unset) */
    struct stat existing_before, existing_after, new_after;
    int new_errno;            /* HL_OK: 0, or why the new name cannot be seen */
    int data_differs;         /* HL_OK, regular file: the data read through the two names differs */
    int changes;              /* how many things changed in the case directory and also */
    char changed[TK_DIFF_MAX];
    int changes_besides_link; /* HL_OK: besides new names of the existing file and its link count */
    char changed_besides_link[TK_DIFF_MAX];
} hlc_call;

/* Run hl_create_at(dirfd, new_name, existing, o) and record everything: the
 * status and hl_error, the raw errno if asked, what changed in the case
 * directory (or c->watch) and in c->also, the existing file before and after and the new
 * name after. o may be NULL. */
void hlc_call_at(hlc_call *c, int dirfd, const char *new_name, const char *existing, const hl_options *o);
/* The same in the case directory, with flags. */
void hlc_call_in(hlc_call *c, const char *new_name, const char *existing, unsigned flags);

/* Linked (posix, ntfs profiles): HL_OK, the new name is the existing file
 * (st_dev, st_ino), its link count up by one through both names, the same
 * data, nothing else changed. In the fat profile: HL_ERR_NOT_SUPPORTED and
 * nothing changed. Returns 1 if linked, 0 in the fat profile. */
int hlc_expect_linked(const hlc_call *c);
/* Refused: status want, errno want_errno (HLC_ANY_ERRNO, HLC_NO_ERRNO or an
 * errno), concerning which (HLC_NEW_NAME, HLC_EXISTING, HLC_NEITHER or
 * HLC_ANY_NAME), a status the native code can give, nothing changed (the
 * existing file's link count neither); with c->raw, the raw linkat's errno
 * equals libhl's native one. */
void hlc_expect_refused(const hlc_call *c, hl_status want, int want_errno, hl_which which);
/* The same judge without ending the case: 1 if hlc_expect_refused would pass,
 * else 0 and its failure message in why (HLC_VERDICT_MAX holds it whole). For
 * a case that reports what it found (a NOTE) before the judge ends it. */
#define HLC_VERDICT_MAX (3 * TK_MSG_MAX)
int hlc_refusal_verdict(const hlc_call *c, hl_status want, int want_errno, hl_which which, char *why, size_t size);

/* The call and its judge in one, in the case directory. */
int hlc_linked(const char *new_name, const char *existing, unsigned flags);
void hlc_refused(const char *new_name, const char *existing, unsigned flags, hl_status want, int want_errno,
                 hl_which which);
/* Linked; in the fat profile the refusal is judged, then the case ends as
 * not applicable (a case about a file with several names has nothing left). */
void hlc_linked_or_not_applicable(const char *new_name, const char *existing);

/* "HL_ERR_X (EYYY)": what a call gave, with the native errno it came from (rotating buffers) */
const char *hlc_describe_got(hl_status s, const hl_error *e);

/* ---- privileges, mounts, commands */
int hlc_bind(const char *from_rel, const char *to_rel, int readonly);
void hlc_nobody(void);
void hlc_root(void);

/* Run argv (argv[0] a path) with stdin from /dev/null, stdout and stderr to
 * unlinked temporary files and every other descriptor closed (a FUSE daemon
 * it starts must not inherit Criterion's pipes); wait for it. Never ends the
 * case: a .fini runs commands too. */
struct hlc_command {
    int status;     /* exit status, 128 + signal, or -1 if it could not be run (err says why) */
    char out[4096]; /* stdout, truncated */
    char err[4096]; /* stderr, truncated, newlines as ';' */
};
struct hlc_command hlc_command(char *const argv[]);

/* A volume of the case's own, for a case that unmounts or ruins its volume:
 * never HL_TARGET, where every other case (Criterion runs them in parallel)
 * holds its case directory open. hlc_own_volume_up brings up a KIND volume
 * with tools/hl-volume (HLC_HL_VOLUME, state in HL_VOLUME_DIR) named
 * hlc-TAG-PID and points the case directory (hlc_dir, hlc_dfd) at a fresh
 * directory hlc.TAG on it; the case fails if it cannot. One at a time. */
void hlc_own_volume_up(const char *kind, const char *tag);
const char *hlc_own_volume_mnt(void); /* its mount point; "" when none is up */
/* Unmount it and mount it again (hl-volume cycle). The case directory's
 * descriptor is closed before and opened again after (nothing may keep the
 * volume busy: close your own descriptors first); fails the case unless the
 * directory is on a new mount after. */
void hlc_own_volume_cycle(void);
/* Point the case directory back at HL_TARGET's and take the volume down;
 * the case fails if hl-volume down does. */
void hlc_own_volume_down(void);
/* The same for a case's .fini (.fini = hlc_own_volume_fini): whatever
 * happened, never ends the case, says on stderr what it could not undo. */
void hlc_own_volume_fini(void);

/* Progress on a terminal for the long cases. */
void hlc_progress(const char *what, unsigned long long done, unsigned long long total);

#endif
