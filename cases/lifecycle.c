/*
 * Family 9, lifecycle: names come and go, the file stays while one is left.
 * Unlinking one name keeps the data and lowers nlink for the others; renaming
 * one link onto another link of the same file does nothing (POSIX rename: "if
 * the old argument and the new argument resolve to the same existing file,
 * rename() shall return successfully and perform no other action"); a file
 * made with O_TMPFILE gets its first name through hl_create_at with HL_FOLLOW
 * on /proc/self/fd/N (linkat's AT_SYMLINK_FOLLOW on the descriptor's magic
 * link, which Linux allows for an O_TMPFILE file opened without O_EXCL); an
 * open file whose last name is gone (nlink 0) cannot get a new one (ENOENT,
 * HL_ERR_NOT_FOUND), and the refusal never blames the new name, whose
 * directory is there, even where the driver's attributes are stale.
 *
 * In the fat profile there are no links to begin with: each case asserts the
 * refusal (HL_ERR_NOT_SUPPORTED) and what is left to check.
 */
#include "hlc.h"

#include <dirent.h>

HLC_SUITE(lifecycle);

static void expect_nlink(const char *rel, nlink_t want, ino_t ino)
{
    struct stat st = hlc_lstat(rel);
    HLC_CHECK(st.st_ino == ino, "%s is inode %llu, expected %llu", hlc_path(rel), (unsigned long long)st.st_ino,
              (unsigned long long)ino);
    HLC_CHECK(st.st_nlink == want, "the link count of %s is %llu, expected %llu", hlc_path(rel),
              (unsigned long long)st.st_nlink, (unsigned long long)want);
}

static void expect_data(const char *rel, const char *want)
{
    char *got = hlc_read(rel);
    int ok = got && strcmp(got, want) == 0;
    char seen[64];
    snprintf(seen, sizeof seen, "%s", got ? got : "(unreadable)");
    free(got);
    HLC_CHECK(ok, "read through %s: expected \"%s\", got \"%s\"", hlc_path(rel), want, seen);
}

static void unlink_or_fail(const char *rel)
{
    HLC_CHECK(unlinkat(hlc_dfd, rel, 0) == 0, "unlink %s: %s", hlc_path(rel), strerror(errno));
}

/* ------------------------------------------------------------------ unlink */

HLC_CASE(lifecycle, unlink_one_name_keeps_the_others)
{
    hlc_mkdir("d");
    hlc_write("existing", "survives");
    if (!hlc_linked("a", "existing", 0) || !hlc_linked("d/b", "existing", 0))
        return;
    ino_t ino = hlc_lstat("existing").st_ino;
    unlink_or_fail("existing");
    HLC_CHECK(!hlc_exists("existing"), "%s still exists after its unlink", hlc_path("existing"));
    expect_nlink("a", 2, ino);
    expect_nlink("d/b", 2, ino);
    expect_data("a", "survives");
    expect_data("d/b", "survives");
    unlink_or_fail("a");
    expect_nlink("d/b", 1, ino);
    expect_data("d/b", "survives");
}

/* ------------------------------------------------------------------ rename */

static void rename_is_a_no_op(const char *from, const char *to, ino_t ino)
{
    tk_snap before;
    hlc_snap(&before);
    int r = renameat(hlc_dfd, from, hlc_dfd, to), e = errno;
    char changed[TK_DIFF_MAX];
    hlc_changed_since(&before, changed);
    HLC_CHECK(r == 0, "rename %s onto %s, another name of the same file: expected success, got %s", hlc_path(from),
              hlc_path(to), hl_errno_name(e));
    HLC_CHECK(!*changed, "rename %s onto %s, another name of the same file, must do nothing, but %s", hlc_path(from),
              hlc_path(to), changed);
    expect_nlink(from, 2, ino);
    expect_nlink(to, 2, ino);
}

HLC_CASE(lifecycle, rename_onto_another_link_of_the_same_file)
{
    hlc_mkdir("d");
    hlc_write("a", "one file");
    if (!hlc_linked("b", "a", 0))
        return;
    ino_t ino = hlc_lstat("a").st_ino;
    rename_is_a_no_op("a", "b", ino);
    rename_is_a_no_op("b", "a", ino);
    unlink_or_fail("b");
    if (!hlc_linked("d/c", "a", 0))
        return;
    rename_is_a_no_op("a", "d/c", ino); /* across directories too */
    rename_is_a_no_op("d/c", "a", ino);
    expect_data("d/c", "one file");
}

/* ------------------------------------------------------------------ O_TMPFILE */

/* An O_TMPFILE file. Where the volume has none (EOPNOTSUPP: ntfs-3g, fusefat
 * and exfat-fuse, whose daemons have no tmpfile operation; EISDIR: a kernel
 * that does not know the flag) there is nothing to link. */
static int open_tmpfile(int extra)
{
    if (!HLC_HAS(o_tmpfile))
        hlc_not_applicable("%s has no O_TMPFILE; nothing to link", hlc.vol.name);
    int fd = openat(hlc_dfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC | extra, 0644);
    HLC_CHECK(fd >= 0, "setup: O_TMPFILE in %s on %s: %s, though the volume has O_TMPFILE", hlc_dir, hlc.vol.name,
              strerror(errno));
    return fd;
}

HLC_CASE(lifecycle, tmpfile_gets_its_first_name)
{
    int fd = open_tmpfile(0);
    ssize_t w = write(fd, "anonymous", 9);
    struct stat st;
    int ok = w == 9 && fstat(fd, &st) == 0;
    int e = errno;
    if (!ok)
        close(fd);
    HLC_CHECK(ok, "setup: write or fstat on the O_TMPFILE file: %s", strerror(e));
    if (st.st_nlink != 0)
        close(fd);
    HLC_CHECK(st.st_nlink == 0, "an O_TMPFILE file has nlink %llu, expected 0", (unsigned long long)st.st_nlink);
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    int linked = hlc_linked("named", proc, HL_FOLLOW); /* nlink 0 -> 1, same inode */
    close(fd);
    if (!linked)
        return;
    struct stat now = hlc_lstat("named");
    HLC_CHECK(now.st_ino == st.st_ino && now.st_nlink == 1,
              "after closing the descriptor %s is inode %llu with nlink %llu, expected %llu with 1", hlc_path("named"),
              (unsigned long long)now.st_ino, (unsigned long long)now.st_nlink, (unsigned long long)st.st_ino);
    expect_data("named", "anonymous");
    hlc_linked("second", "named", 0); /* and it is an ordinary file from then on */
}

/* O_EXCL: "the temporary file can never be linked into the file system". */
HLC_CASE(lifecycle, tmpfile_with_o_excl_cannot_be_linked)
{
    int fd = open_tmpfile(O_EXCL);
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    /* the kernel: nlink 0 and not I_LINKABLE is ENOENT; libhl sees nlink 0 */
    hlc_refused("named", proc, HL_FOLLOW, HL_ERR_NOT_FOUND, ENOENT, HLC_EXISTING);
    close(fd);
}

/* ------------------------------------------------------------------ the last name gone */

/* libfuse's high-level API renames an open file that is unlinked to
 * .fuse_hidden<N> unless the daemon asks for hard_remove. */
static const char *fuse_hidden(void)
{
    static char name[300];
    int fd = openat(hlc_dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    const char *found = NULL;
    struct dirent *de;
    while (d && (de = readdir(d)))
        if (strncmp(de->d_name, ".fuse_hidden", 12) == 0) {
            snprintf(name, sizeof name, "%s", hlc_path(de->d_name));
            found = name;
            break;
        }
    if (d)
        closedir(d);
    else if (fd >= 0)
        close(fd);
    return found;
}

HLC_CASE(lifecycle, open_file_without_a_name_cannot_be_linked)
{
    hlc_write("existing", "orphan");
    int fd = openat(hlc_dfd, "existing", O_RDONLY | O_CLOEXEC);
    HLC_CHECK(fd >= 0, "setup: open %s: %s", hlc_path("existing"), strerror(errno));
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    if (unlinkat(hlc_dfd, "existing", 0) != 0) {
        int e = errno;
        close(fd);
        hlc_fail("setup: unlink %s: %s", hlc_path("existing"), strerror(e));
    }
    struct stat st;
    int r = fstat(fd, &st);
    if (r != 0 || st.st_nlink != 0) {
        const char *hidden = fuse_hidden(); /* before the close: the daemon removes it then */
        close(fd);
        hlc_fail("the open file has nlink %llu after its last name was unlinked, expected 0%s%s%s",
                 (unsigned long long)st.st_nlink, hidden ? "; it lives on as " : "", hidden ? hidden : "",
                 hidden ? " (a FUSE daemon without hard_remove hides it instead of removing it)" : "");
    }
    if (hlc_links())
        hlc_refused("new", proc, HL_FOLLOW, HL_ERR_NOT_FOUND, ENOENT, HLC_EXISTING);
    else
        hlc_refused("new", proc, HL_FOLLOW, HL_ERR_NOT_SUPPORTED, EPERM, HLC_EXISTING);
    close(fd);
}

/* The same file with two names, both unlinked while it is open, linked back
 * in through AT_FDCWD and a bare new name. A driver may answer ENOENT while
 * its stale attributes still say nlink 1 (fuse-overlayfs): then no look shows
 * either name at fault, and libhl must not blame the new name's directory,
 * which is there. HL_ERR_NOT_FOUND (ENOENT), concerning the existing file, or
 * concerning neither when nothing confirms it. */
HLC_CASE(lifecycle, open_file_whose_names_are_gone_blames_no_new_name)
{
    hlc_write("a", "orphan");
    if (!hlc_links())
        hlc_linked_or_not_applicable("b", "a"); /* ends the case: no file with two names */
    int fd = openat(hlc_dfd, "a", O_RDONLY | O_CLOEXEC);
    HLC_CHECK(fd >= 0, "setup: open %s: %s", hlc_path("a"), strerror(errno));
    /* the second name by linkat itself: other cases judge a link's link count
     * and st_ino, which some drivers get wrong; this one judges the answer */
    if (linkat(hlc_dfd, "a", hlc_dfd, "b", 0) != 0 || unlinkat(hlc_dfd, "a", 0) != 0 ||
        unlinkat(hlc_dfd, "b", 0) != 0) {
        int e = errno;
        close(fd);
        hlc_fail("setup: link %s to %s, unlink both: %s", hlc_path("b"), hlc_path("a"), strerror(e));
    }
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    struct stat st;
    int seen = fstat(fd, &st) == 0;
    /* hl_create_at(AT_FDCWD, "c", ...) as the reproducer: the new
     * name's directory is the working directory */
    HLC_CHECK(chdir(hlc_dir) == 0, "setup: chdir %s: %s", hlc_dir, strerror(errno));
    hlc_call c = {.raw = 1};
    hl_options o = {HL_FOLLOW, 0};
    hlc_call_at(&c, AT_FDCWD, "c", proc, &o);
    int back = chdir("/");
    close(fd); /* before judging: a FUSE driver's hidden name goes with it */
    HLC_CHECK(back == 0, "chdir /: %s", strerror(errno));
    fprintf(stderr, "NOTE %s: %s concerning %s (fstat of the open file: nlink %lld)\n", hlc_case,
            hlc_describe_got(c.status, &c.err), c.status == HL_OK ? "no name (linked)" : tk_which_text(c.err.which),
            seen ? (long long)st.st_nlink : -1LL);
    HLC_CHECK(c.status == HL_OK || c.err.which != HLC_NEW_NAME,
              "%s blames the new name c, but its directory %s exists (the open file's names a and b are gone): %s",
              hlc_describe_got(c.status, &c.err), hlc_dir, c.err.message);
    hlc_expect_refused(&c, HL_ERR_NOT_FOUND, ENOENT,
                       c.status != HL_OK && c.err.which == HLC_NEITHER ? HLC_NEITHER : HLC_EXISTING);
}
