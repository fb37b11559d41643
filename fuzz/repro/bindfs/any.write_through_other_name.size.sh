#!/bin/sh
# fuzz_ops/any.write_through_other_name.size on bindfs (fuse.bindfs; bindfs 1.14.7-1; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
head -c 12725 /dev/zero | tr '\0' a >a
ln a b
printf ccccccccccccc >a
seen=$(stat -L -c %s b)
[ "$seen" = 13 ] && exit 0
echo "size of b: expected 13, seen $seen"; exit 1
