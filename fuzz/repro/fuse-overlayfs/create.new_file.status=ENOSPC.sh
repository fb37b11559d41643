#!/bin/sh
# fuzz_ops/create.new_file.status=ENOSPC on fuse-overlayfs (fuse.fuse-overlayfs; fuse-overlayfs 1.10-1; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
# (by hand: fuzz_ops saw creates fail with ENOSPC once each rmdir had left a directory in the workdir)
used() { df -Pi . | awk 'NR == 2 { print $3 }'; }
before=$(used)
for i in 1 2 3 4 5 6 7 8 9 10; do mkdir d && rmdir d; done
seen=$(($(used) - before))
[ "$seen" -le 0 ] && exit 0
echo "inodes in use after 10 mkdir and rmdir: expected none more, seen $seen more"; exit 1
