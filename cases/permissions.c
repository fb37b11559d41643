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
 * Where chmod takes no effect (no Unix permissions: the fat profile's FUSE
 * drivers), what each case can check is decided by probing the volume:
 *   - users other than root are not let in at all (fusefat: the mount has no
 *     allow_other, so the kernel's FUSE client refuses every other user
 *     outright; libhl's look at the existing file meets EACCES first, so the
 *     refusal concerns the existing file);
 *   - or they are let through everywhere (exfat-fuse: allow_other,
 *     default_permissions, every file root's and 0777), and the link is
 *     refused only because there are no hard links (EPERM, NOT_SUPPORTED).
 * Either way chmod must fail or change nothing: every file keeps the mode
 * the probe saw. ntfs-3g is mounted with -o permissions: the posix
 * expectations hold there.
 */
#include "hlc.h"

HLC_SUITE(permissions);

/* chmod as root, and check that it took effect; without Unix permissions,
 * that it failed or did nothing (see the top of the file). */
static void set_mode(const char *rel, mode_t m)
{
    int r = fchmodat(hlc_dfd, rel, m, 0), e = errno;
    mode_t now = hlc_lstat(rel).st_mode & 07777;
    if (HLC_HAS(unix_permissions)) {
        HLC_CHECK(r == 0, "setup: chmod %o %s: %s", (unsigned)m, hlc_path(rel), strerror(e));
        HLC_CHECK(now == m, "setup: chmod %o %s succeeded but the mode is %o", (unsigned)m, hlc_path(rel),
                  (unsigned)now);
        return;
    }
    HLC_CHECK(r == 0 || e == ENOSYS || e == EPERM || e == EOPNOTSUPP,
              "no Unix permissions on %s: chmod %o %s: expected a success that changes nothing or ENOSYS, EPERM, "
              "EOPNOTSUPP, got %s",
              hlc.vol.name, (unsigned)m, hlc_path(rel), hl_errno_name(e));
    HLC_CHECK(now == hlc.fixed_mode, "no Unix permissions on %s: mode of %s is %o after chmod %o (%s), expected the "
              "fixed %o",
              hlc.vol.name, hlc_path(rel), (unsigned)now, (unsigned)m, r ? hl_errno_name(e) : "success",
              hlc.fixed_mode);
}

static void make_dir(const char *rel, mode_t m)
{
    hlc_mkdir(rel);
    set_mode(rel, m);
}

/* Create rel as nobody (its owner), or as root where permissions do not
 * count (see the top). Called as root. */
static void nobodys_file(const char *rel)
{
    if (!HLC_HAS(unix_permissions)) {
        hlc_write(rel, "mine");
        return;
    }
    hlc_nobody();
    hlc_write(rel, "mine");
    HLC_CHECK(hlc_lstat(rel).st_uid == 65534, "setup: %s created by uid 65534 belongs to uid %u", hlc_path(rel),
              (unsigned)hlc_lstat(rel).st_uid);
    hlc_root();
}

/* As nobody: refused with want (errno want_errno) concerning which, nothing
 * changed (seen by root). note (may be NULL) ends the messages. */
static void refused_as_nobody_note(const char *new_name, const char *existing, hl_status want, int want_errno,
                                   hl_which which, const char *note)
{
    hlc_call c = {.as_nobody = 1, .note = note};
    hlc_call_in(&c, new_name, existing, 0);
    hlc_expect_refused(&c, want, want_errno, which);
}

static void refused_as_nobody(const char *new_name, const char *existing, hl_status want, int want_errno,
                              hl_which which)
{
    refused_as_nobody_note(new_name, existing, want, want_errno, which, "as uid 65534");
}

/* Without Unix permissions: what nobody is answered, whatever the modes say. */
static void refused_without_permissions(const char *new_name, const char *existing)
{
    if (!HLC_HAS(other_users)) { /* the mount admits root only */
        refused_as_nobody(new_name, existing, HL_ERR_ACCESS_DENIED, EACCES, HLC_EXISTING);
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
    snprintf(note, sizeof note, "as uid 65534; libhl's volume probe as uid 65534: %s, name \"%s\", hardlinks %d; "
             "as root: \"%s\", %d",
             hl_status_name(ps), ps == HL_OK ? v.name : "", ps == HL_OK ? v.hardlinks : -1, hlc.vol.name,
             hlc.vol.hardlinks);
    refused_as_nobody_note(new_name, existing, HL_ERR_NOT_SUPPORTED, EPERM, HLC_EXISTING, note);
}

/* As nobody: the link is made (the linked judge). Called as root. */
static void links_as_nobody(const char *new_name, const char *existing)
{
    hlc_call c = {.as_nobody = 1, .note = "as uid 65534"};
    hlc_call_in(&c, new_name, existing, 0);
    hlc_expect_linked(&c);
}

/* ------------------------------------------------------------------ modes */

HLC_CASE(permissions, destination_directory_not_writable)
{
    HLC_REQUIRE(root);
    make_dir("pub", 0777);
    make_dir("locked", 0755); /* root's: nobody may search it, not write it */
    nobodys_file("pub/mine");
    if (!HLC_HAS(unix_permissions)) {
        refused_without_permissions("locked/n", "pub/mine");
        return;
    }
    refused_as_nobody("locked/n", "pub/mine", HL_ERR_ACCESS_DENIED, EACCES, HLC_NEW_NAME);
    links_as_nobody("pub/n", "pub/mine"); /* the same link into a writable directory works */
}

/* A directory nobody may list but not search (r-- for others), once as the
 * existing file's own directory and once further up the way. */
HLC_CASE(permissions, source_directory_not_searchable)
{
    HLC_REQUIRE(root);
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
    if (!HLC_HAS(unix_permissions)) {
        refused_without_permissions("pub/n", "nosearch/f");
        refused_without_permissions("pub/n", "closed/open/f");
        return;
    }
    refused_as_nobody("pub/n", "nosearch/f", HL_ERR_ACCESS_DENIED, EACCES, HLC_EXISTING);
    refused_as_nobody("pub/n", "closed/open/f", HL_ERR_ACCESS_DENIED, EACCES, HLC_EXISTING);
    set_mode("closed", 0775); /* searchable again: the same call works */
    links_as_nobody("pub/n", "closed/open/f");
}

HLC_CASE(permissions, destination_directory_not_searchable)
{
    HLC_REQUIRE(root);
    make_dir("pub", 0777);
    nobodys_file("pub/mine");
    make_dir("nosearch", 0777);
    make_dir("closed", 0755);
    make_dir("closed/open", 0777);
    set_mode("nosearch", 0776); /* writable but not searchable: still no way in */
    set_mode("closed", 0774);
    if (!HLC_HAS(unix_permissions)) {
        refused_without_permissions("nosearch/n", "pub/mine");
        refused_without_permissions("closed/open/n", "pub/mine");
        return;
    }
    refused_as_nobody("nosearch/n", "pub/mine", HL_ERR_ACCESS_DENIED, EACCES, HLC_NEW_NAME);
    refused_as_nobody("closed/open/n", "pub/mine", HL_ERR_ACCESS_DENIED, EACCES, HLC_NEW_NAME);
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
    HLC_REQUIRE(root);
    HLC_REQUIRE(protected_hardlinks);
    int fd = open(PROTECTED, O_RDWR | O_CLOEXEC);
    char cur = 0;
    int ok = fd >= 0 && pread(fd, &cur, 1, 0) == 1;
    int e = errno;
    if (ok && cur != '1') {
        ok = pwrite(fd, "1", 1, 0) == 1;
        e = errno;
        if (ok)
            saved_protected = cur;
    }
    if (fd >= 0)
        close(fd);
    HLC_CHECK(ok, "setup: cannot read fs.protected_hardlinks and set it to 1 (it is %c): %s", cur ? cur : '?',
              strerror(e));
    make_dir("pub", 0777);
    hlc_write("pub/roots", "root's");        /* nobody may read it, not write it */
    hlc_write("pub/roots_shared", "root's"); /* nobody may read and write it */
    hlc_write("pub/roots_setuid", "root's"); /* ... but it is setuid */
    set_mode("pub/roots", 0644);
    set_mode("pub/roots_shared", 0666);
    set_mode("pub/roots_setuid", 04666);
    nobodys_file("pub/mine");
    if (!HLC_HAS(unix_permissions)) {
        refused_without_permissions("pub/n1", "pub/roots");
        refused_without_permissions("pub/n2", "pub/mine");
        return;
    }
    refused_as_nobody("pub/n1", "pub/roots", HL_ERR_ACCESS_DENIED, EPERM, HLC_EXISTING);
    refused_as_nobody("pub/n2", "pub/roots_setuid", HL_ERR_ACCESS_DENIED, EPERM, HLC_EXISTING);
    links_as_nobody("pub/n3", "pub/mine");
    links_as_nobody("pub/n4", "pub/roots_shared");
}
