#!/bin/sh
# fuzz_ops/link.at_max_links.status=HL_OK on sshfs (fuse.sshfs; sshfs 3.7.3-1.2~deb12u1; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
printf aaaaa >a
ln a b
# hl_create_at(new c, existing b, max_links 2) decides on the link count of b:
seen=$(stat -L -c %h b)
[ "$seen" = 2 ] && exit 0
echo "nlink of b: expected 2, seen $seen"; exit 1
