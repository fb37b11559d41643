/*
 * What every fuzz target shares: its sandbox (a fresh directory per process,
 * removed at exit and after an oracle violation, and the sandboxes of
 * fuzzers that died without removing theirs), and the end of a run that
 * found a violation (the sandbox wiped, then a trap libFuzzer reports).
 */
#ifndef HL_FUZZ_SANDBOX_H
#define HL_FUZZ_SANDBOX_H

#include <stddef.h>

/* Make base/hl-<target>.<pid>.XXXXXX and open it (O_DIRECTORY), after
 * removing base/hl-<target>.<pid>.* of processes that are gone (-fork's
 * supervisor, a timeout or a crash ends a fuzzer without atexit). The
 * sandbox is removed at exit and by fz_trap; before_remove (may be NULL)
 * runs first, to close what the target holds open in it (FUSE keeps an
 * open file's unlinked name as .fuse_hidden*). Exits on failure. Returns the
 * descriptor. */
int fz_sandbox_make(const char *target, const char *base, void (*before_remove)(void));
const char *fz_sandbox_path(void);
/* Remove the sandbox now (idempotent). */
void fz_sandbox_remove(void);
/* Remove everything beneath the directory dfd, which stays (tk_empty_dir:
 * never follows a symlink nor enters a mount, waits out FUSE's releases). */
void fz_wipe(int dfd);

/* A setup failure: "<target>: <message>" on stderr, exit 1. */
__attribute__((format(printf, 2, 3), noreturn)) void fz_die(const char *target, const char *fmt, ...);

/* An oracle violation: the target has printed its report, which starts with
 * fz_violation_header. The sandbox is removed, then the process traps (a
 * crash input for libFuzzer, a failed replay for ctest). */
void fz_violation_header(const char *target, const char *rule);
__attribute__((noreturn)) void fz_trap(void);

/* HL_STRICT (tk_strict), or the deprecated HL_FUZZ_STRICT with a note. */
int fz_strict(void);

#endif
