/* hl_volume_probe on tmpfs and on the root filesystem. */
#include "common.h"

#include <sys/statfs.h>

#include <linux/magic.h>

/* What findmnt (util-linux, independent of libhl) says the type of path's mount is. */
static void findmnt_type(const char *path, char *type, size_t cap, char *target, size_t tcap)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "findmnt -n -o FSTYPE,TARGET -T '%s'", path);
    FILE *p = popen(cmd, "r");
    cr_assert(p, "cannot run findmnt");
    char line[4400] = "";
    cr_assert(fgets(line, sizeof line, p), "findmnt printed nothing for %s", path);
    pclose(p);
    char *sp = strchr(line, ' ');
    cr_assert(sp);
    *sp = '\0';
    cr_assert((size_t)snprintf(type, cap, "%s", line) < cap, "findmnt's type is too long: %s", line);
    while (*++sp == ' ')
        ;
    sp[strcspn(sp, "\n")] = '\0';
    cr_assert((size_t)snprintf(target, tcap, "%s", sp) < tcap, "findmnt's target is too long: %s", sp);
}

static void check_against_system(const char *path, const hl_volume *v)
{
    struct stat st;
    struct statfs sf;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(statfs(path, &sf), 0);
    cr_assert_eq(v->device, (unsigned long long)st.st_dev, "%s: device %llu, stat says %llu", path, v->device,
                 (unsigned long long)st.st_dev);
    cr_assert_eq(v->magic, (unsigned long long)sf.f_type);
    char type[64], target[4096];
    findmnt_type(path, type, sizeof type, target, sizeof target);
    cr_assert_str_eq(v->fstype, type, "%s: probe says mount type %s, findmnt %s", path, v->fstype, type);
    cr_assert_str_eq(v->mount_point, target, "%s: probe says mounted on %s, findmnt %s", path, v->mount_point,
                     target);
}

Test(probe, tmpfs)
{
    struct statfs sf;
    if (statfs("/dev/shm", &sf) != 0 || sf.f_type != TMPFS_MAGIC)
        HLT_SKIP("/dev/shm is not a tmpfs here");
    hl_volume v;
    cr_assert_eq(hl_volume_probe("/dev/shm", &v), HL_OK);
    cr_assert_str_eq(v.name, "tmpfs");
    cr_assert_eq(v.hardlinks, 1);
    cr_assert_eq(v.link_max, 0, "tmpfs has no link limit; probe says %llu", v.link_max);
    cr_assert_eq(v.read_only, 0);
    check_against_system("/dev/shm", &v);
}

Test(probe, root_filesystem)
{
    hl_volume v;
    cr_assert_eq(hl_volume_probe("/", &v), HL_OK);
    check_against_system("/", &v);
    cr_assert_str_eq(v.name, v.fstype, "a kernel filesystem is named by its mount type");
    /* the real limits, not glibc's pathconf guesses */
    static const struct {
        const char *name;
        unsigned long long max;
    } known[] = {{"ext4", 65000}, {"btrfs", 65535}, {"xfs", 2147483647ULL},
                 {"tmpfs", 0}};
    /* an overlay answers as its upper layer: privileged/overlay_limit_is_the_upper_layers */
    if (strcmp(v.name, "overlay") == 0)
        return;
    int found = 0;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(v.name, known[i].name) == 0) {
            found = 1;
            cr_assert_eq(v.link_max, known[i].max, "%s: link_max %llu, expected %llu", v.name, v.link_max,
                         known[i].max);
        }
    if (!found)
        HLT_SKIP("the root filesystem here is %s, which this test has no expectation for", v.name);
    cr_assert_eq(v.hardlinks, 1);
}

Test(probe, a_file_and_a_missing_path)
{
    hl_volume v, w;
    cr_assert_eq(hl_volume_probe("/dev/shm/.", &v), HL_OK);
    char file[] = "/dev/shm/hlt-probe-XXXXXX";
    int fd = mkstemp(file);
    cr_assert(fd >= 0);
    close(fd);
    hl_status s = hl_volume_probe(file, &w);
    unlink(file);
    cr_assert_eq(s, HL_OK);
    cr_assert_str_eq(w.name, v.name);
    cr_assert_eq(w.device, v.device);
    cr_assert_eq(hl_volume_probe("/dev/shm/hlt-no-such-file", &w), HL_ERR_NOT_FOUND);
    cr_assert_eq(hl_volume_probe(NULL, &w), HL_ERR_INVALID_ARGUMENT);
    cr_assert_eq(hl_volume_probe("", &w), HL_ERR_INVALID_ARGUMENT);
    cr_assert_eq(hl_volume_probe("/", NULL), HL_ERR_INVALID_ARGUMENT);
}

/* The table the probe reports from: a FAT-family name has no hard links. */
Test(probe, table_entries)
{
    const char *without[] = {"fusefat", "vfat", "exfat", "msdos", "mqueue"};
    for (size_t i = 0; i < 5; i++) {
        const struct hl_fs_info *f = hl__fs_lookup(without[i]);
        cr_assert(f && f->hardlinks == 0, "%s should have no hard links", without[i]);
    }
    cr_assert_eq(hl__fs_lookup("ntfs")->link_max, HL_NTFS_MAX_LINKS);
    cr_assert_eq(hl__fs_lookup("ntfs-3g")->hardlinks, 1);
    cr_assert_null(hl__fs_lookup("no-such-fs"));
    cr_assert_str_eq(hl__fs_name_from_magic(TMPFS_MAGIC), "tmpfs");
    cr_assert_null(hl__fs_name_from_magic(0x12345));
}
