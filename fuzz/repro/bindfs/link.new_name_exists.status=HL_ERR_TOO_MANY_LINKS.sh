#!/bin/sh
# fuzz_ops/link.new_name_exists.status=HL_ERR_TOO_MANY_LINKS on bindfs (fuse.bindfs; bindfs 1.14.7-1; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
printf a >a
ln a c
unlink a
# hl_create_at(new c, existing c, max_links 2) decides on the link count of c:
seen=$(stat -L -c %h c)
[ "$seen" = 1 ] && exit 0
echo "nlink of c: expected 1, seen $seen"; exit 1
