/* The max_links policy: NTFS semantics (1024 names per file) on any volume. */
#include "common.h"

TestSuite(policy, .init = hlt_setup, .fini = hlt_teardown);

static void ntfs_limit(unsigned flags)
{
    hlt_touch("src");
    hlt_mkdir("links");
    hl_options o = {flags, HL_NTFS_MAX_LINKS};
    hl_error e;
    char name[64];
    for (int i = 1; i <= 1023; i++) {
        snprintf(name, sizeof name, "links/l%04d", i);
        hl_status s = hl_create_at(hlt_dfd, name, "src", &o, &e);
        cr_assert_eq(s, HL_OK, "link %d of 1023: expected HL_OK, got %s; %s", i, hl_status_name(s), e.message);
    }
    cr_assert_eq(hlt_lstat("src").st_nlink, 1024, "after 1023 links nlink is %llu",
                 (unsigned long long)hlt_lstat("src").st_nlink);
    tk_snap before;
    hlt_snap(&before);
    HLT_STATUS(hl_create_at(hlt_dfd, "links/l1024", "src", &o, &e), HL_ERR_TOO_MANY_LINKS, &e);
    cr_assert_eq(e.domain, HL_DOMAIN_NONE, "a policy refusal has no native error");
    cr_assert_eq(e.which, HL_PATH_SOURCE);
    cr_assert(!hlt_exists("links/l1024"), "the refused link exists");
    cr_assert_eq(hlt_lstat("src").st_nlink, 1024);
    hlt_unchanged(&before, "the link past the policy was refused");
    /* through any of its names */
    HLT_STATUS(hl_create_at(hlt_dfd, "other", "links/l0500", &o, &e), HL_ERR_TOO_MANY_LINKS, &e);
    /* unlink one, and one more fits */
    cr_assert_eq(unlinkat(hlt_dfd, "links/l0001", 0), 0);
    HLT_STATUS(hl_create_at(hlt_dfd, "links/l1024", "src", &o, &e), HL_OK, &e);
}

Test(policy, ntfs_1023_links_then_refused) { ntfs_limit(0); }
Test(policy, ntfs_1023_links_then_refused_beneath) { ntfs_limit(HL_BENEATH); }

Test(policy, limit_counts_names_not_links)
{
    hlt_touch("src");
    hl_options one = {0, 1};
    hl_error e;
    HLT_STATUS(hl_create_at(hlt_dfd, "n", "src", &one, &e), HL_ERR_TOO_MANY_LINKS, &e);
    hl_options two = {HL_BENEATH | HL_FOLLOW, 2};
    hlt_symlink("src", "sl");
    HLT_STATUS(hl_create_at(hlt_dfd, "n", "sl", &two, &e), HL_OK, &e);
    HLT_STATUS(hl_create_at(hlt_dfd, "n2", "sl", &two, &e), HL_ERR_TOO_MANY_LINKS, &e);
    cr_assert_eq(hlt_lstat("src").st_nlink, 2);
}

Test(policy, other_failures_keep_their_status)
{
    hlt_mkdir("dir");
    hl_options o = {0, 1};
    hl_error e;
    HLT_STATUS(hl_create_at(hlt_dfd, "n", "dir", &o, &e), HL_ERR_IS_DIRECTORY, &e);
    HLT_STATUS(hl_create_at(hlt_dfd, "n", "missing", &o, &e), HL_ERR_NOT_FOUND, &e);
    HLT_STATUS(hl_create_at(hlt_dfd, "n", "nodir/missing", &o, &e), HL_ERR_PATH_NOT_FOUND, &e);
    hl_options b = {HL_BENEATH, 1};
    HLT_STATUS(hl_create_at(hlt_dfd, "n", "../x", &b, &e), HL_ERR_ESCAPE, &e);
}
