#!/bin/sh
# fuzz_ops/any.write_through_other_name.content on mergerfs (fuse.mergerfs; mergerfs 2.33.5-1; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
mkdir d
: >d/x
ln d/x e
printf ddddddddddddddddddddd >e
seen=$(cat <d/x)
[ "$seen" = "ddddddddddddddddddddd" ] && exit 0
echo "content of d/x: expected ddddddddddddddddddddd, seen $seen"; exit 1
