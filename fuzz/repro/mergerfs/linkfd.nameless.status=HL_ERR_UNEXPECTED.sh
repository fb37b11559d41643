#!/bin/sh
# fuzz_ops/linkfd.nameless.status=HL_ERR_UNEXPECTED on mergerfs (fuse.mergerfs; mergerfs 2.33.5-1; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
look() { stat a b c d e d/x d/y e/x; cat a b c d e d/x d/y e/x; } >/dev/null 2>&1
head -c 3054 /dev/zero | tr '\0' a >a
look
exec 3<>a
look
ln a b
look
unlink a
look
unlink b
look
LC_ALL=C; export LC_ALL
if out=$(ln -L /proc/self/fd/3 c 2>&1); then seen=success; else seen=$(echo "$out" | tail -n 1); fi
case $seen in *'No such file or directory'*|success) exit 0 ;; esac
echo "ln -L /proc/self/fd/3 c: expected No such file or directory or success, seen $seen"; exit 1
