#!/bin/sh
# fuzz_ops/any.write_through_other_name.size on sshfs (fuse.sshfs; sshfs 3.7.3-1.2~deb12u1; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
printf aaaaa >a
ln a b
: >a
seen=$(stat -L -c %s b)
[ "$seen" = 0 ] && exit 0
echo "size of b: expected 0, seen $seen"; exit 1
