#!/bin/sh
# fuzz_ops/link.new_name_exists.status=HL_ERR_TOO_MANY_LINKS on mergerfs (fuse.mergerfs; mergerfs 2.33.5-1; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
mkdir d
printf cc >d/x
ln d/x d/y
printf fffffffffffffffffffffffffffffff >a
: >d/x
head -c 9671 /dev/zero | tr '\0' i >e
mv -T e d/x
# hl_create_at(new d, existing d/y, max_links 2) decides on the link count of d/y:
seen=$(stat -L -c %h d/y)
[ "$seen" = 1 ] && exit 0
echo "nlink of d/y: expected 1, seen $seen"; exit 1
