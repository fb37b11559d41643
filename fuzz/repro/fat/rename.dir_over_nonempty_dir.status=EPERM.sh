#!/bin/sh
# fuzz_ops/rename.dir_over_nonempty_dir.status=EPERM on fat (fusefat; fusefat 0.1a-3; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
mkdir b
mkdir d
mv -T b a
mv -T d e
head -c 16288 /dev/zero | tr '\0' l >e/x
# step 12 not run by fuzz_ops: known divergence fuzz_ops/rename.nonempty_dir.listing
mkdir d
LC_ALL=C; export LC_ALL
if out=$(python3 -c 'import ctypes, os, sys; c = ctypes.CDLL(None, use_errno=True); c.renameat2(-100, b"d", -100, b"e", 0) == 0 or sys.exit(os.strerror(ctypes.get_errno()))' 2>&1); then seen=success; else seen=$(echo "$out" | tail -n 1); fi
case $seen in *'Directory not empty'*) exit 0 ;; esac
echo "rename d e: expected Directory not empty, seen $seen"; exit 1
