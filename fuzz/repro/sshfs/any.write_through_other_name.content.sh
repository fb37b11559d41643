#!/bin/sh
# fuzz_ops/any.write_through_other_name.content on sshfs (fuse.sshfs; sshfs 3.7.3-1.2~deb12u1; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
look() { stat a b c d e d/x d/y e/x; cat a b c d e d/x d/y e/x; } >/dev/null 2>&1
printf aaaaa >a
look
ln a b
look
: >a
look
printf d >b
look
seen=$(cat <a)
[ "$seen" = "d" ] && exit 0
echo "content of a: expected d, seen $seen"; exit 1
