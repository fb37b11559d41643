/*
 * HL_BENEATH: absolute paths, "..", and symlinks that would leave dirfd fail
 * with HL_ERR_ESCAPE and change nothing, inside or outside; paths that stay
 * inside work. Every case runs with both resolvers: openat2(RESOLVE_BENEATH)
 * and the portable component walk.
 */
#include "common.h"

TestSuite(beneath, .init = hlt_setup, .fini = hlt_teardown);

static int root_fd = -1;

/* hlt_dir/root is the confinement; hlt_dir/outside holds what must not change. */
static void build_tree(void)
{
    hlt_mkdir("outside");
    hlt_write("outside/secret", "do not link me");
    hlt_mkdir("root");
    hlt_write("root/f", "inside");
    hlt_mkdir("root/d");
    hlt_mkdir("root/d/sub");
    hlt_symlink("..", "root/up");
    hlt_symlink("/", "root/abs");
    hlt_symlink(hlt_dir, "root/abs_self"); /* absolute, even though it points at our own tree */
    hlt_symlink("../outside/secret", "root/to_secret");
    hlt_symlink("chain2", "root/chain1");
    hlt_symlink("d/../up/outside", "root/chain2");
    hlt_symlink("d/../f", "root/in_link");
    hlt_symlink("loop_b", "root/loop_a");
    hlt_symlink("loop_a", "root/loop_b");
    hlt_symlink("sub/../..", "root/d/to_root"); /* stays inside: resolves to root */
    hlt_mkdir("outside/odir");
    hlt_symlink("../outside/odir", "root/symdir");
    hlt_symlink("/etc", "root/absdir");
    root_fd = openat(hlt_dfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
    cr_assert(root_fd >= 0);
}

static void expect(const char *dst, const char *src, unsigned flags, hl_status want)
{
    for (int walk = 0; walk < 2; walk++) {
        hl__posix_force_walk(walk);
        tk_snap before;
        hlt_snap(&before);
        hl_options o = {flags | HL_BENEATH, 0};
        hl_error e;
        hl_status got = hl_create_at(root_fd, dst, src, &o, &e);
        hl__posix_force_walk(0);
        cr_assert_eq(got, want, "beneath/%s: \"%s\" -> \"%s\"%s: expected %s, got %s; %s",
                     walk ? "walk" : "openat2", dst, src, flags & HL_FOLLOW ? " (HL_FOLLOW)" : "",
                     hl_status_name(want), hl_status_name(got), got == HL_OK ? "it succeeded" : e.message);
        cr_assert(hl_status_refines(e.domain, e.native, got), "native %ld cannot produce %s", e.native,
                  hl_status_name(got));
        if (want != HL_OK) {
            char what[TK_MSG_MAX];
            snprintf(what, sizeof what, "beneath/%s: \"%s\" -> \"%s\" failed", walk ? "walk" : "openat2", dst, src);
            hlt_unchanged(&before, what);
        } else {
            tk_snap_free(&before);
            cr_assert_eq(unlinkat(root_fd, dst, 0), 0, "undo %s: %s", dst, strerror(errno));
        }
    }
}

Test(beneath, absolute_paths_escape)
{
    build_tree();
    expect("n", "/etc/passwd", 0, HL_ERR_ESCAPE);
    expect("/tmp/hlt-escape", "f", 0, HL_ERR_ESCAPE);
    char abs[4200];
    snprintf(abs, sizeof abs, "%s/root/f", hlt_dir);
    expect("n", abs, 0, HL_ERR_ESCAPE); /* even when it names a file inside */
}

Test(beneath, dotdot_escapes)
{
    build_tree();
    expect("n", "../outside/secret", 0, HL_ERR_ESCAPE);
    expect("../outside/n", "f", 0, HL_ERR_ESCAPE);
    expect("n", "d/../../outside/secret", 0, HL_ERR_ESCAPE);
    expect("n", "d/sub/../../../outside/secret", HL_FOLLOW, HL_ERR_ESCAPE);
    expect("n", "..", 0, HL_ERR_ESCAPE);
    expect("..", "f", 0, HL_ERR_ESCAPE);
    expect("d/../..", "f", 0, HL_ERR_ESCAPE);
}

Test(beneath, symlinks_that_leave)
{
    build_tree();
    expect("up/n", "f", 0, HL_ERR_ESCAPE);
    expect("n", "up/outside/secret", 0, HL_ERR_ESCAPE);
    expect("abs/tmp/n", "f", 0, HL_ERR_ESCAPE);
    expect("n", "abs/etc/passwd", 0, HL_ERR_ESCAPE);
    expect("abs_self/root/n", "f", 0, HL_ERR_ESCAPE);
    expect("n", "to_secret", HL_FOLLOW, HL_ERR_ESCAPE);
    expect("n", "abs", HL_FOLLOW, HL_ERR_ESCAPE);
}

/* A trailing slash makes linkat follow the last symlink: it must stay beneath
 * too, and what lies outside must not show through the status. */
Test(beneath, trailing_slash_follows_and_stays_inside)
{
    build_tree();
    expect("n", "symdir/", 0, HL_ERR_ESCAPE);
    expect("n", "absdir/", 0, HL_ERR_ESCAPE);
    expect("n", "to_secret/", 0, HL_ERR_ESCAPE);
    expect("n", "up/", 0, HL_ERR_ESCAPE);
    expect("n", "d/", 0, HL_ERR_IS_DIRECTORY);
    expect("n", "d/to_root/", 0, HL_ERR_IS_DIRECTORY);
    expect("n", "f/", 0, HL_ERR_NOT_DIRECTORY);
    expect("n", "in_link/", 0, HL_ERR_NOT_DIRECTORY);
    expect("n", "missing/", 0, HL_ERR_NOT_FOUND);
}

/* Magic links (/proc/self/cwd, /proc/self/fd/N) jump out: ESCAPE, the same
 * answer from both resolvers. */
Test(beneath, magic_links_escape)
{
    int proc = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (proc < 0)
        HLT_SKIP("no /proc/self: %s", strerror(errno));
    hlt_touch("x");
    cr_assert_eq(fchdir(hlt_dfd), 0);
    const char *srcs[] = {"cwd/x", "fd/0", "root/etc/passwd", "cwd/"};
    for (int walk = 0; walk < 2; walk++) {
        hl__posix_force_walk(walk);
        for (size_t i = 0; i < sizeof srcs / sizeof srcs[0]; i++)
            for (unsigned f = 0; f < 2; f++) {
                if (i == 1 && !f)
                    continue; /* "fd/0" without HL_FOLLOW names the magic link itself, inside */
                hl_options o = {HL_BENEATH | (f ? HL_FOLLOW : 0), 0};
                hl_error e;
                hl_status s = hl_create_at(proc, "n", srcs[i], &o, &e);
                cr_assert_eq(s, HL_ERR_ESCAPE, "%s: /proc/self + \"%s\": expected HL_ERR_ESCAPE, got %s; %s",
                             walk ? "walk" : "openat2", srcs[i], hl_status_name(s), e.message);
            }
    }
    hl__posix_force_walk(0);
    cr_assert_eq(hlt_lstat("x").st_nlink, 1);
    close(proc);
}

Test(beneath, symlink_chains)
{
    build_tree();
    expect("n", "chain1", HL_FOLLOW, HL_ERR_ESCAPE);
    expect("n", "chain1/secret", 0, HL_ERR_ESCAPE);
    expect("chain1/n", "f", 0, HL_ERR_ESCAPE);
    expect("n", "loop_a", HL_FOLLOW, HL_ERR_LOOP);
    expect("loop_a/n", "f", 0, HL_ERR_LOOP);
}

Test(beneath, staying_inside_works)
{
    build_tree();
    expect("n1", "d/../f", 0, HL_OK);
    expect("d/sub/n2", "d/sub/../../f", 0, HL_OK);
    expect("d/to_root/n3", "f", 0, HL_OK);
    expect("n4", "in_link", HL_FOLLOW, HL_OK);
    /* without HL_FOLLOW a symlink pointing out is linked itself, which stays inside */
    expect("n5", "to_secret", 0, HL_OK);
    expect("n6", "d/..", 0, HL_ERR_IS_DIRECTORY);
    expect("n7", "missing", 0, HL_ERR_NOT_FOUND);
    expect("n8", "nodir/f", 0, HL_ERR_PATH_NOT_FOUND);
    expect("nodir/n9", "f", 0, HL_ERR_PATH_NOT_FOUND);
    expect("n10", "f/x", 0, HL_ERR_NOT_DIRECTORY);
    expect("f", "d/../f", 0, HL_ERR_EXISTS);
    expect("n11", "missing", HL_FOLLOW, HL_ERR_NOT_FOUND);
    expect("n12", "nodir/f", HL_FOLLOW, HL_ERR_PATH_NOT_FOUND);
    hlt_touch("root/d/g"); /* both names in one directory, resolved once */
    expect("d/n14", "d/g", 0, HL_OK);
    expect("d/g", "d/g", 0, HL_ERR_EXISTS);
    expect("up/n15", "up/f", 0, HL_ERR_ESCAPE);
    /* the link made through the followed symlink is the target's inode */
    hl_options o = {HL_BENEATH | HL_FOLLOW, 0};
    hl_error e;
    HLT_STATUS(hl_create_at(root_fd, "n13", "in_link", &o, &e), HL_OK, &e);
    cr_assert_eq(hlt_lstat("root/n13").st_ino, hlt_lstat("root/f").st_ino);
}

/* Nothing outside moved, whatever was tried. */
Test(beneath, outside_is_untouched)
{
    build_tree();
    tk_snap before;
    hlt_snap(&before);
    const char *srcs[] = {"../outside/secret", "to_secret", "up/outside/secret", "chain1/secret", "abs/etc/passwd"};
    const char *dsts[] = {"../outside/x", "up/outside/x", "abs/tmp/x", "chain1/x", "n"};
    for (int walk = 0; walk < 2; walk++) {
        hl__posix_force_walk(walk);
        for (size_t i = 0; i < 5; i++)
            for (size_t j = 0; j < 5; j++)
                for (unsigned f = 0; f < 2; f++) {
                    hl_options o = {HL_BENEATH | (f ? HL_FOLLOW : 0), 0};
                    if (hl_create_at(root_fd, dsts[j], srcs[i], &o, NULL) == HL_OK)
                        cr_assert(j == 4 && i == 1 && !f, "%s -> %s succeeded", dsts[j], srcs[i]);
                    unlinkat(root_fd, "n", 0);
                }
    }
    hl__posix_force_walk(0);
    hlt_unchanged(&before, "every escape was refused");
    cr_assert_eq(hlt_lstat("outside/secret").st_nlink, 1);
}

/* HL_BENEATH with AT_FDCWD confines to the current directory. */
Test(beneath, current_directory)
{
    build_tree();
    cr_assert_eq(fchdir(root_fd), 0);
    hl_options o = {HL_BENEATH, 0};
    hl_error e;
    HLT_STATUS(hl_create_at(AT_FDCWD, "n", "../outside/secret", &o, &e), HL_ERR_ESCAPE, &e);
    HLT_STATUS(hl_create_at(AT_FDCWD, "n", "f", &o, &e), HL_OK, &e);
}
