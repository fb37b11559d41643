/*
 * libhl's Criterion unit tests over the test kit (harness/testkit): a fresh
 * work directory per test under HL_TARGET (HL_TEST_DIR, deprecated, still
 * read; default /tmp), the kit's file helpers as assertions, snapshots that
 * say what changed, status assertions that say what was expected and what
 * was seen, and skips that fail in strict mode (HL_STRICT=1).
 */
#ifndef HL_TEST_COMMON_H
#define HL_TEST_COMMON_H

#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <hl.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "testkit.h"

#define HLT_NOBODY TK_NOBODY

extern char hlt_dir[TK_PATH_MAX]; /* this test's work directory */
extern int hlt_dfd;               /* an O_DIRECTORY fd on it */

/* A case that cannot run here says why; in strict mode that is a failure. */
#define HLT_SKIP(...) tk_not_run(__VA_ARGS__)

/* Assert a status, printing the expected and the seen status and the message. */
#define HLT_STATUS(call, want, errp)                                                               \
    do {                                                                                           \
        hl_status got_ = (call);                                                                   \
        char want_[TK_STATUS_MAX];                                                                 \
        cr_assert_eq(got_, (want), "%s: expected %s, got %s; %s", #call, tk_status_text(want_, want), \
                     hl_status_name(got_), got_ == HL_OK ? "it succeeded" : (errp)->message);      \
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
int hlt_count_fds(void);
/* Add inode flags (FS_IMMUTABLE_FL, FS_APPEND_FL) to rel, keeping those the
 * filesystem set (ext4's extents). 0 or an errno. */
int hlt_add_flags(const char *rel, int flags);

/* hl_create_at(dirfd, new_name, existing, o) fails with want, from errno
 * native, concerning which, with a message that names the operation, and
 * changes nothing in the work directory. */
void hlt_expect_failure(int dirfd, const char *new_name, const char *existing, const hl_options *o, hl_status want,
                        int native, hl_which which);

/* A snapshot of the work directory; then: nothing changed since (frees
 * before), else fail with "<what>, but <the changes>". */
void hlt_snap(tk_snap *s);
void hlt_unchanged(tk_snap *before, const char *what);

/* Enter a private mount namespace (0) or give the reason it cannot (errno). */
int hlt_private_mounts(void);
/* mount fstype with opts at rel (created), remembered for teardown */
int hlt_mount(const char *rel, const char *fstype, const char *opts);
/* bind-mount rel onto rel, remembered for teardown */
int hlt_bind(const char *from_rel, const char *to_rel);
/* Become uid/gid nobody for permission checks; hlt_root() goes back. */
void hlt_nobody(void);
void hlt_root(void);

#endif
