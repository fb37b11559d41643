#!/bin/sh
# fuzz_ops/link.at_max_links.status=HL_OK on mergerfs (fuse.mergerfs; mergerfs 2.33.5-1; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
mkdir d
: >d/x
ln d/x e
# hl_create_at(new d/y, existing d/x, max_links 2) decides on the link count of d/x:
seen=$(stat -L -c %h d/x)
[ "$seen" = 2 ] && exit 0
echo "nlink of d/x: expected 2, seen $seen"; exit 1
