#!/bin/sh
# The two names of one file report different st_ino, for good: the driver
# reports libfuse's node number as st_ino, one per name (mergerfs and
# unionfs-fuse: no use_ino, their default; sshfs: SFTP carries no inode
# numbers), so rsync -H, tar and du see two files. (On mergerfs and unionfs
# the link count through a is stale too: stale-nlink-after-link.sh.)
# Drivers: mergerfs (cases/known/fuse.mergerfs.known), sshfs
#   (cases/known/fuse.sshfs.known), unionfs (cases/known/fuse.unionfs.known)
# Cases: mergerfs: basic/data_through_either_name basic/same_inode_and_nlink
#   basic/several_links_in_several_directories basic/timestamps_advance
#   basic/unlink_lowers_the_count coherence/chmod_through_other_name
#   coherence/chown_through_other_name coherence/every_name_in_readdir
#   coherence/link_count_through_every_name
#   coherence/mmap_write_through_other_name
#   coherence/setxattr_through_other_name
#   coherence/truncate_and_append_through_other_name
#   coherence/utimensat_through_other_name
#   coherence/write_and_fsync_through_other_descriptor
#   coherence/write_through_other_name concurrency/link_and_unlink_race
#   cross_volume/within_one_bind_mount directory/symlink_not_followed
#   directory/symlink_not_followed_beneath hlprobe/link_a_file
#   lifecycle/rename_onto_another_link_of_the_same_file
#   lifecycle/unlink_one_name_keeps_the_others
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
#   sshfs: basic/data_through_either_name basic/same_inode_and_nlink
#   basic/several_links_in_several_directories basic/timestamps_advance
#   basic/unlink_lowers_the_count coherence/chmod_through_other_name
#   coherence/chown_through_other_name coherence/every_name_in_readdir
#   coherence/link_count_through_every_name
#   coherence/mmap_write_through_other_name
#   coherence/truncate_and_append_through_other_name
#   coherence/utimensat_through_other_name
#   coherence/write_and_fsync_through_other_descriptor
#   coherence/write_through_other_name concurrency/link_and_unlink_race
#   cross_volume/within_one_bind_mount directory/symlink_not_followed
#   directory/symlink_not_followed_beneath hlprobe/link_a_file
#   lifecycle/rename_onto_another_link_of_the_same_file
#   lifecycle/unlink_one_name_keeps_the_others
#   names/deep_path_under_path_max_reaches_the_kernel
#   names/name_of_255_bytes_works names/path_under_path_max_reaches_the_kernel
#   no_links/beneath no_links/empty_file no_links/file_with_data
#   no_links/in_subdirectories no_links/pinned_source no_links/repeated
#   persistence/links_survive_a_remount
#   rename/across_directories_keeps_count_and_ino
#   rename/between_names_while_open
#   rename/noreplace_and_exchange_between_names
#   rename/over_unrelated_file_drops_its_count
#   unionfs: basic/data_through_either_name basic/same_inode_and_nlink
#   basic/several_links_in_several_directories basic/timestamps_advance
#   basic/unlink_lowers_the_count coherence/chmod_through_other_name
#   coherence/chown_through_other_name coherence/every_name_in_readdir
#   coherence/link_count_through_every_name
#   coherence/mmap_write_through_other_name
#   coherence/truncate_and_append_through_other_name
#   coherence/utimensat_through_other_name
#   coherence/write_and_fsync_through_other_descriptor
#   coherence/write_through_other_name concurrency/link_and_unlink_race
#   cross_volume/within_one_bind_mount directory/symlink_not_followed
#   directory/symlink_not_followed_beneath hlprobe/link_a_file
#   layers/lower_names_one_inode layers/new_link_counts_lower_names
#   lifecycle/rename_onto_another_link_of_the_same_file
#   lifecycle/unlink_one_name_keeps_the_others names/name_of_255_bytes_works
#   names/path_under_path_max_reaches_the_kernel no_links/beneath
#   no_links/empty_file no_links/file_with_data no_links/in_subdirectories
#   no_links/pinned_source no_links/repeated
#   permissions/destination_directory_not_searchable
#   permissions/destination_directory_not_writable
#   permissions/protected_hardlinks
#   permissions/source_directory_not_searchable
#   persistence/links_survive_a_remount
#   rename/across_directories_keeps_count_and_ino
#   rename/between_names_while_open
#   rename/noreplace_and_exchange_between_names
#   rename/over_unrelated_file_drops_its_count
# Run in an empty directory; exits 1 when the divergence shows, 0 when not.
printf x >a
ln a b
seen="$(stat -c %i a) $(stat -c %i b)"
echo "expected: stat -c %i a b after ln a b: one number twice"
echo "seen:     $seen"
[ "${seen% *}" = "${seen#* }" ]
