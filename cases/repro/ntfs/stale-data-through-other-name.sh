#!/bin/sh
# ntfs-3g: after a write through one name, a read through another name that
# was read before returns the old content (same length, same mtime second):
# its names are separate kernel inodes (high-level libfuse nodes) with separate
# page caches. The same through a shared mapping or a pwrite and fsync.
# Cases: fuzz_ops/any.write_through_other_name.content
#   coherence/write_through_other_name coherence/mmap_write_through_other_name
#   coherence/write_and_fsync_through_other_descriptor
# Run in an empty directory; exits 1 when the divergence shows, 0 when not.
printf 11111 >a
ln a b
cat a >/dev/null # a's page cache now holds 11111
printf 22222 >b
seen=$(cat a)
echo "expected: cat a after printf 22222 >b: 22222"
echo "seen:     $seen"
[ "$seen" = 22222 ]
