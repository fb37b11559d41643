/*
 * Family 5, no_links: a volume without hard links (FAT, exFAT: the fat
 * profile) refuses every link with HL_ERR_NOT_SUPPORTED, leaves the source as
 * it was (data, nlink 1) and creates no name. Linux answers EPERM: a kernel
 * FAT has no link operation, and fusefat and exfat-fuse answer EPERM too
 * (measured). In the posix and ntfs profiles the very same calls must succeed,
 * and a NOT_SUPPORTED there is a failure.
 */
#include "hlc.h"

HLC_SUITE(no_links);

/* Link DST -> SRC: a link (posix, ntfs), or in the fat profile
 * HL_ERR_NOT_SUPPORTED with EPERM, nothing on disk changed, SRC still holding
 * DATA with nlink 1. */
static void expect_no_link(const char *dst, const char *src, unsigned flags, const char *data)
{
    if (hlc_links()) {
        hlc_expect_link(dst, src, flags);
        return;
    }
    hlc_expect_refused(dst, src, flags, HL_ERR_NOT_SUPPORTED, EPERM);
    struct stat st = hlc_lstat(src);
    HLC_CHECK(st.st_nlink == 1, "refused, but nlink of %s is %llu, expected 1", hlc_path(src),
              (unsigned long long)st.st_nlink);
    char *got = hlc_read(src);
    HLC_CHECK(got && strcmp(got, data) == 0, "refused, but %s now holds \"%s\", expected \"%s\"", hlc_path(src),
              got ? got : "(unreadable)", data);
    free(got);
}

HLC_CASE(no_links, empty_file)
{
    hlc_touch("src");
    expect_no_link("dst", "src", 0, "");
}

HLC_CASE(no_links, file_with_data)
{
    hlc_write("src", "some data that must stay");
    expect_no_link("dst", "src", 0, "some data that must stay");
}

HLC_CASE(no_links, in_subdirectories)
{
    hlc_mkdir("a");
    hlc_mkdir("b");
    hlc_write("a/src", "in a");
    expect_no_link("b/dst", "a/src", 0, "in a");
}

HLC_CASE(no_links, beneath)
{
    hlc_mkdir("a");
    hlc_mkdir("b");
    hlc_write("a/src", "beneath");
    expect_no_link("b/dst", "a/src", HL_BENEATH, "beneath");
}

/* HL_FOLLOW | HL_BENEATH links a pinned descriptor (AT_EMPTY_PATH, else
 * /proc): another system call, the same answer. */
HLC_CASE(no_links, pinned_source)
{
    hlc_write("src", "pinned");
    expect_no_link("dst", "src", HL_FOLLOW | HL_BENEATH, "pinned");
}

/* The refusal says nothing about the names: a second try, and one into the
 * same directory under another name, are refused the same way. */
HLC_CASE(no_links, repeated)
{
    hlc_write("src", "again");
    expect_no_link("dst1", "src", 0, "again");
    expect_no_link("dst2", hlc_links() ? "dst1" : "src", 0, "again");
}

/* libhl's probe must agree with the profile: that is how it tells "no hard
 * links here" (NOT_SUPPORTED) from a permission EPERM (ACCESS_DENIED). With
 * links, "unknown" (-1, e.g. overlay) is fine: only 0 turns EPERM into
 * NOT_SUPPORTED. */
HLC_CASE(no_links, probe_agrees)
{
    hl_volume v;
    hl_status s = hl_volume_probe(hlc_dir, &v);
    HLC_CHECK(s == HL_OK, "hl_volume_probe(%s): %s", hlc_dir, hlc_describe(s));
    const char *profile = hlc.profile == HLC_FAT ? "fat" : hlc.profile == HLC_NTFS ? "ntfs" : "posix";
    if (hlc_links())
        HLC_CHECK(v.hardlinks != 0, "the probe says hardlinks=0 for %s (%s, type %s), the %s profile expects links",
                  hlc_dir, v.name, v.fstype, profile);
    else
        HLC_CHECK(v.hardlinks == 0, "the probe says hardlinks=%d for %s (%s, type %s), the fat profile expects 0",
                  v.hardlinks, hlc_dir, v.name, v.fstype);
}
