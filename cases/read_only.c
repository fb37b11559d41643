/*
 * Family 8, read_only: a link whose new name is on a read-only mount gives
 * HL_ERR_READ_ONLY (EROFS) and changes nothing. The read-only volume is
 * HL_TARGET_RO (a read-only mount of the same kind holding hl-ro-source;
 * tools/run-cases sets it), else a read-only bind mount of a directory of the
 * case, in a mount namespace of the case's own. A read-only image kind
 * (squashfs, erofs) is its own read-only twin: HL_TARGET_RO is HL_TARGET, the
 * readonly profile runs the cases that need no writable case directory
 * (HLC_READ_CASE), and its image also holds the prepared lower layer
 * (hl-lower/), whose files of several names file_on_it links from too.
 *
 * Linux's order (fs/namei.c do_linkat, measured on all seven kinds): look up
 * the existing name (ENOENT); filename_create for the new name, which looks it up
 * (EEXIST) and only then reports that its mount refused write access (EROFS);
 * compare the two mounts (EXDEV); vfs_link (EPERM for a directory or a volume
 * without links). So the read-only answer comes before "is a directory",
 * "not supported" and "cross device", but after "not found" and "exists".
 */
#include "hlc.h"

#include <sys/statvfs.h>

HLC_SUITE(read_only);

static char ro[TK_PATH_MAX]; /* the read-only directory */
static int rofd = -1;       /* a descriptor on it */
static char ro_what[4400];  /* which one, for messages */

static void ro_setup(void)
{
    const char *t = getenv("HL_TARGET_RO");
    if (t && *t) {
        HLC_CHECK(realpath(t, ro), "setup: HL_TARGET_RO=%s: %s", t, strerror(errno));
        snprintf(ro_what, sizeof ro_what, "HL_TARGET_RO=%s", ro);
        hl_volume v;
        HLC_CHECK(hl_volume_probe(ro, &v) == HL_OK, "setup: cannot probe %s", ro_what);
        HLC_CHECK(strcmp(v.name, hlc.vol.name) == 0, "setup: %s is %s, HL_TARGET=%s is %s: expected the same kind",
                  ro_what, v.name, hlc.target, hlc.vol.name);
    } else { /* HLC_REQUIRE(read_only_volume) entered a private mount namespace */
        hlc_mkdir("rw");
        hlc_write("rw/hl-ro-source", "a file to link from\n");
        hlc_mkdir("ro");
        int e = hlc_bind("rw", "ro", 1);
        HLC_CHECK(e == 0, "setup: read-only bind mount of %s on %s: %s", hlc_path("rw"), hlc_path("ro"),
                  strerror(e));
        snprintf(ro, sizeof ro, "%s", hlc_path("ro"));
        snprintf(ro_what, sizeof ro_what, "read-only bind mount %s (HL_TARGET_RO not set)", ro);
    }
    rofd = open(ro, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    HLC_CHECK(rofd >= 0, "setup: open %s: %s", ro_what, strerror(errno));
    struct statvfs sv;
    HLC_CHECK(fstatvfs(rofd, &sv) == 0 && (sv.f_flag & ST_RDONLY), "setup: %s is not mounted read-only", ro_what);
    struct stat st;
    HLC_CHECK(fstatat(rofd, "hl-ro-source", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode),
              "setup: %s holds no regular file hl-ro-source", ro_what);
}

/* ro/name, in one of two rotating buffers */
static const char *ro_path(const char *name)
{
    static char bufs[2][4400];
    static int i;
    char *b = bufs[i++ & 1];
    snprintf(b, sizeof bufs[0], "%s/%s", ro, name);
    return b;
}

/* Refused, relative to any dirfd, watching the read-only directory too;
 * every message names which read-only directory it was. */
static void refused_ro(int dirfd, const char *new_name, const char *existing, unsigned flags, hl_status want,
                       int want_errno, hl_which which)
{
    hlc_call c = {.also = ro, .note = ro_what};
    hl_options o = {flags, 0};
    hlc_call_at(&c, dirfd, new_name, existing, &o);
    hlc_expect_refused(&c, want, want_errno, which);
}

/* ------------------------------------------------------------------ cases */

/* Both names on the read-only volume, relative to a descriptor on it; where
 * it holds a prepared lower layer, also from its files of two and three names
 * (a new name beside another name, and in another directory): the link
 * counts stay. */
HLC_READ_CASE(read_only, file_on_it)
{
    HLC_REQUIRE(read_only_volume);
    ro_setup();
    refused_ro(rofd, "x", "hl-ro-source", 0, HL_ERR_READ_ONLY, EROFS, HLC_NEW_NAME);
    if (faccessat(rofd, "hl-lower/LINKS", F_OK, AT_SYMLINK_NOFOLLOW) != 0)
        return;
    refused_ro(rofd, "hl-lower/two_c", "hl-lower/two_b", 0, HL_ERR_READ_ONLY, EROFS, HLC_NEW_NAME);
    refused_ro(rofd, "x", "hl-lower/two_a", 0, HL_ERR_READ_ONLY, EROFS, HLC_NEW_NAME);
    refused_ro(rofd, "hl-lower/d/x", "hl-lower/three_a", 0, HL_ERR_READ_ONLY, EROFS, HLC_NEW_NAME);
    refused_ro(rofd, "hl-lower/three_d", "hl-lower/d/three_c", HL_FOLLOW | HL_BENEATH, HL_ERR_READ_ONLY, EROFS,
               HLC_NEW_NAME);
}

/* The same by absolute paths from the (writable) case directory's dirfd. */
HLC_READ_CASE(read_only, file_on_it_absolute)
{
    HLC_REQUIRE(read_only_volume);
    ro_setup();
    refused_ro(hlc_dfd, ro_path("x"), ro_path("hl-ro-source"), 0, HL_ERR_READ_ONLY, EROFS, HLC_NEW_NAME);
}

HLC_READ_CASE(read_only, file_on_it_beneath)
{
    HLC_REQUIRE(read_only_volume);
    ro_setup();
    refused_ro(rofd, "x", "hl-ro-source", HL_BENEATH, HL_ERR_READ_ONLY, EROFS, HLC_NEW_NAME);
}

/* HL_FOLLOW | HL_BENEATH links a pinned descriptor (AT_EMPTY_PATH or /proc). */
HLC_READ_CASE(read_only, file_on_it_pinned)
{
    HLC_REQUIRE(read_only_volume);
    ro_setup();
    refused_ro(rofd, "x", "hl-ro-source", HL_FOLLOW | HL_BENEATH, HL_ERR_READ_ONLY, EROFS, HLC_NEW_NAME);
}

/* New name on it, the existing file on the writable volume: EROFS, not EXDEV (the new
 * name's mount is asked for write access before the mounts are compared). */
HLC_CASE(read_only, into_it_from_elsewhere)
{
    HLC_REQUIRE(read_only_volume);
    ro_setup();
    hlc_write("existing", "writable side");
    refused_ro(hlc_dfd, ro_path("x"), "existing", 0, HL_ERR_READ_ONLY, EROFS, HLC_NEW_NAME);
}

/* The existing file on it, new name on the writable volume: nothing would be written to
 * the read-only one, so the answer is the mounts': EXDEV. */
HLC_CASE(read_only, out_of_it)
{
    HLC_REQUIRE(read_only_volume);
    ro_setup();
    refused_ro(hlc_dfd, "x", ro_path("hl-ro-source"), 0, HL_ERR_CROSS_DEVICE, EXDEV, HLC_NEITHER);
}

/* A directory as the existing file (the read-only volume's root) with the new name on it:
 * EROFS, not IS_DIRECTORY/EPERM, because filename_create refuses write access
 * before vfs_link looks at what the existing file is. */
HLC_READ_CASE(read_only, directory_on_it)
{
    HLC_REQUIRE(read_only_volume);
    ro_setup();
    refused_ro(rofd, "x", ".", 0, HL_ERR_READ_ONLY, EROFS, HLC_NEW_NAME);
}

/* The new name exists: filename_create reports EEXIST before EROFS. */
HLC_READ_CASE(read_only, existing_name_on_it)
{
    HLC_REQUIRE(read_only_volume);
    ro_setup();
    refused_ro(rofd, "hl-ro-source", "hl-ro-source", 0, HL_ERR_EXISTS, EEXIST, HLC_NEW_NAME);
}

/* The existing file is missing: it is looked up first, ENOENT before EROFS. */
HLC_READ_CASE(read_only, missing_source_on_it)
{
    HLC_REQUIRE(read_only_volume);
    ro_setup();
    refused_ro(rofd, "x", "no-such-file", 0, HL_ERR_NOT_FOUND, ENOENT, HLC_EXISTING);
}
