/*
 * Family 7, permissions: as uid/gid 65534 (nobody), a directory that is not
 * writable or not searchable refuses with EACCES (HL_ERR_ACCESS_DENIED) and
 * names the side it is on; fs.protected_hardlinks=1 refuses a file the caller
 * neither owns nor may read and write (EPERM, HL_ERR_ACCESS_DENIED) and lets
 * the caller link its own. Needs root to switch users.
 *
 * The snapshots that prove nothing changed are taken as root: nobody cannot
 * see into the very directories these cases lock.
 *
 * The fat profile has no Unix permissions, and the two FUSE drivers measured
 * (Debian 12) show it differently; each case asserts what its driver does:
 *   - fusefat: chmod answers ENOSYS, everything is root's with mode 0700, and
 *     the mount has no allow_other, so the kernel's FUSE client refuses every
 *     other user outright: for nobody every lookup is EACCES, and libhl's look
 *     at the source meets the same EACCES, so the refusal concerns the source;
 *   - exfat-fuse: mounted with allow_other,default_permissions but with every
 *     file root's and 0777; chmod succeeds and changes nothing (setuid,
 *     setgid and sticky bits: EPERM), so nobody is
 *     let through everywhere and the link is refused only because exFAT has no
 *     hard links (EPERM, HL_ERR_NOT_SUPPORTED).
 * ntfs-3g is mounted with -o permissions: the posix expectations hold there.
 */
#include "hlc.h"

HLC_SUITE(permissions);

static const char *which_name(hl_which w)
{
    return w == HL_PATH_SOURCE ? "the source" : w == HL_PATH_DESTINATION ? "the new name" : "neither name";
}


static void need_root(void)
{
    if (geteuid() != 0)
        hlc_skip("needs root to switch to uid 65534 (running as uid %u)", (unsigned)geteuid());
}

static int fusefat(void) { return strcmp(hlc.vol.name, "fusefat") == 0; }
static int exfat(void) { return strcmp(hlc.vol.name, "exfat") == 0; }

/* In the fat profile only the two measured drivers have an expectation. */
static void need_known_fat_driver(void)
{
    if (hlc.profile == HLC_FAT && !fusefat() && !exfat())
        hlc_skip("fat profile on %s: its permission behaviour has not been measured (fusefat and exfat-fuse have)",
                 hlc.vol.name);
}

/* chmod as root, and check that it took effect; in the fat profile check
 * what the driver does instead (see the top of the file). */
static void set_mode(const char *rel, mode_t m)
{
    int r = fchmodat(hlc_dfd, rel, m, 0), e = errno;
    mode_t now = hlc_lstat(rel).st_mode & 07777;
    if (hlc.profile != HLC_FAT) {
        HLC_CHECK(r == 0, "setup: chmod %o %s: %s", (unsigned)m, hlc_path(rel), strerror(e));
        HLC_CHECK(now == m, "setup: chmod %o %s succeeded but the mode is %o", (unsigned)m, hlc_path(rel),
                  (unsigned)now);
    } else if (fusefat()) {
        HLC_CHECK(r != 0 && e == ENOSYS, "fusefat: chmod %o %s: expected ENOSYS (no permissions), got %s",
                  (unsigned)m, hlc_path(rel), r == 0 ? "success" : hl_errno_name(e));
        HLC_CHECK(now == 0700, "fusefat: mode of %s is %o, expected the fixed 0700", hlc_path(rel), (unsigned)now);
    } else if (m & ~0777) { /* exfat-fuse refuses what it cannot even pretend to keep */
        HLC_CHECK(r != 0 && e == EPERM, "exfat-fuse: chmod %o %s: expected EPERM (setuid, setgid, sticky), got %s",
                  (unsigned)m, hlc_path(rel), r == 0 ? "success" : hl_errno_name(e));
        HLC_CHECK(now == 0777, "exfat-fuse: mode of %s is %o, expected the fixed 0777", hlc_path(rel), (unsigned)now);
    } else {
        HLC_CHECK(r == 0, "exfat-fuse: chmod %o %s: expected a success that changes nothing, got %s", (unsigned)m,
                  hlc_path(rel), hl_errno_name(e));
        HLC_CHECK(now == 0777, "exfat-fuse: mode of %s is %o after chmod %o, expected the fixed 0777",
                  hlc_path(rel), (unsigned)now, (unsigned)m);
    }
}

static void make_dir(const char *rel, mode_t m)
{
    hlc_mkdir(rel);
    set_mode(rel, m);
}

/* Create rel as nobody (its owner), or as root where nobody cannot create
 * anything (fat profile: see the top). Called as root. */
static void nobodys_file(const char *rel)
{
    if (hlc.profile == HLC_FAT) {
        hlc_write(rel, "mine");
        return;
    }
    hlc_nobody();
    hlc_write(rel, "mine");
    HLC_CHECK(hlc_lstat(rel).st_uid == 65534, "setup: %s created by uid 65534 belongs to uid %u", hlc_path(rel),
              (unsigned)hlc_lstat(rel).st_uid);
    hlc_root();
}

/* As nobody: the call must be refused with want (errno want_errno), concern
 * which, and change nothing (seen by root). Called as root, returns as root. */
static void refused_as_nobody_note(const char *dst, const char *src, hl_status want, int want_errno, hl_which which,
                                   const char *note)
{
    hlc_snap *before = hlc_snapshot();
    hl_error e;
    hlc_nobody();
    hl_status s = hlc_link(dst, src, 0, &e);
    hlc_root();
    const char *c = hlc_changed_since(before);
    char changed[9000];
    snprintf(changed, sizeof changed, "%s", c ? c : "");
    HLC_CHECK(s == want, "as uid 65534, %s -> %s: expected %s (%s), got %s; %s%s%s%s", hlc_path(dst), hlc_path(src),
              hl_status_name(want), hl_errno_name(want_errno), hlc_describe_got(s, &e),
              *changed ? changed : "nothing changed on disk", s == HL_OK ? "" : "; ", s == HL_OK ? "" : e.message,
              note);
    HLC_CHECK(e.domain == HL_DOMAIN_ERRNO && e.native == want_errno, "expected %s with errno %s, got %s; %s",
              hl_status_name(want), hl_errno_name(want_errno), hlc_describe_got(s, &e), e.message);
    HLC_CHECK(hl_status_refines(e.domain, e.native, s), "%s cannot come from native code %ld: %s",
              hl_status_name(s), e.native, e.message);
    HLC_CHECK(e.which == which, "%s as expected, but it concerns %s, expected %s; %s", hlc_describe_got(s, &e),
              which_name(e.which), which_name(which), e.message);
    HLC_CHECK(!*changed, "refused with %s as expected, but %s", hlc_describe_got(s, &e), changed);
}

static void refused_as_nobody(const char *dst, const char *src, hl_status want, int want_errno, hl_which which)
{
    refused_as_nobody_note(dst, src, want, want_errno, which, "");
}

/* What the fat profile's drivers answer nobody, whatever the modes say. */
static void refused_on_fat(const char *dst, const char *src)
{
    if (fusefat()) { /* the mount admits root only */
        refused_as_nobody(dst, src, HL_ERR_ACCESS_DENIED, EACCES, HL_PATH_SOURCE);
        return;
    }
    /* every check passes; no link operation. libhl tells that EPERM from a
     * permission refusal by its probe of the volume: say what it sees as nobody. */
    char proc[64], note[256];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", hlc_dfd);
    hl_volume v;
    hlc_nobody();
    hl_status ps = hl_volume_probe(proc, &v);
    hlc_root();
    snprintf(note, sizeof note, " (libhl's volume probe as uid 65534: %s, name \"%s\", hardlinks %d; as root: \"%s\", %d)",
             hl_status_name(ps), ps == HL_OK ? v.name : "", ps == HL_OK ? v.hardlinks : -1, hlc.vol.name,
             hlc.vol.hardlinks);
    refused_as_nobody_note(dst, src, HL_ERR_NOT_SUPPORTED, EPERM, HL_PATH_SOURCE, note);
}

/* As nobody: the link is made (hlc_expect_link's checks). Called as root. */
static void links_as_nobody(const char *dst, const char *src)
{
    hlc_nobody();
    hlc_expect_link(dst, src, 0);
    hlc_root();
}

/* ------------------------------------------------------------------ modes */

HLC_CASE(permissions, destination_directory_not_writable)
{
    need_root();
    need_known_fat_driver();
    make_dir("pub", 0777);
    make_dir("locked", 0755); /* root's: nobody may search it, not write it */
    nobodys_file("pub/mine");
    if (hlc.profile == HLC_FAT) {
        refused_on_fat("locked/n", "pub/mine");
        return;
    }
    refused_as_nobody("locked/n", "pub/mine", HL_ERR_ACCESS_DENIED, EACCES, HL_PATH_DESTINATION);
    links_as_nobody("pub/n", "pub/mine"); /* the same link into a writable directory works */
}

/* A directory nobody may list but not search (r-- for others), once as the
 * source's own directory and once further up the way. */
HLC_CASE(permissions, source_directory_not_searchable)
{
    need_root();
    need_known_fat_driver();
    make_dir("pub", 0777);
    make_dir("nosearch", 0755);
    hlc_write("nosearch/f", "root's");
    set_mode("nosearch/f", 0666);
    make_dir("closed", 0755);
    make_dir("closed/open", 0777);
    hlc_write("closed/open/f", "root's");
    set_mode("closed/open/f", 0666);
    set_mode("nosearch", 0774);
    set_mode("closed", 0774);
    if (hlc.profile == HLC_FAT) {
        refused_on_fat("pub/n", "nosearch/f");
        refused_on_fat("pub/n", "closed/open/f");
        return;
    }
    refused_as_nobody("pub/n", "nosearch/f", HL_ERR_ACCESS_DENIED, EACCES, HL_PATH_SOURCE);
    refused_as_nobody("pub/n", "closed/open/f", HL_ERR_ACCESS_DENIED, EACCES, HL_PATH_SOURCE);
    set_mode("closed", 0775); /* searchable again: the same call works */
    links_as_nobody("pub/n", "closed/open/f");
}

HLC_CASE(permissions, destination_directory_not_searchable)
{
    need_root();
    need_known_fat_driver();
    make_dir("pub", 0777);
    nobodys_file("pub/mine");
    make_dir("nosearch", 0777);
    make_dir("closed", 0755);
    make_dir("closed/open", 0777);
    set_mode("nosearch", 0776); /* writable but not searchable: still no way in */
    set_mode("closed", 0774);
    if (hlc.profile == HLC_FAT) {
        refused_on_fat("nosearch/n", "pub/mine");
        refused_on_fat("closed/open/n", "pub/mine");
        return;
    }
    refused_as_nobody("nosearch/n", "pub/mine", HL_ERR_ACCESS_DENIED, EACCES, HL_PATH_DESTINATION);
    refused_as_nobody("closed/open/n", "pub/mine", HL_ERR_ACCESS_DENIED, EACCES, HL_PATH_DESTINATION);
    set_mode("closed", 0775);
    links_as_nobody("closed/open/n", "pub/mine");
}

/* ------------------------------------------------------------------ protected_hardlinks */

#define PROTECTED "/proc/sys/fs/protected_hardlinks"
static char saved_protected; /* the value to put back, 0 if none */

static void restore_protected(void)
{
    hlc_root();
    if (!saved_protected)
        return;
    int fd = open(PROTECTED, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, &saved_protected, 1) != 1)
        fprintf(stderr, "%s: could not restore fs.protected_hardlinks=%c: %s\n", hlc_case, saved_protected,
                strerror(errno));
    if (fd >= 0)
        close(fd);
    saved_protected = 0;
}

/* fs/namei.c may_linkat: without CAP_FOWNER, a file you do not own is
 * linkable only if it is a regular file, not setuid, not setgid-executable,
 * and you may read and write it. */
HLC_CASE(permissions, protected_hardlinks, .fini = restore_protected)
{
    need_root();
    need_known_fat_driver();
    int fd = open(PROTECTED, O_RDWR | O_CLOEXEC);
    char cur = 0;
    if (fd < 0 || pread(fd, &cur, 1, 0) != 1) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        hlc_skip("cannot read fs.protected_hardlinks: %s", strerror(e));
    }
    if (cur != '1') {
        if (pwrite(fd, "1", 1, 0) != 1) {
            int e = errno;
            close(fd);
            hlc_skip("cannot set fs.protected_hardlinks=1 (it is %c): %s", cur, strerror(e));
        }
        saved_protected = cur;
    }
    close(fd);
    make_dir("pub", 0777);
    hlc_write("pub/roots", "root's");        /* nobody may read it, not write it */
    hlc_write("pub/roots_shared", "root's"); /* nobody may read and write it */
    hlc_write("pub/roots_setuid", "root's"); /* ... but it is setuid */
    set_mode("pub/roots", 0644);
    set_mode("pub/roots_shared", 0666);
    set_mode("pub/roots_setuid", 04666);
    nobodys_file("pub/mine");
    if (hlc.profile == HLC_FAT) {
        refused_on_fat("pub/n1", "pub/roots");
        refused_on_fat("pub/n2", "pub/mine");
        return;
    }
    refused_as_nobody("pub/n1", "pub/roots", HL_ERR_ACCESS_DENIED, EPERM, HL_PATH_SOURCE);
    refused_as_nobody("pub/n2", "pub/roots_setuid", HL_ERR_ACCESS_DENIED, EPERM, HL_PATH_SOURCE);
    links_as_nobody("pub/n3", "pub/mine");
    links_as_nobody("pub/n4", "pub/roots_shared");
}
