#!/bin/sh
# fuzz_ops/rename.dir_over_empty_dir.status=EPERM on fat (fusefat; fusefat 0.1a-3; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
mkdir a
mkdir b
LC_ALL=C; export LC_ALL
if out=$(python3 -c 'import ctypes, os, sys; c = ctypes.CDLL(None, use_errno=True); c.renameat2(-100, b"b", -100, b"a", 0) == 0 or sys.exit(os.strerror(ctypes.get_errno()))' 2>&1); then seen=success; else seen=$(echo "$out" | tail -n 1); fi
case $seen in success) exit 0 ;; esac
echo "rename b a: expected success, seen $seen"; exit 1
