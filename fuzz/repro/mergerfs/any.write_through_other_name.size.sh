#!/bin/sh
# fuzz_ops/any.write_through_other_name.size on mergerfs (fuse.mergerfs; mergerfs 2.33.5-1; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
mkdir d
printf bb >d/x
ln d/x d/y
head -c 3563 /dev/zero | tr '\0' d >d/x
seen=$(stat -L -c %s d/y)
[ "$seen" = 3563 ] && exit 0
echo "size of d/y: expected 3563, seen $seen"; exit 1
