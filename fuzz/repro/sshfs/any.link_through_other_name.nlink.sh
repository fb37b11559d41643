#!/bin/sh
# fuzz_ops/any.link_through_other_name.nlink on sshfs (fuse.sshfs; sshfs 3.7.3-1.2~deb12u1; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
printf aaaaa >a
ln a b
seen=$(stat -L -c %h a)
[ "$seen" = 2 ] && exit 0
echo "nlink of a: expected 2, seen $seen"; exit 1
