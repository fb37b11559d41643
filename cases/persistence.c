/*
 * Family 10, persistence: links are on the disk, not only in the kernel's
 * caches. The case makes files with data and several names in several
 * directories, then unmounts the volume and mounts it again
 * (tools/hl-volume cycle), and checks that every name is there, that the
 * names of one file are still one inode (st_ino equal across them, and equal
 * to before the remount where the filesystem keeps inode numbers), with the
 * same nlink and the same data, that a name unlinked before the remount stays
 * gone, and that no name appeared.
 *
 * Which volume is cycled: not HL_TARGET itself. Criterion runs cases in
 * parallel (as many jobs as cores), and every other case running then holds
 * a descriptor on its own case directory on HL_TARGET: the unmount would fail
 * (busy), or, between two cases, succeed and let the next case create its
 * directory on the bare mount point underneath. So the case brings up a
 * volume of its own, of the same kind (hlc_own_volume_up), works there,
 * cycles that and takes it down (also when it fails: the case's .fini,
 * hlc_own_volume_fini). That needs HL_TARGET to be an
 * image-backed volume of tools/hl-volume (HLC_REQUIRE(image_volume)), whose
 * kind (hl-volume list) is the kind to make; anything else is not run, with
 * the reason.
 *
 * A tmpfs (or ramfs: statfs magic) has no backing store: unmounting it
 * discards everything, so there is nothing a remount could keep, and
 * hl-volume refuses to cycle one. The case is not applicable there and
 * passes saying so, not a skip, so that strict runs of the tmpfs volume pass.
 *
 * In the fat profile there are no links: each link is asserted refused
 * (HL_ERR_NOT_SUPPORTED) and after the remount the files, their data and nlink
 * 1 are checked, and that the refused names never appeared.
 *
 * External commands run through hlc_command: a FUSE daemon the command
 * starts must not inherit Criterion's pipes.
 */
#include "hlc.h"

HLC_SUITE(persistence);

/* ------------------------------------------------------------------ what is on disk */

/* Every name under the case directory: what must be the same after the
 * remount, apart from inode numbers where the volume makes them up (they are
 * compared name by name below where it does not). */
static void take(tk_snap *s)
{
    int e = tk_snap_take(s, hlc_dfd, ".", TK_SNAP_CONTENT);
    HLC_CHECK(!e, "cannot take a snapshot of %s: %s", hlc_dir, strerror(e));
}

/* ------------------------------------------------------------------ the case */

/* Data bigger than a block or a cluster, different for each file. */
static char data[3][12000];

static void make_data(void)
{
    for (size_t f = 0; f < 3; f++) {
        size_t n = 9000 + 1000 * f;
        for (size_t i = 0; i < n; i++)
            data[f][i] = (char)('a' + (i * 7 + f * 3 + i / 26) % 26);
        data[f][n] = '\0';
    }
}

struct name {
    const char *path;
    int file;        /* which file (0, 1, 2) */
    int is_link;     /* made by hl_create; the first name of each file is written */
};

static const struct name names[] = {
    {"a/one", 0, 0}, {"b/one.1", 0, 1}, {"b/c/one.2", 0, 1}, {"one.3", 0, 1},
    {"b/two", 1, 0}, {"a/two.1", 1, 1},
    {"b/c/three", 2, 0},
};
#define NNAMES (sizeof names / sizeof names[0])
static const char *const GONE = "a/gone"; /* linked to b/two, then unlinked, before the remount */

static const char *first_name(int file)
{
    size_t i = 0;
    while (names[i].file != file)
        i++;
    return names[i].path;
}

static unsigned long long expected_nlink(int file)
{
    unsigned long long n = 0;
    for (size_t i = 0; i < NNAMES; i++)
        if (names[i].file == file && (!names[i].is_link || hlc_links()))
            n++;
    return n;
}

HLC_CASE(persistence, links_survive_a_remount, .fini = hlc_own_volume_fini)
{
    if (!HLC_HAS(backing_store))
        hlc_not_applicable("%s; nothing can persist", hlc_why(HLC_NEED_backing_store));
    HLC_REQUIRE(root);
    HLC_REQUIRE(image_volume);
    hlc_own_volume_up(hlc.kind, "persistence");

    hlc_mkdir("a");
    hlc_mkdir("b");
    hlc_mkdir("b/c");
    make_data();
    for (size_t i = 0; i < NNAMES; i++) {
        if (names[i].is_link)
            hlc_linked(names[i].path, first_name(names[i].file), 0); /* fat profile: asserts NOT_SUPPORTED */
        else
            hlc_write(names[i].path, data[names[i].file]);
    }
    if (hlc_linked(GONE, "b/two", 0))
        HLC_CHECK(unlinkat(hlc_dfd, GONE, 0) == 0, "unlink %s: %s", hlc_path(GONE), strerror(errno));

    ino_t ino_before[NNAMES];
    for (size_t i = 0; i < NNAMES; i++)
        ino_before[i] = names[i].is_link && !hlc_links() ? 0 : hlc_lstat(names[i].path).st_ino;
    tk_snap before, after;
    take(&before);

    hlc_own_volume_cycle();

    take(&after);
    char changed[TK_DIFF_MAX];
    tk_snap_diff(&before, &after, TK_IGNORE_INO | TK_IGNORE_DIR_NLINK, changed, sizeof changed);
    tk_snap_free(&before);
    tk_snap_free(&after);

    for (size_t i = 0; i < NNAMES; i++) {
        const struct name *nm = &names[i];
        int should = !nm->is_link || hlc_links();
        struct stat st;
        int there = fstatat(hlc_dfd, nm->path, &st, AT_SYMLINK_NOFOLLOW) == 0;
        if (!should) {
            HLC_CHECK(!there, "after the remount %s exists, but its link was refused (no hard links on %s)",
                      hlc_path(nm->path), hlc.vol.name);
            continue;
        }
        HLC_CHECK(there, "after the remount %s is gone (%s)", hlc_path(nm->path), strerror(errno));
        HLC_CHECK(S_ISREG(st.st_mode), "after the remount %s is not a regular file (mode 0%o)", hlc_path(nm->path),
                  (unsigned)st.st_mode);
        unsigned long long want = expected_nlink(nm->file);
        HLC_CHECK(st.st_nlink == want, "after the remount the link count of %s is %llu, expected %llu", hlc_path(nm->path),
                  (unsigned long long)st.st_nlink, want);
        for (size_t j = 0; j < i; j++) {
            if (names[j].is_link && !hlc_links())
                continue;
            struct stat o = hlc_lstat(names[j].path);
            int same = o.st_ino == st.st_ino && o.st_dev == st.st_dev;
            HLC_CHECK(same == (names[j].file == nm->file),
                      "after the remount %s is inode %llu and %s inode %llu: expected %s file", hlc_path(nm->path),
                      (unsigned long long)st.st_ino, hlc_path(names[j].path), (unsigned long long)o.st_ino,
                      names[j].file == nm->file ? "the same" : "different files, not the same");
        }
        if (HLC_HAS(stable_inode_numbers_across_remount))
            HLC_CHECK(st.st_ino == ino_before[i],
                      "after the remount %s is inode %llu, before it was %llu (%s keeps inode numbers on disk)",
                      hlc_path(nm->path), (unsigned long long)st.st_ino, (unsigned long long)ino_before[i],
                      hlc.vol.name);
        char *got = hlc_read(nm->path);
        int same = got && strcmp(got, data[nm->file]) == 0;
        size_t got_len = got ? strlen(got) : 0;
        free(got);
        HLC_CHECK(same, "after the remount %s holds other data: %zu bytes, expected the %zu written through %s",
                  hlc_path(nm->path), got_len, strlen(data[nm->file]), hlc_path(first_name(nm->file)));
    }
    HLC_CHECK(!hlc_exists(GONE), "after the remount %s exists again; it was unlinked before", hlc_path(GONE));
    HLC_CHECK(!changed[0], "after the remount %s", changed);

    hlc_own_volume_down();
}
