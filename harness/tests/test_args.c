/* Bad arguments are refused before anything touches the disk; no input leaks. */
#include "common.h"

TestSuite(args, .init = hlt_setup, .fini = hlt_teardown);

static void expect_invalid(int dirfd, const char *new_name, const char *existing, const hl_options *o)
{
    tk_snap before;
    hlt_snap(&before);
    hl_error e;
    HLT_STATUS(hl_create_at(dirfd, new_name, existing, o, &e), HL_ERR_INVALID_ARGUMENT, &e);
    cr_assert(hl_create_at(dirfd, new_name, existing, o, NULL) == HL_ERR_INVALID_ARGUMENT, "err may be NULL");
    hlt_unchanged(&before, "refused as invalid");
}

Test(args, null_and_empty_paths)
{
    hlt_touch("existing");
    expect_invalid(hlt_dfd, NULL, "existing", NULL);
    expect_invalid(hlt_dfd, "new", NULL, NULL);
    expect_invalid(hlt_dfd, "", "existing", NULL);
    expect_invalid(hlt_dfd, "new", "", NULL);
    expect_invalid(hlt_dfd, NULL, NULL, NULL);
    hl_error e;
    HLT_STATUS(hl_create(NULL, "existing", &e), HL_ERR_INVALID_ARGUMENT, &e);
    cr_assert_eq(e.which, HL_PATH_DESTINATION);
    HLT_STATUS(hl_create("new", NULL, &e), HL_ERR_INVALID_ARGUMENT, &e);
    cr_assert_eq(e.which, HL_PATH_SOURCE);
    cr_assert_eq(e.domain, HL_DOMAIN_NONE);
}

Test(args, path_of_path_max_bytes_or_more)
{
    hlt_touch("existing");
    static char long_path[HL_PATH_MAX + 10];
    memset(long_path, 'a', sizeof long_path - 1);
    for (size_t i = 100; i < sizeof long_path - 1; i += 100)
        long_path[i] = '/';
    long_path[HL_PATH_MAX] = '\0'; /* 4096 bytes: does not fit PATH_MAX with its NUL */
    expect_invalid(hlt_dfd, long_path, "existing", NULL);
    expect_invalid(hlt_dfd, "new", long_path, NULL);
    long_path[HL_PATH_MAX - 1] = '\0'; /* 4095 bytes: the kernel's business */
    hl_error e;
    hl_status s = hl_create_at(hlt_dfd, long_path, "existing", NULL, &e);
    cr_assert_neq(s, HL_ERR_INVALID_ARGUMENT, "a 4095-byte path is not refused by the argument check");
    cr_assert_eq(s, HL_ERR_PATH_NOT_FOUND, "got %s: %s", hl_status_name(s), e.message);
}

Test(args, bad_dirfd)
{
    hlt_touch("existing");
    expect_invalid(-5, "new", "existing", NULL);
    int closed = dup(hlt_dfd);
    close(closed);
    expect_invalid(closed, "new", "existing", NULL);
    char abs_existing[4200], abs_new[4200];
    snprintf(abs_existing, sizeof abs_existing, "%s/existing", hlt_dir);
    snprintf(abs_new, sizeof abs_new, "%s/new", hlt_dir);
    /* linkat would ignore dirfd for absolute paths; libhl still refuses a bad one */
    expect_invalid(closed, abs_new, abs_existing, NULL);
    int file = openat(hlt_dfd, "existing", O_RDONLY | O_CLOEXEC);
    expect_invalid(file, "new", "existing", NULL);
    hl_options beneath = {HL_BENEATH, 0};
    expect_invalid(file, "new", "existing", &beneath);
    expect_invalid(closed, "new", "existing", &beneath);
    hl_options policy = {0, 5}; /* the policy's stat meets the bad dirfd first */
    expect_invalid(file, "new", "existing", &policy);
    expect_invalid(closed, "new", "existing", &policy);
    hl_error e;
    hl_create_at(closed, "new", "existing", &policy, &e);
    cr_assert_eq(e.which, HL_PATH_NEITHER, "a bad dirfd concerns neither name: %s", e.message);
    close(file);
}

Test(args, unknown_flag_bits)
{
    hlt_touch("existing");
    const unsigned bad[] = {0x4, 0x80000000u, HL_FLAGS_ALL + 1, ~0u};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hl_options o = {bad[i], 0};
        expect_invalid(hlt_dfd, "new", "existing", &o);
    }
}

/* Many calls of every kind: the fd count is what it was (ASan checks memory). */
Test(args, no_descriptor_leaks)
{
    hlt_touch("existing");
    hlt_mkdir("d");
    hlt_symlink("existing", "sl");
    hlt_symlink("/", "out");
    int before = hlt_count_fds();
    const unsigned flags[] = {0, HL_FOLLOW, HL_BENEATH, HL_BENEATH | HL_FOLLOW};
    /* the last three would leave the tree: only tried under HL_BENEATH */
    const char *existing_names[] = {"existing", "d/x", "d", "sl", "d/../existing", "nodir/x", "out", "../x", "/etc/passwd"};
    hlt_touch("d/x");
    for (int walk = 0; walk < 2; walk++) {
        hl__posix_force_walk(walk);
        for (size_t f = 0; f < 4; f++)
            for (size_t i = 0; i < sizeof existing_names / sizeof existing_names[0]; i++) {
                if (i >= 6 && !(flags[f] & HL_BENEATH))
                    continue;
                hl_options o = {flags[f], i % 2 ? 5 : 0};
                hl_error e;
                if (hl_create_at(hlt_dfd, "d/new", existing_names[i], &o, &e) == HL_OK)
                    unlinkat(hlt_dfd, "d/new", 0);
                if (flags[f] & HL_BENEATH)
                    cr_assert_neq(hl_create_at(hlt_dfd, "out/x", existing_names[i], &o, &e), HL_OK);
            }
    }
    hl__posix_force_walk(0);
    cr_assert_eq(hlt_count_fds(), before, "open descriptors: %d before, %d after", before, hlt_count_fds());
}
