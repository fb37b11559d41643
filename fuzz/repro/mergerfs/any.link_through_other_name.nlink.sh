#!/bin/sh
# fuzz_ops/any.link_through_other_name.nlink on mergerfs (fuse.mergerfs; mergerfs 2.33.5-1; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
printf aa >b
ln b c
seen=$(stat -L -c %h b)
[ "$seen" = 2 ] && exit 0
echo "nlink of b: expected 2, seen $seen"; exit 1
