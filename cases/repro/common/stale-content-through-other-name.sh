#!/bin/sh
# After a write through one name of a file, a read through another name
# returns the old content (here none), and still does after that name's page
# cache is dropped (dd iflag=nocache: posix_fadvise DONTNEED): each name is a
# kernel inode of its own (high-level libfuse gives each name its own node),
# with its own page cache and its own size cached before the write
# (attr_timeout 1 s), which caps the read.
# Drivers: bindfs (cases/known/fuse.bindfs.known), mergerfs
#   (cases/known/fuse.mergerfs.known), sshfs (cases/known/fuse.sshfs.known),
#   unionfs (cases/known/fuse.unionfs.known)
# Cases: bindfs: fuzz_ops/any.write_through_other_name.content
#   fuzz_ops/any.write_through_other_name.content_uncached
#   mergerfs: fuzz_ops/any.write_through_other_name.content
#   fuzz_ops/any.write_through_other_name.content_uncached
#   sshfs: fuzz_ops/any.write_through_other_name.content
#   fuzz_ops/any.write_through_other_name.content_uncached
#   unionfs: fuzz_ops/any.write_through_other_name.content
#   fuzz_ops/any.write_through_other_name.content_uncached
# Run in an empty directory; exits 1 when the divergence shows, 0 when not.
# Up to 5 tries (a1 b1 ... a5 b5): on a loaded machine the read may start more
# than a second after the write, once the cached size has expired.
for i in 1 2 3 4 5; do
  : >a$i
  ln a$i b$i
  printf ccc >b$i
  seen="'$(cat a$i)'"
  dd if=a$i iflag=nocache count=0 2>/dev/null # drop a's page cache
  seen="$seen '$(cat a$i)'"
  [ "$seen" = "'ccc' 'ccc'" ] || break
done
echo "expected: cat a after printf ccc >b (b a link of a), then again after dd iflag=nocache of a: 'ccc' 'ccc'"
echo "seen:     $seen (try $i)"
[ "$seen" = "'ccc' 'ccc'" ]
