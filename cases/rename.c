/*
 * Family rename: rename and the names of a file with several. POSIX rename:
 * "If the old argument and the new argument resolve to the same existing
 * file, rename() shall return successfully and perform no other action": both
 * names stay, also while the file is open through them (a FUSE daemon that
 * hides an open target as .fuse_hidden* first loses the old name).
 * renameat2's RENAME_NOREPLACE onto another name of the file is EEXIST (the
 * VFS decides it before the filesystem), RENAME_EXCHANGE between two names of
 * it changes nothing, or is refused with nothing changed where the volume has
 * no exchange. A name renamed over an unrelated file drops that file's link
 * count by one and keeps its own file's; a name moved to another directory
 * keeps its st_ino and the link count.
 *
 * The fat profile has no hard links: each case judges the refusal and ends as
 * not applicable.
 */
#include "hlc.h"

#include <stdio.h>

HLC_SUITE(rename);

enum { NAMES = 3 };
static const char *const names[NAMES] = {"a", "b", "d/c"}; /* in two directories */
static int fds[NAMES] = {-1, -1, -1};

static void close_fds(void)
{
    for (int i = 0; i < NAMES; i++) {
        if (fds[i] >= 0)
            close(fds[i]);
        fds[i] = -1;
    }
}

/* One file under names[] (made through hl_create), its data "one file". */
static struct stat file_with_names(void)
{
    hlc_mkdir("d");
    hlc_write(names[0], "one file");
    for (int i = 1; i < NAMES; i++)
        hlc_linked_or_not_applicable(names[i], names[i - 1]);
    return hlc_lstat(names[0]);
}

static void is_the_file(const char *rel, const struct stat *file, nlink_t nlink, const char *after)
{
    struct stat st;
    int e = tk_lstat(hlc_dfd, rel, &st);
    HLC_CHECK(!e, "after %s: %s: %s", after, hlc_path(rel), strerror(e));
    HLC_CHECK(st.st_ino == file->st_ino && st.st_dev == file->st_dev && st.st_nlink == nlink,
              "after %s: %s is inode %llu with link count %llu, expected inode %llu with %llu", after, hlc_path(rel),
              (unsigned long long)st.st_ino, (unsigned long long)st.st_nlink, (unsigned long long)file->st_ino,
              (unsigned long long)nlink);
}

static void every_name_stays(const struct stat *file, const char *after)
{
    for (int i = 0; i < NAMES; i++)
        is_the_file(names[i], file, NAMES, after);
    for (int i = 0; i < NAMES; i++) {
        struct stat st = {0};
        HLC_CHECK(fds[i] < 0 || (fstat(fds[i], &st) == 0 && st.st_nlink == NAMES),
                  "after %s: the descriptor opened through %s sees link count %llu, expected %d", after,
                  hlc_path(names[i]), (unsigned long long)st.st_nlink, NAMES);
    }
}

/* renameat2(from, to, flags) between two names of the file: want_errno 0
 * (success) or the errno expected; nothing may change on disk either way.
 * refusals: other errnos that are a clean "no" (RENAME_EXCHANGE). */
static void rename_between(const struct stat *file, const char *from, const char *to, unsigned flags, int want_errno,
                           const int *refusals)
{
    char what[TK_PATH_MAX * 2 + 96];
    snprintf(what, sizeof what, "renameat2 %s onto %s, another name of the same file, flags %s", hlc_path(from),
             hlc_path(to), flags == RENAME_NOREPLACE ? "RENAME_NOREPLACE" : flags == RENAME_EXCHANGE ? "RENAME_EXCHANGE" : "0");
    tk_snap before;
    hlc_snap(&before);
    int r = renameat2(hlc_dfd, from, hlc_dfd, to, flags), e = r ? errno : 0;
    char changed[TK_DIFF_MAX];
    hlc_changed_since(&before, changed);
    int refused_cleanly = 0;
    for (const int *x = refusals; x && *x; x++)
        refused_cleanly |= e == *x;
    HLC_CHECK(e == want_errno || refused_cleanly, "%s: expected %s, got %s; %s", what,
              want_errno ? hl_errno_name(want_errno) : "success", e ? hl_errno_name(e) : "success",
              *changed ? changed : "nothing changed on disk");
    HLC_CHECK(!*changed, "%s: %s as expected, but %s", what, e ? hl_errno_name(e) : "success", changed);
    every_name_stays(file, what);
}

/* The file open through every name while its names are renamed onto each
 * other, in one directory and across two (lifecycle/ has it closed). */
HLC_CASE(rename, between_names_while_open, .fini = close_fds)
{
    struct stat file = file_with_names();
    for (int i = 0; i < NAMES; i++) {
        fds[i] = openat(hlc_dfd, names[i], O_RDONLY | O_CLOEXEC);
        HLC_CHECK(fds[i] >= 0, "setup: open %s: %s", hlc_path(names[i]), strerror(errno));
    }
    rename_between(&file, "a", "b", 0, 0, NULL);
    rename_between(&file, "b", "a", 0, 0, NULL);
    rename_between(&file, "a", "d/c", 0, 0, NULL);
    rename_between(&file, "d/c", "b", 0, 0, NULL);
}

/* RENAME_NOREPLACE: EEXIST. RENAME_EXCHANGE: success (nothing to exchange),
 * or a clean refusal where the volume has no exchange (EINVAL from a FUSE
 * daemon without rename flags). */
HLC_CASE(rename, noreplace_and_exchange_between_names)
{
    static const int refusals[] = {EINVAL, EOPNOTSUPP, 0};
    struct stat file = file_with_names();
    rename_between(&file, "a", "b", RENAME_NOREPLACE, EEXIST, NULL);
    rename_between(&file, "d/c", "a", RENAME_NOREPLACE, EEXIST, NULL);
    rename_between(&file, "a", "b", RENAME_EXCHANGE, 0, refusals);
    rename_between(&file, "b", "d/c", RENAME_EXCHANGE, 0, refusals);
}

static void expect_data(const char *rel, const char *want, const char *after)
{
    char *got = hlc_read(rel);
    int ok = got && strcmp(got, want) == 0;
    char seen[64];
    snprintf(seen, sizeof seen, "%s", got ? got : "(unreadable)");
    free(got);
    HLC_CHECK(ok, "after %s: read through %s: expected \"%s\", got \"%s\"", after, hlc_path(rel), want, seen);
}

static void rename_or_fail(const char *from, const char *to, char *what, size_t size)
{
    snprintf(what, size, "rename %s to %s", hlc_path(from), hlc_path(to));
    HLC_CHECK(renameat(hlc_dfd, from, hlc_dfd, to) == 0, "%s: %s", what, strerror(errno));
    HLC_CHECK(!hlc_exists(from), "after %s: %s still exists", what, hlc_path(from));
}

/* "x" and "x2" are another file: renaming "a" over "x" takes one of its
 * names, so its count drops to 1; the renamed file keeps its count. */
HLC_CASE(rename, over_unrelated_file_drops_its_count)
{
    struct stat file = file_with_names();
    hlc_write("x", "other file");
    hlc_linked("x2", "x", 0);
    struct stat other = hlc_lstat("x");
    char what[TK_PATH_MAX * 2 + 32];
    rename_or_fail("a", "x", what, sizeof what);
    is_the_file("x", &file, NAMES, what);
    is_the_file("b", &file, NAMES, what);
    is_the_file("d/c", &file, NAMES, what);
    is_the_file("x2", &other, 1, what);
    expect_data("x", "one file", what);
    expect_data("x2", "other file", what);
}

/* A name moved to another directory: same inode, same count, through the
 * new name and the ones left; the directories' counts do not move. */
HLC_CASE(rename, across_directories_keeps_count_and_ino)
{
    struct stat file = file_with_names();
    hlc_mkdir("e");
    struct stat d0 = hlc_lstat("d"), e0 = hlc_lstat("e");
    char what[TK_PATH_MAX * 2 + 32];
    rename_or_fail("d/c", "e/c2", what, sizeof what);
    is_the_file("e/c2", &file, NAMES, what);
    is_the_file("a", &file, NAMES, what);
    is_the_file("b", &file, NAMES, what);
    rename_or_fail("a", "d/a2", what, sizeof what);
    is_the_file("d/a2", &file, NAMES, what);
    is_the_file("e/c2", &file, NAMES, what);
    expect_data("d/a2", "one file", what);
    struct stat d1 = hlc_lstat("d"), e1 = hlc_lstat("e");
    HLC_CHECK(d1.st_nlink == d0.st_nlink && e1.st_nlink == e0.st_nlink,
              "after moving names between %s and %s, their link counts went from %llu and %llu to %llu and %llu",
              hlc_path("d"), hlc_path("e"), (unsigned long long)d0.st_nlink, (unsigned long long)e0.st_nlink,
              (unsigned long long)d1.st_nlink, (unsigned long long)e1.st_nlink);
}
