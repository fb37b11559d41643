/*
 * hlc: the conformance suite's harness. Every case runs through hl_create on
 * the volume HL_TARGET points at, in a fresh directory of its own, and says
 * what a filesystem got wrong in one line:
 *
 *   cross_volume/different_fs: expected HL_ERR_CROSS_DEVICE (EXDEV), got HL_OK; /mnt/b/x now exists
 *
 * Environment (a contract, see README): HL_TARGET, HL_TARGET2, HL_TARGET_RO,
 * HL_PROFILE=auto|posix|ntfs|fat, HL_LINK_MAX, HL_LINK_BUDGET, HL_STRICT,
 * HL_KNOWN.
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

typedef enum { HLC_POSIX, HLC_NTFS, HLC_FAT } hlc_profile;

struct hlc_env {
    char target[4096];         /* HL_TARGET (absolute) */
    hl_volume vol;             /* its probe */
    hlc_profile profile;       /* HL_PROFILE, or decided from the probe */
    unsigned long long link_max; /* the limit to expect natively; 0 = unknown: probe within the budget */
    unsigned long long budget; /* HL_LINK_BUDGET */
    int strict;                /* HL_STRICT */
};
extern struct hlc_env hlc;

extern char hlc_dir[4096]; /* this case's fresh directory (absolute) */
extern int hlc_dfd;        /* an O_DIRECTORY descriptor on it */
extern const char *hlc_case; /* "family/case" */

void hlc_init(void); /* .init: read the environment once, make the case directory */
void hlc_fini(void); /* .fini: back to root, undo mounts, remove the case directory */

/* One suite per family; each case body runs under hlc_run. */
#define HLC_SUITE(family) TestSuite(family, .init = hlc_init, .fini = hlc_fini)
#define HLC_CASE(family, name, ...)                                                                \
    static void family##__##name(void);                                                            \
    Test(family, name, ##__VA_ARGS__) { hlc_run(#family "/" #name, family##__##name); }             \
    static void family##__##name(void)

/* Run a case body: a failure with a known divergence (HL_KNOWN) is reported
 * as an expected failure; a known divergence that does not happen fails. */
void hlc_run(const char *name, void (*body)(void));

/* End the case as failed: "family/case: <message>". */
__attribute__((noreturn, format(printf, 1, 2))) void hlc_fail(const char *fmt, ...);
/* End the case as not run, with the reason; a failure in strict mode. */
__attribute__((noreturn, format(printf, 1, 2))) void hlc_skip(const char *fmt, ...);
#define HLC_CHECK(cond, ...)                                                                       \
    do {                                                                                           \
        if (!(cond))                                                                               \
            hlc_fail(__VA_ARGS__);                                                                 \
    } while (0)

/* Does the profile expect hard links at all? */
static inline int hlc_links(void) { return hlc.profile != HLC_FAT; }

/* ---- paths: relative to the case directory, shown absolute in messages */
const char *hlc_path(const char *rel); /* absolute path (rotating static buffers) */
void hlc_touch(const char *rel);
void hlc_write(const char *rel, const char *data);
char *hlc_read(const char *rel); /* NULL if it cannot be read; free() it */
void hlc_mkdir(const char *rel);
void hlc_symlink(const char *target, const char *rel);
int hlc_exists(const char *rel);
struct stat hlc_lstat(const char *rel);
struct stat hlc_stat(const char *rel);

/* ---- what is on disk: a snapshot of the case directory and what changed */
typedef struct hlc_snap hlc_snap;
hlc_snap *hlc_snapshot(void);                /* of the case directory */
hlc_snap *hlc_snapshot_of(const char *dir);  /* of any directory (another volume, a read-only mount) */
/* NULL if the same; else "x now exists", "nlink of y went from 1 to 2" ... */
const char *hlc_changed(const hlc_snap *before, const hlc_snap *after);
void hlc_snap_free(hlc_snap *s);
/* After the call under test: what changed since before (NULL: nothing), seen
 * in a new snapshot of the same directory; frees before. The text lives
 * until the next call. */
const char *hlc_changed_since(hlc_snap *before);

/* ---- calls and expectations */
hl_status hlc_link(const char *dst, const char *src, unsigned flags, hl_error *e);
/* Expect a refusal: status want, errno want_errno (0: any), nothing changed on disk. */
void hlc_expect_refused(const char *dst, const char *src, unsigned flags, hl_status want, int want_errno);
/* The same relative to any dirfd, watching the directory also (may be NULL)
 * as well; note (may be NULL) ends every message; before_verdict (may be
 * NULL) runs after the call, before any check (to remove what the case made
 * on another volume, so that a failure leaves nothing behind). */
void hlc_expect_refused_at(int dirfd, const char *dst, const char *src, unsigned flags, hl_status want,
                           int want_errno, const char *also, const char *note, void (*before_verdict)(void));
/* Expect a link: HL_OK, same inode, nlink up by one (posix, ntfs profiles); in
 * the fat profile HL_ERR_NOT_SUPPORTED and nothing changed. Returns 1 if linked. */
int hlc_expect_link(const char *dst, const char *src, unsigned flags);
/* "HL_ERR_X (EXXX)": a status with its canonical errno */
const char *hlc_describe(hl_status s);
/* "HL_ERR_X (EYYY)": what a call gave, with the native errno it came from */
const char *hlc_describe_got(hl_status s, const hl_error *e);

/* ---- privileges and mounts */
int hlc_private_mounts(void); /* 0, or the errno why not */
int hlc_bind(const char *from_rel, const char *to_rel, int readonly);
void hlc_nobody(void);
void hlc_root(void);

/* Progress on a terminal for the long cases. */
void hlc_progress(const char *what, unsigned long long done, unsigned long long total);

#endif
