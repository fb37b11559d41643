#!/bin/sh
# fuzz_ops/link.linkable.status=HL_ERR_TOO_MANY_LINKS on bindfs (fuse.bindfs; bindfs 1.14.7-1; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
printf aaaaaaaaaaaaaaaaaaaaaaaaaa >a
ln a b
unlink a
# hl_create_at(new a, existing b, max_links 2) decides on the link count of b:
seen=$(stat -L -c %h b)
[ "$seen" = 1 ] && exit 0
echo "nlink of b: expected 1, seen $seen"; exit 1
