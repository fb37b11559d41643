#!/bin/sh
# fuzz_ops/linkfd.linkable.status=HL_ERR_UNEXPECTED on mergerfs (fuse.mergerfs; mergerfs 2.33.5-1; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
mkdir d
printf ccccc >d/x
ln d/x d/y
exec 4<>d/x
unlink d/x
LC_ALL=C; export LC_ALL
if out=$(ln -L /proc/self/fd/4 d/x 2>&1); then seen=success; else seen=$(echo "$out" | tail -n 1); fi
case $seen in success) exit 0 ;; esac
echo "ln -L /proc/self/fd/4 d/x: expected success, seen $seen"; exit 1
