/*
 * libhl's own table of filesystems: whether they have hard links and the most
 * names one file can have. Measured or read from the source (shared/FACTS.md);
 * glibc's pathconf answers 127 for btrfs, tmpfs and every FUSE mount.
 */
#include "internal.h"

#include <string.h>

static const struct hl_fs_info table[] = {
    /* ext2 and ext3 as their own drivers serve them: fs/ext2/ext2.h EXT2_LINK_MAX and
     * fs/ext3/ext3.h EXT3_LINK_MAX (that driver left in Linux 4.3). When the ext4
     * driver serves them (linux.c: served_by_ext4), ext4's limit applies instead:
     * measured on 6.18, ext2 and ext3 volumes both answer EMLINK at nlink 65000. */
    {"ext2", 1, 32000},
    {"ext3", 1, 32000},
    {"ext4", 1, 65000},           /* fs/ext4/ext4.h EXT4_LINK_MAX, measured: EMLINK at nlink 65000 */
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
    {"overlay", -1, 0},           /* links are made in the upper layer: the probe (linux.c) reads
                                     upperdir= from mountinfo and gives that filesystem's answers */
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
