#!/bin/sh
# fuzz_ops/any.write_through_other_name.content_uncached on mergerfs (fuse.mergerfs; mergerfs 2.33.5-1; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
mkdir d
: >d/x
ln d/x e
printf e >e
dd if=d/x iflag=nocache count=0 2>/dev/null  # drop its page cache
seen=$(cat <d/x)
[ "$seen" = "e" ] && exit 0
echo "content of d/x: expected e, seen $seen"; exit 1
