/*
 * libhl's own table of filesystems: whether they have hard links and the most
 * names one file can have. Measured or read from the source (shared/FACTS.md);
 * glibc's pathconf answers 127 for btrfs, tmpfs and every FUSE mount.
 */
#include "internal.h"

#include <string.h>

static const struct hl_fs_info table[] = {
    {"ext2", 1, 32000},           /* EXT2_LINK_MAX */
    {"ext3", 1, 32000},
    {"ext4", 1, 65000},           /* EXT4_LINK_MAX, measured: EMLINK at nlink 65000 */
    {"xfs", 1, 2147483647ULL},    /* XFS_MAXLINK = 2^31 - 1 */
    {"btrfs", 1, 65535},          /* BTRFS_LINK_MAX, measured: EMLINK at 65535 */
    {"f2fs", 1, 0xffffffffULL},   /* F2FS_LINK_MAX */
    {"tmpfs", 1, 0},              /* no limit: 200,000 links measured */
    {"ramfs", 1, 0},
    {"hugetlbfs", 1, 0},
    {"ntfs-3g", 1, 8190},         /* ntfs-3g 2022.10.3, measured with short names: 8189 links made,
                                     the next answers ERANGE at nlink 8190 (may fall with long names) */
    {"ntfs3", 1, 4000},           /* Linux ntfs3: NTFS_LINK_MAX */
    {"ntfs", 1, 1024},            /* Windows NTFS: 1024 names per file */
    {"squashfs", 1, 0},           /* read-only, but images do carry hard links */
    {"erofs", 1, 0},
    {"overlay", -1, 0},           /* as the upper layer allows */
    {"nfs", -1, 0},
    {"nfs4", -1, 0},
    {"fusefat", 0, 0},
    {"vfat", 0, 0},
    {"msdos", 0, 0},
    {"exfat", 0, 0},
    {"mqueue", 0, 0},
    {"proc", 0, 0},
    {"sysfs", 0, 0},
    {"devpts", 0, 0},
    {"bpf", 0, 0},
    {"cgroup2", 0, 0},
    {"debugfs", 0, 0},
    {"tracefs", 0, 0},
    {"configfs", 0, 0},
    {"securityfs", 0, 0},
};

const struct hl_fs_info *hl__fs_lookup(const char *name)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

/* Linux statfs magic numbers (linux/magic.h); ext2/3/4 share one. */
static const struct {
    unsigned long long magic;
    const char *name;
} magics[] = {
    {0xEF53, "ext4"},      {0x58465342, "xfs"},     {0x9123683E, "btrfs"},
    {0xF2F52010, "f2fs"},  {0x01021994, "tmpfs"},   {0x858458f6, "ramfs"},
    {0x958458f6, "hugetlbfs"}, {0x73717368, "squashfs"}, {0xE0F5E1E2, "erofs"},
    {0x794c7630, "overlay"}, {0x6969, "nfs"},       {0x4d44, "vfat"},
    {0x2011BAB0, "exfat"}, {0x5346544e, "ntfs"},    {0x7366746e, "ntfs3"},
    {0x19800202, "mqueue"}, {0x9fa0, "proc"},       {0x62656572, "sysfs"},
    {0x1cd1, "devpts"},    {0xcafe4a11, "bpf"},     {0x63677270, "cgroup2"},
};

const char *hl__fs_name_from_magic(unsigned long long magic)
{
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
        if (magics[i].magic == magic)
            return magics[i].name;
    return NULL;
}
