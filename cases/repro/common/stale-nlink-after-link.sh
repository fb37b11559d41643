#!/bin/sh
# Right after `ln a b`, stat through the existing name a still shows the link
# count cached before the link (1), while b shows 2. These drivers (high-level
# libfuse) give each name its own kernel inode with its own attribute cache
# (attr_timeout 1 s): stat at once after ln, no sleep, or the cache expires.
# Drivers: bindfs (cases/known/fuse.bindfs.known), mergerfs
#   (cases/known/fuse.mergerfs.known), unionfs (cases/known/fuse.unionfs.known)
# Cases: bindfs: basic/data_through_either_name basic/same_inode_and_nlink
#   basic/several_links_in_several_directories basic/timestamps_advance
#   basic/unlink_lowers_the_count coherence/chmod_through_other_name
#   coherence/chown_through_other_name coherence/every_name_in_readdir
#   coherence/link_count_through_every_name
#   coherence/mmap_write_through_other_name
#   coherence/setxattr_through_other_name
#   coherence/truncate_and_append_through_other_name
#   coherence/utimensat_through_other_name
#   coherence/write_and_fsync_through_other_descriptor
#   coherence/write_through_other_name cross_volume/within_one_bind_mount
#   directory/symlink_not_followed directory/symlink_not_followed_beneath
#   hlprobe/link_a_file hlprobe/max_links_second
#   lifecycle/rename_onto_another_link_of_the_same_file
#   lifecycle/unlink_one_name_keeps_the_others
#   link_limit/policy_ntfs_max_links
#   names/deep_path_under_path_max_reaches_the_kernel
#   names/name_of_255_bytes_works names/path_under_path_max_reaches_the_kernel
#   no_links/beneath no_links/empty_file no_links/file_with_data
#   no_links/in_subdirectories no_links/pinned_source no_links/repeated
#   permissions/destination_directory_not_searchable
#   permissions/destination_directory_not_writable
#   permissions/protected_hardlinks
#   permissions/source_directory_not_searchable
#   persistence/links_survive_a_remount
#   rename/across_directories_keeps_count_and_ino
#   rename/between_names_while_open
#   rename/noreplace_and_exchange_between_names
#   rename/over_unrelated_file_drops_its_count
#   mergerfs: hlprobe/max_links_second link_limit/policy_ntfs_max_links
#   unionfs: hlprobe/max_links_second link_limit/policy_ntfs_max_links
# Run in an empty directory; exits 1 when the divergence shows, 0 when not.
# The cache lasts a second from the create: under heavy load (load average
# 24 on 2 cores) even the exec of ln and then of stat took longer, 10 times in
# a row, so one python3 does create, link and stat (os.link, os.stat: the
# calls ln and stat make) within milliseconds, up to 10 times.
seen=$(python3 -c '
import os
for i in range(1, 11):
    a, b = "a%d" % i, "b%d" % i
    open(a, "w").close()
    os.link(a, b)
    seen = "%d %d" % (os.stat(a).st_nlink, os.stat(b).st_nlink)
    if seen != "2 2":
        break
print("%s (try %d)" % (seen, i))')
echo "expected: stat -c %h a b right after ln a b: 2 2"
echo "seen:     $seen"
[ "${seen% (try*}" = "2 2" ]
