/*
 * Shared helpers for libhl's Criterion unit tests: a fresh work directory per
 * test (under HL_TEST_DIR, default /tmp), snapshots of what is on disk,
 * status assertions that say what was expected and what was seen, private
 * mount namespaces for the cases that mount, and skips that fail in strict
 * mode (HL_STRICT=1).
 */
#ifndef HL_TEST_COMMON_H
#define HL_TEST_COMMON_H

#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <hl.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "testkit.h"

#define HLT_NOBODY 65534

extern char hlt_dir[4096]; /* this test's work directory */
extern int hlt_dfd;        /* an O_DIRECTORY fd on it */

static inline int hlt_strict(void)
{
    const char *s = getenv("HL_STRICT");
    return s && *s && strcmp(s, "0") != 0;
}

/* A case that cannot run here says why; in strict mode that is a failure. */
#define HLT_SKIP(fmt, ...)                                                                         \
    do {                                                                                           \
        if (hlt_strict())                                                                          \
            cr_assert_fail("not run, and HL_STRICT=1 makes that a failure: " fmt, ##__VA_ARGS__);  \
        cr_skip_test(fmt, ##__VA_ARGS__);                                                          \
    } while (0)

/* Assert a status, printing the expected and the seen status and the message. */
#define HLT_STATUS(call, want, errp)                                                               \
    do {                                                                                           \
        hl_status got_ = (call);                                                                   \
        cr_assert_eq(got_, (want), "%s: expected %s (%s), got %s; %s", #call, hl_status_name(want), \
                     hl_errno_name(hl_status_to_errno(want)), hl_status_name(got_),                \
                     got_ == HL_OK ? "it succeeded" : (errp)->message);                            \
        cr_assert_eq((errp)->status, got_, "hl_error.status %s differs from the returned %s",      \
                     hl_status_name((errp)->status), hl_status_name(got_));                       \
        cr_assert(hl_status_refines((errp)->domain, (errp)->native, got_),                         \
                  "native code %ld (domain %d) cannot produce %s", (errp)->native,                 \
                  (int)(errp)->domain, hl_status_name(got_));                                      \
    } while (0)

void hlt_setup(void);    /* .init: fresh work directory */
void hlt_teardown(void); /* .fini: back to root, unmount what we mounted, remove the directory */

void hlt_touch(const char *rel);
void hlt_write(const char *rel, const char *data);
void hlt_mkdir(const char *rel);
void hlt_symlink(const char *target, const char *rel);
int hlt_exists(const char *rel); /* lstat succeeds */
struct stat hlt_lstat(const char *rel);
char *hlt_snapshot(const char *dir); /* sorted "path type ino nlink" lines; free() it */
int hlt_count_fds(void);

/* Enter a private mount namespace (0) or give the reason it cannot (errno). */
int hlt_private_mounts(void);
/* mount a tmpfs with options at rel (created), remembered for teardown */
int hlt_mount(const char *rel, const char *fstype, const char *opts);
/* bind-mount rel onto rel, remembered for teardown */
int hlt_bind(const char *from_rel, const char *to_rel);
/* Become uid/gid nobody for permission checks; hlt_root() goes back. */
void hlt_nobody(void);
void hlt_root(void);

#endif
