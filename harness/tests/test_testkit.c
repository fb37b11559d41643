/*
 * The test kit itself: a snapshot sees every change a link or an unlink can
 * make and nothing else, its fingerprint agrees with the tree's, and a work
 * directory goes away whatever a test left in it, without touching anything
 * a symlink or a mount inside it leads to.
 */
#include "common.h"

#include <dirent.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <sys/ioctl.h>

TestSuite(testkit, .init = hlt_setup, .fini = hlt_teardown);

static void take(tk_snap *s, unsigned flags)
{
    int e = tk_snap_take(s, hlt_dfd, ".", flags);
    cr_assert_eq(e, 0, "tk_snap_take: %s", strerror(e));
    cr_assert_eq(s->error, 0, "tk_snap_take met %s", strerror(s->error));
}

/* One change, seen by the diff (with the words expected) and the fingerprints. */
static void expect_seen(void (*change)(void), const char *words, unsigned flags)
{
    tk_snap a, b;
    take(&a, flags);
    uint64_t fa;
    cr_assert_eq(tk_tree_fingerprint(hlt_dfd, ".", flags, 0, &fa), 0);
    cr_assert_eq(fa, tk_snap_fingerprint(&a, 0), "the tree's fingerprint differs from its snapshot's");
    change();
    take(&b, flags);
    char text[TK_DIFF_MAX];
    int n = tk_snap_diff(&a, &b, 0, text, sizeof text);
    cr_assert(n > 0, "the change (%s) was not seen", words);
    cr_assert(strstr(text, words), "the diff says \"%s\", expected it to mention \"%s\"", text, words);
    uint64_t fb;
    cr_assert_eq(tk_tree_fingerprint(hlt_dfd, ".", flags, 0, &fb), 0);
    cr_assert_neq(fa, fb, "the fingerprint did not change with %s", text);
    cr_assert_eq(fb, tk_snap_fingerprint(&b, 0));
    cr_assert_eq(tk_snap_diff(&b, &b, 0, text, sizeof text), 0, "a snapshot differs from itself: %s", text);
    tk_snap_free(&a);
    tk_snap_free(&b);
}

static void setup_tree(void)
{
    hlt_mkdir("d");
    hlt_write("d/f", "data");
    hlt_write("g", "other");
    hlt_symlink("/etc/passwd", "d/out");
}

static void new_name(void) { cr_assert_eq(linkat(hlt_dfd, "d/f", hlt_dfd, "d/f2", 0), 0); }
static void gone(void) { cr_assert_eq(unlinkat(hlt_dfd, "g", 0), 0); }
static void resized(void) { hlt_write("g", "longer data"); }
static void same_size_new_data(void) { hlt_write("g", "OTHER"); }
static void chmodded(void) { cr_assert_eq(fchmodat(hlt_dfd, "g", 0600, 0), 0); }
static void replaced(void)
{
    hlt_write("g.new", "other");
    cr_assert_eq(renameat(hlt_dfd, "g.new", hlt_dfd, "g"), 0);
}

Test(testkit, snapshot_sees_each_change)
{
    setup_tree();
    expect_seen(new_name, "d/f2 now exists", 0);
    expect_seen(gone, "/g is gone", 0);
    hlt_write("g", "other");
    expect_seen(resized, "size of", 0);
    expect_seen(same_size_new_data, "data of", TK_SNAP_CONTENT);
    expect_seen(chmodded, "mode of", 0);
    expect_seen(replaced, "is another file now", 0);
}

Test(testkit, snapshot_does_not_follow_symlinks)
{
    setup_tree();
    tk_snap s;
    take(&s, TK_SNAP_CONTENT);
    const tk_entry *e = tk_snap_find(&s, "d/out");
    cr_assert(e && e->type == S_IFLNK, "the symlink is not listed as one");
    cr_assert_eq(e->hash, 0, "the symlink's target was read");
    cr_assert_null(tk_snap_find(&s, "d/out/x"));
    cr_assert(tk_snap_find(&s, "") && tk_snap_find(&s, "d/f"));
    tk_snap_free(&s);
}

Test(testkit, diff_link_allows_one_link_and_nothing_else)
{
    setup_tree();
    tk_snap a, b;
    take(&a, 0);
    new_name();
    take(&b, 0);
    struct stat f = hlt_lstat("d/f");
    char text[TK_DIFF_MAX];
    int added = -1;
    int n = tk_snap_diff_link(&a, &b, 0, (unsigned long long)f.st_dev, (unsigned long long)f.st_ino, &added, text,
                              sizeof text);
    cr_assert_eq(n, 0, "a plain link is reported as: %s", text);
    cr_assert_eq(added, 1);
    tk_snap_free(&b);
    hlt_write("g", "changed too");
    take(&b, 0);
    n = tk_snap_diff_link(&a, &b, 0, (unsigned long long)f.st_dev, (unsigned long long)f.st_ino, &added, text,
                          sizeof text);
    cr_assert(n == 1 && strstr(text, "size of"), "a link and another change: %d, \"%s\"", n, text);
    tk_snap_free(&a);
    tk_snap_free(&b);
}

Test(testkit, diff_text_fits_the_buffer)
{
    tk_snap a, b;
    take(&a, 0);
    for (int i = 0; i < 50; i++) {
        char name[32];
        snprintf(name, sizeof name, "a_rather_long_file_name_%02d", i);
        hlt_touch(name);
    }
    take(&b, 0);
    char small[64];
    int n = tk_snap_diff(&a, &b, 0, small, sizeof small);
    cr_assert_eq(n, 50);
    cr_assert(strlen(small) == sizeof small - 1 && strcmp(small + sizeof small - 4, "...") == 0,
              "truncated text: \"%s\"", small);
    tk_snap_free(&a);
    tk_snap_free(&b);
}

/* Read-only and unsearchable directories, a symlink out (whose target must
 * survive): all removed. */
Test(testkit, remove_tree_takes_what_a_test_leaves)
{
    hlt_mkdir("w");
    hlt_mkdir("w/ro");
    hlt_write("w/ro/f", "x");
    hlt_mkdir("w/closed");
    hlt_write("w/closed/f", "x");
    hlt_write("outside", "must stay");
    char target[TK_PATH_MAX];
    cr_assert_eq(tk_join(target, hlt_dir, "outside"), 0);
    hlt_symlink(target, "w/link_out");
    hlt_symlink(hlt_dir, "w/link_up");
    cr_assert_eq(fchmodat(hlt_dfd, "w/ro", 0500, 0), 0);
    cr_assert_eq(fchmodat(hlt_dfd, "w/closed", 0, 0), 0);
    int e = tk_remove_tree(hlt_dfd, "w");
    cr_assert_eq(e, 0, "tk_remove_tree: %s", strerror(e));
    cr_assert(!hlt_exists("w"));
    cr_assert(hlt_exists("outside"), "the target of a symlink inside was removed");
}

/* Immutable and append-only leftovers (root, on a filesystem with the flags). */
Test(testkit, remove_tree_clears_immutable_flags)
{
    if (geteuid() != 0)
        HLT_SKIP("needs root to set the immutable flag");
    hlt_mkdir("w");
    hlt_mkdir("w/imm_dir");
    hlt_write("w/imm_dir/f", "x");
    hlt_write("w/imm_file", "x");
    hlt_write("w/app_file", "x");
    int e = hlt_add_flags("w/imm_dir", FS_IMMUTABLE_FL);
    if (e)
        HLT_SKIP("cannot set the immutable flag in %s: %s", hlt_dir, strerror(e));
    cr_assert_eq(hlt_add_flags("w/imm_file", FS_IMMUTABLE_FL), 0);
    cr_assert_eq(hlt_add_flags("w/app_file", FS_APPEND_FL), 0);
    e = tk_remove_tree(hlt_dfd, "w");
    cr_assert_eq(e, 0, "tk_remove_tree: %s", strerror(e));
    cr_assert(!hlt_exists("w"));
}

/* A mount inside the tree is left alone, and said so (EBUSY). */
Test(testkit, remove_tree_never_enters_a_mount)
{
    int e = hlt_private_mounts();
    if (e)
        HLT_SKIP("needs root and a private mount namespace: %s", strerror(e));
    hlt_mkdir("w");
    hlt_mkdir("kept");
    hlt_write("kept/f", "must stay");
    hlt_mkdir("w/m");
    e = hlt_bind("kept", "w/m");
    cr_assert_eq(e, 0, "bind mount: %s", strerror(e));
    e = tk_remove_tree(hlt_dfd, "w");
    cr_assert_eq(e, EBUSY, "tk_remove_tree over a mount: %s, expected EBUSY", strerror(e));
    cr_assert(hlt_exists("kept/f"), "a file under a bind mount inside the tree was removed");
}

Test(testkit, target_reads_the_deprecated_alias)
{
    setenv("HL_TEST_DIR", "/old", 1);
    unsetenv("HL_TARGET");
    cr_assert_str_eq(tk_target("HL_TEST_DIR", "/tmp"), "/old");
    setenv("HL_TARGET", "/new", 1);
    cr_assert_str_eq(tk_target("HL_TEST_DIR", "/tmp"), "/new");
    unsetenv("HL_TARGET");
    unsetenv("HL_TEST_DIR");
    cr_assert_str_eq(tk_target("HL_TEST_DIR", "/tmp"), "/tmp");
    cr_assert_null(tk_target(NULL, NULL));
}

/* ------------------------------------------------------------------ known divergences */

/* rel in the test's directory (one buffer: one at a time) */
static const char *in_dir(const char *rel)
{
    static char path[TK_PATH_MAX];
    cr_assert_eq(tk_join(path, hlt_dir, rel), 0);
    return path;
}

static tk_known *load_known(const char *rel, char err[TK_KNOWN_ERR_MAX])
{
    err[0] = '\0';
    return tk_known_load(in_dir(rel), err);
}

Test(testkit, known_reads_names_and_reasons)
{
    char reason[2048]; /* longer than any line buffer: nothing is cut */
    memset(reason, 'r', sizeof reason - 1);
    reason[sizeof reason - 1] = '\0';
    char text[4096];
    snprintf(text, sizeof text,
             "# a comment\n\n  family/case   a reason, with spaces  \nfuzz_ops/op.situation.check=EPERM %s\n", reason);
    hlt_write("k.known", text);
    char err[TK_KNOWN_ERR_MAX];
    tk_known *k = load_known("k.known", err);
    cr_assert(k, "a good file was refused: %s", err);
    cr_assert_eq(k->n, 2);
    cr_assert_str_eq(tk_known_reason(k, "family/case"), "a reason, with spaces");
    cr_assert_str_eq(tk_known_reason(k, "fuzz_ops/op.situation.check=EPERM"), reason);
    cr_assert_null(tk_known_reason(k, "family/other"));
    cr_assert_null(tk_known_reason(k, "family"));
    tk_known_entry *e = tk_known_hit(k, "family/case");
    cr_assert(e);
    cr_assert_eq(e->hits, 2, "hits of family/case: %lu, expected 2", e->hits);
    cr_assert_eq(e->line, 3);
    cr_assert_eq(k->e[1].hits, 1);
    tk_known_free(k);
    cr_assert_null(tk_known_reason(NULL, "family/case"), "no list knows nothing");
}

/* A bad line is refused with the file and line in the message. */
static void expect_refused(const char *text, const char *words)
{
    hlt_write("bad.known", text);
    char err[TK_KNOWN_ERR_MAX], where[TK_PATH_MAX + 16];
    tk_known *k = load_known("bad.known", err);
    cr_assert_null(k, "a file with a bad line was read: %s", text);
    snprintf(where, sizeof where, "%s:2: ", in_dir("bad.known"));
    cr_assert(strstr(err, where) == err, "the message \"%s\" does not start with \"%s\"", err, where);
    cr_assert(strstr(err, words), "the message \"%s\" does not say \"%s\"", err, words);
}

Test(testkit, known_refuses_bad_lines)
{
    expect_refused("family/a reason\nfamily/b\n", "no reason");
    expect_refused("family/a reason\nfamily/b   \t \n", "no reason");
    char text[TK_KNOWN_NAME_MAX + 64];
    memset(text, 'n', sizeof text);
    int n = snprintf(text, sizeof text, "# first\n");
    memset(text + n, 'n', TK_KNOWN_NAME_MAX);
    snprintf(text + n + TK_KNOWN_NAME_MAX, sizeof text - (size_t)n - TK_KNOWN_NAME_MAX, " why\n");
    expect_refused(text, "a name of at most");
    expect_refused("family/a reason\nfamily/a another\n", "listed already, on line 1");
}

Test(testkit, known_missing_file)
{
    char err[TK_KNOWN_ERR_MAX];
    tk_known *k = load_known("absent.known", err);
    cr_assert_null(k);
    cr_assert(strstr(err, "absent.known") && strstr(err, strerror(ENOENT)), "the message: %s", err);
}

Test(testkit, known_path_is_HL_KNOWN_else_the_drivers_file)
{
    hlt_write("drv.known", "family/case reason\n");
    char buf[TK_PATH_MAX];
    unsetenv("HL_KNOWN");
    cr_assert_str_eq(tk_known_path(buf, hlt_dir, "drv"), in_dir("drv.known"));
    cr_assert_null(tk_known_path(buf, hlt_dir, "other"), "a driver without a file has a list");
    cr_assert_null(tk_known_path(buf, NULL, "drv"));
    setenv("HL_KNOWN", "/given.known", 1);
    cr_assert_str_eq(tk_known_path(buf, hlt_dir, "drv"), "/given.known");
    cr_assert_str_eq(tk_known_path(buf, NULL, NULL), "/given.known");
    unsetenv("HL_KNOWN");
}

/* The project's own lists are good files (an empty one too: overlay-index's
 * own list keeps the driver's index=off list away from it). */
Test(testkit, known_files_of_the_project_read)
{
    DIR *d = opendir(HL_KNOWN_DIR);
    cr_assert(d, "%s: %s", HL_KNOWN_DIR, strerror(errno));
    int files = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 6 || strcmp(de->d_name + n - 6, ".known") != 0)
            continue;
        char path[TK_PATH_MAX], err[TK_KNOWN_ERR_MAX];
        snprintf(path, sizeof path, "%s/%s", HL_KNOWN_DIR, de->d_name);
        tk_known *k = tk_known_load(path, err);
        cr_assert(k, "%s", err);
        /* a kind's own list may be empty: it says the driver's list does not apply */
        tk_known_free(k);
        files++;
    }
    closedir(d);
    cr_assert(files > 0, "no .known file in %s", HL_KNOWN_DIR);
}

/* ------------------------------------------------------------------ probes */

Test(testkit, probes_answer_on_the_test_volume)
{
    int e, r = tk_probe_o_tmpfile(hlt_dfd, &e);
    cr_assert(r == 1 ? e == 0 : r == 0 ? e == EOPNOTSUPP || e == EISDIR : 0, "O_TMPFILE in %s: %d, %s", hlt_dir, r,
              strerror(e));
    hl_volume v;
    cr_assert_eq(hl_volume_probe(hlt_dir, &v), HL_OK);
    int made_up = -1;
    cr_assert_eq(tk_probe_made_up_inodes(&v, &made_up), 0);
    if (v.magic != FUSE_SUPER_MAGIC)
        cr_assert_eq(made_up, 0, "%s (not FUSE) has made-up inode numbers", v.name);
    /* a FUSE volume is looked at through its root: none, an error */
    v.magic = FUSE_SUPER_MAGIC;
    v.mount_point[0] = '\0';
    cr_assert_eq(tk_probe_made_up_inodes(&v, &made_up), ENOENT);
}
