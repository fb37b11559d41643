#!/bin/sh
# fuzz_ops/any.link_through_other_name.st_ino on unionfs (fuse.unionfs; unionfs-fuse 1.0-1+b1; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
printf aaaaa >a
ln a b
seen=$(stat -L -c %i b a | uniq | tr '\n' ' ')
[ $(echo $seen | wc -w) = 1 ] && exit 0
echo "st_ino of b and a: expected one number, seen $seen"; exit 1
