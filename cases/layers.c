/*
 * Family layers: files with several names in the lower layer of a layered
 * volume (overlayfs, fuse-overlayfs), made there before it was mounted and
 * listed in HL_TARGET_LOWER (hl-lower/LINKS: one line per file, its names
 * relative to hl-lower/, separated by one space). POSIX knows no layers: the
 * names of one file are one file, before and after a change through one of
 * them copies it up to the upper layer. Not applicable without a lower layer.
 *
 * lower_names_one_inode: the shared files (lines of LINKS with no case
 * directory) are one inode each, nlink the number of their names, one content.
 * copy_up_write, copy_up_chmod, copy_up_xattr: after an append, a chmod or a
 * setxattr through the first name, every name is still the same st_ino with
 * the new data, mode or xattr and the same nlink.
 * new_link_counts_lower_names: a link to the first name (hl_create) counts the
 * lower names: nlink n + 1 through every name.
 * unlink_lower_name: unlinking the last name lowers nlink through the others
 * to n - 1 and keeps the data.
 * rename_between_names: rename of one name onto another name of the same file
 * succeeds and does nothing (POSIX rename: "perform no other action").
 * copy_up_survives_a_remount: after a write through the first name of each
 * shared file, on a volume of its own of the same kind, every name is still
 * one inode with the new data and nlink n after a remount (hl-volume cycle).
 *
 * The lower layer is shared by the whole run, and Criterion runs cases in
 * parallel processes: a case that changes lower files uses only the lines of
 * LINKS under the directory named after it (tools/hl-volume makes one set per
 * case, LOWER_CASE_SETS), so no case sees another's copy-up; the shared files
 * are only read.
 */
#include "hlc.h"

#include <dirent.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>

HLC_SUITE(layers);

#define MAX_FILES 8
#define MAX_NAMES 8

struct lower_file {
    int n;
    char name[MAX_NAMES][TK_PATH_MAX]; /* absolute */
};

static struct lower_file files[MAX_FILES];
static int nfiles;

/* The files of set (NULL: the shared ones, whose first name is in hl-lower/
 * itself) from LINKS; not applicable without a lower layer, not run when
 * the set is missing. */
static void load(const char *set)
{
    if (!HLC_HAS(lower_layer))
        hlc_not_applicable("%s", hlc_why(HLC_NEED_lower_layer));
    char path[TK_PATH_MAX + 8];
    snprintf(path, sizeof path, "%s/LINKS", hlc.lower);
    static char text[64 * 1024]; /* the listing, off the heap for the same reason as data_of */
    char *read = tk_read(AT_FDCWD, path, NULL);
    HLC_CHECK(read, "setup: cannot read %s: %s", path, strerror(errno));
    size_t len = strlen(read);
    memcpy(text, read, len < sizeof text ? len + 1 : sizeof text);
    free(read);
    HLC_CHECK(len < sizeof text, "setup: %s is longer than %zu bytes", path, sizeof text - 1);
    size_t setlen = set ? strlen(set) : 0;
    nfiles = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || line[0] == '\0')
            continue;
        size_t first = strcspn(line, " ");
        int ours = set ? strncmp(line, set, setlen) == 0 && line[setlen] == '/' : memchr(line, '/', first) == NULL;
        if (!ours)
            continue;
        if (nfiles == MAX_FILES)
            break;
        struct lower_file *f = &files[nfiles++];
        f->n = 0;
        char *s2 = NULL;
        for (char *w = strtok_r(line, " ", &s2); w && f->n < MAX_NAMES - 1; w = strtok_r(NULL, " ", &s2))
            HLC_CHECK(snprintf(f->name[f->n++], TK_PATH_MAX, "%s/%s", hlc.lower, w) < TK_PATH_MAX,
                      "setup: %s/%s is too long", hlc.lower, w);
    }
    if (nfiles == 0)
        hlc_skip("HL_TARGET_LOWER=%s/LINKS lists no files %s%s%s: the lower layer needs the shared files and one set "
                 "per case of this family (tools/hl-volume, lower_layer_fill)",
                 hlc.lower, set ? "under " : "of the shared set", set ? set : "", set ? "/" : "");
}

/* A case that changes its files: not applicable on a read-only lower volume. */
static void load_writable(const char *set)
{
    load(set);
    struct statvfs sv;
    HLC_CHECK(statvfs(hlc.lower, &sv) == 0, "setup: statvfs %s: %s", hlc.lower, strerror(errno));
    if (sv.f_flag & ST_RDONLY)
        hlc_not_applicable("%s is on a read-only volume: nothing can be copied up", hlc.lower);
}

static struct stat stat_of(const char *path)
{
    struct stat st;
    HLC_CHECK(stat(path, &st) == 0, "stat %s: %s", path, strerror(errno));
    return st;
}

/* The content of path into data (at most DATA_MAX - 1 bytes): no heap
 * memory is held when a check ends the case (hlc_fail jumps out). */
#define DATA_MAX 256
static void data_of(const char *path, char data[DATA_MAX])
{
    size_t n;
    char *d = tk_read(AT_FDCWD, path, &n);
    HLC_CHECK(d, "cannot read %s: %s", path, strerror(errno));
    snprintf(data, DATA_MAX, "%s", d);
    free(d);
}

/* Every name of f from the first to upto (exclusive) is inode ino with nlink
 * names and content data; after says what was done, for the message. */
static void expect_one_file(const struct lower_file *f, int upto, ino_t ino, unsigned long nlink, const char *data,
                            const char *after)
{
    for (int i = 0; i < upto; i++) {
        struct stat st = stat_of(f->name[i]);
        HLC_CHECK(st.st_ino == ino, "%s: %s has st_ino %llu, not %llu as before (the names of one file split into "
                  "two inodes)", after, f->name[i], (unsigned long long)st.st_ino, (unsigned long long)ino);
        HLC_CHECK(st.st_nlink == nlink, "%s: the link count of %s is %llu, expected %lu (%s)", after, f->name[i],
                  (unsigned long long)st.st_nlink, nlink, i ? "the copy-up did not carry the other names" : "this name");
        char got[DATA_MAX];
        data_of(f->name[i], got);
        HLC_CHECK(strcmp(got, data) == 0, "%s: %s reads \"%s\", expected \"%s\" (a stale lower copy)", after, f->name[i], got, data);
    }
}

/* path's d_ino in a fresh readdir of its directory; 0 if it is not listed. */
static ino_t listed_ino(const char *path)
{
    char dir[TK_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    *slash = '\0';
    DIR *d = opendir(dir);
    HLC_CHECK(d, "open the directory %s: %s", dir, strerror(errno));
    ino_t ino = 0;
    struct dirent *de;
    while (!ino && (de = readdir(d)))
        if (strcmp(de->d_name, slash + 1) == 0)
            ino = de->d_ino ? de->d_ino : (ino_t)-1;
    closedir(d);
    return ino;
}

/* Read only (it runs on read-only image kinds too): one inode, nlink the
 * number of names and one content through every name; then (after: a listing
 * makes fuse-overlayfs look the names up, which would hide its count) every
 * name listed by readdir of its directory with that st_ino as d_ino where the
 * volume fills d_ino (seen on LINKS, a file of one name). */
HLC_READ_CASE(layers, lower_names_one_inode)
{
    load(NULL);
    ino_t inos[MAX_FILES];
    for (int k = 0; k < nfiles; k++) {
        const struct lower_file *f = &files[k];
        char data[DATA_MAX];
        data_of(f->name[0], data);
        inos[k] = stat_of(f->name[0]).st_ino;
        expect_one_file(f, f->n, inos[k], (unsigned long)f->n, data, "before any change");
    }
    char links[TK_PATH_MAX + 8];
    snprintf(links, sizeof links, "%s/LINKS", hlc.lower);
    int fills = listed_ino(links) == stat_of(links).st_ino;
    if (!fills)
        cr_log_info("%s: readdir lists %s with another d_ino than its st_ino: d_ino is not checked", hlc_case, links);
    for (int k = 0; k < nfiles; k++)
        for (int i = 0; i < files[k].n; i++) {
            const char *name = files[k].name[i];
            ino_t listed = listed_ino(name);
            HLC_CHECK(listed, "%s is not listed by a readdir of its directory", name);
            HLC_CHECK(!fills || listed == inos[k], "readdir lists %s with d_ino %llu, its st_ino is %llu", name,
                      (unsigned long long)listed, (unsigned long long)inos[k]);
        }
}

HLC_CASE(layers, copy_up_write)
{
    load_writable("copy_up_write");
    for (int k = 0; k < nfiles; k++) {
        const struct lower_file *f = &files[k];
        ino_t ino = stat_of(f->name[0]).st_ino;
        char old[DATA_MAX], want[DATA_MAX + 8], after[TK_PATH_MAX + 64];
        data_of(f->name[0], old);
        snprintf(want, sizeof want, "%smore\n", old);
        int fd = open(f->name[0], O_WRONLY | O_APPEND | O_CLOEXEC);
        HLC_CHECK(fd >= 0, "open %s for append: %s", f->name[0], strerror(errno));
        ssize_t w = write(fd, "more\n", 5);
        int e = errno;
        close(fd);
        HLC_CHECK(w == 5, "append to %s: %s", f->name[0], w < 0 ? strerror(e) : "short write");
        snprintf(after, sizeof after, "after an append through %s", f->name[0]);
        expect_one_file(f, f->n, ino, (unsigned long)f->n, want, after);
    }
}

HLC_CASE(layers, copy_up_chmod)
{
    load_writable("copy_up_chmod");
    if (!HLC_HAS(unix_permissions))
        hlc_not_applicable("%s", hlc_why(HLC_NEED_unix_permissions));
    for (int k = 0; k < nfiles; k++) {
        const struct lower_file *f = &files[k];
        struct stat before = stat_of(f->name[0]);
        mode_t want = (before.st_mode & 07777) == 0600 ? 0640 : 0600;
        HLC_CHECK(chmod(f->name[0], want) == 0, "chmod %o %s: %s", (unsigned)want, f->name[0], strerror(errno));
        char data[DATA_MAX], after[TK_PATH_MAX + 64];
        data_of(f->name[0], data);
        snprintf(after, sizeof after, "after chmod %o through %s", (unsigned)want, f->name[0]);
        expect_one_file(f, f->n, before.st_ino, (unsigned long)f->n, data, after);
        for (int i = 0; i < f->n; i++) {
            mode_t got = stat_of(f->name[i]).st_mode & 07777;
            HLC_CHECK(got == want, "%s: %s has mode %o, not %o", after, f->name[i], (unsigned)got, (unsigned)want);
        }
    }
}

HLC_CASE(layers, copy_up_xattr)
{
    load_writable("copy_up_xattr");
    static const char key[] = "user.hl_layers", value[] = "set through one name";
    for (int k = 0; k < nfiles; k++) {
        const struct lower_file *f = &files[k];
        ino_t ino = stat_of(f->name[0]).st_ino;
        if (setxattr(f->name[0], key, value, sizeof value - 1, 0) != 0) {
            int e = errno;
            if (e == ENOTSUP)
                hlc_not_applicable("setxattr %s on %s: %s (no user xattrs)", key, f->name[0], hl_errno_name(e));
            hlc_fail("setxattr %s on %s: %s", key, f->name[0], strerror(e));
        }
        char data[DATA_MAX], after[TK_PATH_MAX + 64];
        data_of(f->name[0], data);
        snprintf(after, sizeof after, "after setxattr %s through %s", key, f->name[0]);
        expect_one_file(f, f->n, ino, (unsigned long)f->n, data, after);
        for (int i = 0; i < f->n; i++) {
            char got[64] = "";
            ssize_t n = getxattr(f->name[i], key, got, sizeof got - 1);
            int e = errno;
            if (n >= 0)
                got[n] = '\0';
            HLC_CHECK(n == (ssize_t)sizeof value - 1 && memcmp(got, value, sizeof value - 1) == 0,
                      "%s: getxattr %s on %s gives %s, expected \"%s\"", after, key, f->name[i],
                      n < 0 ? hl_errno_name(e) : got, value);
        }
    }
}

HLC_CASE(layers, new_link_counts_lower_names)
{
    load_writable("new_link_counts_lower_names");
    for (int k = 0; k < nfiles; k++) {
        const struct lower_file *f = &files[k];
        ino_t ino = stat_of(f->name[0]).st_ino;
        char data[DATA_MAX], set[TK_PATH_MAX], after[TK_PATH_MAX * 2 + 64];
        data_of(f->name[0], data);
        struct lower_file with_new = *f;
        char *new_name = with_new.name[with_new.n++];
        HLC_CHECK(snprintf(set, sizeof set, "%s/new_link_counts_lower_names", hlc.lower) < (int)sizeof set &&
                      snprintf(new_name, TK_PATH_MAX, "%s/new_link_%d", set, k) < TK_PATH_MAX,
                  "setup: %s is too long", hlc.lower);
        /* copy the directory up first: overlayfs shows a merged directory's
         * nlink as 1, its own rule for directories, not the link's */
        char scratch[TK_PATH_MAX + 16];
        snprintf(scratch, sizeof scratch, "%s/scratch", set);
        int e = tk_write(AT_FDCWD, scratch, "");
        HLC_CHECK(!e && unlink(scratch) == 0, "setup: cannot create and remove %s: %s", scratch,
                  strerror(e ? e : errno));
        hlc_call c = {.watch = set};
        hlc_call_at(&c, AT_FDCWD, new_name, f->name[0], NULL);
        hlc_expect_linked(&c);
        snprintf(after, sizeof after, "after a new link %s to %s", new_name, f->name[0]);
        expect_one_file(&with_new, with_new.n, ino, (unsigned long)f->n + 1, data, after);
    }
}

HLC_CASE(layers, unlink_lower_name)
{
    load_writable("unlink_lower_name");
    for (int k = 0; k < nfiles; k++) {
        const struct lower_file *f = &files[k];
        ino_t ino = stat_of(f->name[0]).st_ino;
        char data[DATA_MAX], after[TK_PATH_MAX + 64];
        data_of(f->name[0], data);
        const char *last = f->name[f->n - 1];
        HLC_CHECK(unlink(last) == 0, "unlink %s: %s", last, strerror(errno));
        HLC_CHECK(access(last, F_OK) != 0 && errno == ENOENT, "unlink %s succeeded, yet the name is there", last);
        snprintf(after, sizeof after, "after unlink %s", last);
        expect_one_file(f, f->n - 1, ino, (unsigned long)f->n - 1, data, after);
    }
}

HLC_CASE(layers, rename_between_names)
{
    load_writable("rename_between_names");
    for (int k = 0; k < nfiles; k++) {
        const struct lower_file *f = &files[k];
        ino_t ino = stat_of(f->name[0]).st_ino;
        char data[DATA_MAX], after[TK_PATH_MAX * 2 + 64];
        data_of(f->name[0], data);
        HLC_CHECK(rename(f->name[0], f->name[1]) == 0, "rename %s onto %s, another name of the same file: %s",
                  f->name[0], f->name[1], strerror(errno));
        snprintf(after, sizeof after, "after rename %s onto %s (POSIX: no other action)", f->name[0], f->name[1]);
        for (int i = 0; i < f->n; i++)
            HLC_CHECK(access(f->name[i], F_OK) == 0, "%s: %s is gone: %s", after, f->name[i], strerror(errno));
        expect_one_file(f, f->n, ino, (unsigned long)f->n, data, after);
    }
}

/* Every name of every file reads data, last name first, then is one inode
 * with nlink n; when says after what. */
static void expect_written(const char *data, const char *when)
{
    for (int k = 0; k < nfiles; k++) {
        const struct lower_file *f = &files[k];
        char after[TK_PATH_MAX + 96], got[DATA_MAX], shown[2 * DATA_MAX];
        snprintf(after, sizeof after, "after a write through %s%s", f->name[0], when);
        for (int i = f->n - 1; i >= 0; i--) {
            data_of(f->name[i], got);
            size_t o = 0;
            for (const char *c = got; *c; c++) /* one line: "\n" for a newline */
                o += (size_t)snprintf(shown + o, sizeof shown - o, *c == '\n' ? "\\n" : "%c", *c);
            HLC_CHECK(strcmp(got, data) == 0, "%s: %s reads \"%s\", expected \"x\\n\" (%s)", after, f->name[i], shown,
                      i ? "another name's copy" : "the write is lost");
        }
        expect_one_file(f, f->n, stat_of(f->name[0]).st_ino, (unsigned long)f->n, data, after);
    }
}

/* On a volume of its own of the target's kind (a remount of HL_TARGET would
 * pull it from under the cases running beside): after a write through the
 * first name of each shared lower file, the names are still one file with
 * the new data and nlink once the volume is unmounted and mounted again.
 * The names are read last to first after the remount, so that a name whose
 * lower copy was left behind is looked up before the one written through. */
HLC_CASE(layers, copy_up_survives_a_remount, .fini = hlc_own_volume_fini)
{
    load_writable(NULL);
    HLC_REQUIRE(root);
    HLC_REQUIRE(image_volume);
    hlc_own_volume_up(hlc.kind, "layers");
    /* the same files, made the same way, in the own volume's lower layer */
    HLC_CHECK(snprintf(hlc.lower, sizeof hlc.lower, "%s/hl-lower", hlc_own_volume_mnt()) < (int)sizeof hlc.lower,
              "setup: %s/hl-lower is too long", hlc_own_volume_mnt());
    load(NULL);
    static const char data[] = "x\n"; /* echo x > name */
    for (int k = 0; k < nfiles; k++) {
        const struct lower_file *f = &files[k];
        for (int i = 0; i < f->n; i++)
            stat_of(f->name[i]); /* every name looked up before the change */
        int fd = open(f->name[0], O_WRONLY | O_TRUNC | O_CLOEXEC);
        HLC_CHECK(fd >= 0, "open %s for writing: %s", f->name[0], strerror(errno));
        ssize_t w = write(fd, data, sizeof data - 1);
        int e = errno;
        close(fd);
        HLC_CHECK(w == (ssize_t)sizeof data - 1, "write %s: %s", f->name[0], w < 0 ? strerror(e) : "short write");
    }
    expect_written(data, "");
    hlc_own_volume_cycle();
    expect_written(data, " and a remount");
    hlc_own_volume_down();
}
