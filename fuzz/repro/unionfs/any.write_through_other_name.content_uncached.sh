#!/bin/sh
# fuzz_ops/any.write_through_other_name.content_uncached on unionfs (fuse.unionfs; unionfs-fuse 1.0-1+b1; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
printf aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa >d
ln d a
: >d
printf eee >a
dd if=d iflag=nocache count=0 2>/dev/null  # drop its page cache
seen=$(cat <d)
[ "$seen" = "eee" ] && exit 0
echo "content of d: expected eee, seen $seen"; exit 1
