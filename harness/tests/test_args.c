/* Bad arguments are refused before anything touches the disk; no input leaks. */
#include "common.h"

TestSuite(args, .init = hlt_setup, .fini = hlt_teardown);

static void expect_invalid(int dirfd, const char *dst, const char *src, const hl_options *o)
{
    tk_snap before;
    hlt_snap(&before);
    hl_error e;
    HLT_STATUS(hl_create_at(dirfd, dst, src, o, &e), HL_ERR_INVALID_ARGUMENT, &e);
    cr_assert(hl_create_at(dirfd, dst, src, o, NULL) == HL_ERR_INVALID_ARGUMENT, "err may be NULL");
    hlt_unchanged(&before, "refused as invalid");
}

Test(args, null_and_empty_paths)
{
    hlt_touch("src");
    expect_invalid(hlt_dfd, NULL, "src", NULL);
    expect_invalid(hlt_dfd, "dst", NULL, NULL);
    expect_invalid(hlt_dfd, "", "src", NULL);
    expect_invalid(hlt_dfd, "dst", "", NULL);
    expect_invalid(hlt_dfd, NULL, NULL, NULL);
    hl_error e;
    HLT_STATUS(hl_create(NULL, "src", &e), HL_ERR_INVALID_ARGUMENT, &e);
    cr_assert_eq(e.which, HL_PATH_DESTINATION);
    HLT_STATUS(hl_create("dst", NULL, &e), HL_ERR_INVALID_ARGUMENT, &e);
    cr_assert_eq(e.which, HL_PATH_SOURCE);
    cr_assert_eq(e.domain, HL_DOMAIN_NONE);
}

Test(args, path_of_path_max_bytes_or_more)
{
    hlt_touch("src");
    static char long_path[HL_PATH_MAX + 10];
    memset(long_path, 'a', sizeof long_path - 1);
    for (size_t i = 100; i < sizeof long_path - 1; i += 100)
        long_path[i] = '/';
    long_path[HL_PATH_MAX] = '\0'; /* 4096 bytes: does not fit PATH_MAX with its NUL */
    expect_invalid(hlt_dfd, long_path, "src", NULL);
    expect_invalid(hlt_dfd, "dst", long_path, NULL);
    long_path[HL_PATH_MAX - 1] = '\0'; /* 4095 bytes: the kernel's business */
    hl_error e;
    hl_status s = hl_create_at(hlt_dfd, long_path, "src", NULL, &e);
    cr_assert_neq(s, HL_ERR_INVALID_ARGUMENT, "a 4095-byte path is not refused by the argument check");
    cr_assert_eq(s, HL_ERR_PATH_NOT_FOUND, "got %s: %s", hl_status_name(s), e.message);
}

Test(args, bad_dirfd)
{
    hlt_touch("src");
    expect_invalid(-5, "dst", "src", NULL);
    int closed = dup(hlt_dfd);
    close(closed);
    expect_invalid(closed, "dst", "src", NULL);
    char abs_src[4200], abs_dst[4200];
    snprintf(abs_src, sizeof abs_src, "%s/src", hlt_dir);
    snprintf(abs_dst, sizeof abs_dst, "%s/dst", hlt_dir);
    /* linkat would ignore dirfd for absolute paths; libhl still refuses a bad one */
    expect_invalid(closed, abs_dst, abs_src, NULL);
    int file = openat(hlt_dfd, "src", O_RDONLY | O_CLOEXEC);
    expect_invalid(file, "dst", "src", NULL);
    hl_options beneath = {HL_BENEATH, 0};
    expect_invalid(file, "dst", "src", &beneath);
    expect_invalid(closed, "dst", "src", &beneath);
    hl_options policy = {0, 5}; /* the policy's stat meets the bad dirfd first */
    expect_invalid(file, "dst", "src", &policy);
    expect_invalid(closed, "dst", "src", &policy);
    hl_error e;
    hl_create_at(closed, "dst", "src", &policy, &e);
    cr_assert_eq(e.which, HL_PATH_NEITHER, "a bad dirfd concerns neither name: %s", e.message);
    close(file);
}

Test(args, unknown_flag_bits)
{
    hlt_touch("src");
    const unsigned bad[] = {0x4, 0x80000000u, HL_FLAGS_ALL + 1, ~0u};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hl_options o = {bad[i], 0};
        expect_invalid(hlt_dfd, "dst", "src", &o);
    }
}

/* Many calls of every kind: the fd count is what it was (ASan checks memory). */
Test(args, no_descriptor_leaks)
{
    hlt_touch("src");
    hlt_mkdir("d");
    hlt_symlink("src", "sl");
    hlt_symlink("/", "out");
    int before = hlt_count_fds();
    const unsigned flags[] = {0, HL_FOLLOW, HL_BENEATH, HL_BENEATH | HL_FOLLOW};
    /* the last three would leave the tree: only tried under HL_BENEATH */
    const char *srcs[] = {"src", "d/x", "d", "sl", "d/../src", "nodir/x", "out", "../x", "/etc/passwd"};
    hlt_touch("d/x");
    for (int walk = 0; walk < 2; walk++) {
        hl__posix_force_walk(walk);
        for (size_t f = 0; f < 4; f++)
            for (size_t i = 0; i < sizeof srcs / sizeof srcs[0]; i++) {
                if (i >= 6 && !(flags[f] & HL_BENEATH))
                    continue;
                hl_options o = {flags[f], i % 2 ? 5 : 0};
                hl_error e;
                if (hl_create_at(hlt_dfd, "d/new", srcs[i], &o, &e) == HL_OK)
                    unlinkat(hlt_dfd, "d/new", 0);
                if (flags[f] & HL_BENEATH)
                    cr_assert_neq(hl_create_at(hlt_dfd, "out/x", srcs[i], &o, &e), HL_OK);
            }
    }
    hl__posix_force_walk(0);
    cr_assert_eq(hlt_count_fds(), before, "open descriptors: %d before, %d after", before, hlt_count_fds());
}
