#!/bin/sh
# fuzz_ops/any.write_through_other_name.size on unionfs (fuse.unionfs; unionfs-fuse 1.0-1+b1; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
: >d
ln d a
printf ccc >a
seen=$(stat -L -c %s d)
[ "$seen" = 3 ] && exit 0
echo "size of d: expected 3, seen $seen"; exit 1
