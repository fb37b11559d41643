/*
 * Family 5, no_links: a volume without hard links (FAT, exFAT: the fat
 * profile) refuses every link with HL_ERR_NOT_SUPPORTED, leaves the existing
 * file as it was (data, link count 1) and creates no name. Linux answers EPERM: a kernel
 * FAT has no link operation, and fusefat and exfat-fuse answer EPERM too
 * (measured). In the posix and ntfs profiles the very same calls must succeed,
 * and a NOT_SUPPORTED there is a failure.
 */
#include "hlc.h"

HLC_SUITE(no_links);

/* A link from new_name to existing (posix, ntfs), or in the fat profile
 * HL_ERR_NOT_SUPPORTED with EPERM concerning the existing file, nothing on
 * disk changed, the existing file still holding data with link count 1. */
static void expect_no_link(const char *new_name, const char *existing, unsigned flags, const char *data)
{
    hlc_call c = {0};
    hlc_call_in(&c, new_name, existing, flags);
    if (hlc_links()) {
        hlc_expect_linked(&c);
        return;
    }
    hlc_expect_refused(&c, HL_ERR_NOT_SUPPORTED, EPERM, HLC_EXISTING);
    struct stat st = hlc_lstat(existing);
    HLC_CHECK(st.st_nlink == 1, "refused, but the link count of %s is %llu, expected 1", hlc_path(existing),
              (unsigned long long)st.st_nlink);
    char *got = hlc_read(existing);
    HLC_CHECK(got && strcmp(got, data) == 0, "refused, but %s now holds \"%s\", expected \"%s\"",
              hlc_path(existing), got ? got : "(unreadable)", data);
    free(got);
}

HLC_CASE(no_links, empty_file)
{
    hlc_touch("existing");
    expect_no_link("new", "existing", 0, "");
}

HLC_CASE(no_links, file_with_data)
{
    hlc_write("existing", "some data that must stay");
    expect_no_link("new", "existing", 0, "some data that must stay");
}

HLC_CASE(no_links, in_subdirectories)
{
    hlc_mkdir("a");
    hlc_mkdir("b");
    hlc_write("a/existing", "in a");
    expect_no_link("b/new", "a/existing", 0, "in a");
}

HLC_CASE(no_links, beneath)
{
    hlc_mkdir("a");
    hlc_mkdir("b");
    hlc_write("a/existing", "beneath");
    expect_no_link("b/new", "a/existing", HL_BENEATH, "beneath");
}

/* HL_FOLLOW | HL_BENEATH links a pinned descriptor (AT_EMPTY_PATH, else
 * /proc): another system call, the same answer. */
HLC_CASE(no_links, pinned_source)
{
    hlc_write("existing", "pinned");
    expect_no_link("new", "existing", HL_FOLLOW | HL_BENEATH, "pinned");
}

/* The refusal says nothing about the names: a second try, and one into the
 * same directory under another name, are refused the same way. */
HLC_CASE(no_links, repeated)
{
    hlc_write("existing", "again");
    expect_no_link("new1", "existing", 0, "again");
    expect_no_link("new2", hlc_links() ? "new1" : "existing", 0, "again");
}

/* libhl's probe must agree with the profile: that is how it tells "no hard
 * links here" (NOT_SUPPORTED) from a permission EPERM (ACCESS_DENIED). With
 * links, "unknown" (-1, e.g. overlay) is fine: only 0 turns EPERM into
 * NOT_SUPPORTED. */
HLC_CASE(no_links, probe_agrees)
{
    hl_volume v;
    hl_status s = hl_volume_probe(hlc_dir, &v);
    HLC_CHECK(s == HL_OK, "hl_volume_probe(%s): %s", hlc_dir, hl_status_name(s));
    const char *profile = hlc_profile_name();
    if (hlc_links())
        HLC_CHECK(v.hardlinks != 0, "the probe says hardlinks=0 for %s (%s, type %s), the %s profile expects links",
                  hlc_dir, v.name, v.fstype, profile);
    else
        HLC_CHECK(v.hardlinks == 0, "the probe says hardlinks=%d for %s (%s, type %s), the fat profile expects 0",
                  v.hardlinks, hlc_dir, v.name, v.fstype);
}
