#!/bin/sh
# fuzz_ops/rename.dir_over_nonempty_dir.status=EPERM on sshfs (fuse.sshfs; sshfs 3.7.3-1.2~deb12u1; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
mkdir d
: >d/x
mv -T d a
mkdir d
LC_ALL=C; export LC_ALL
if out=$(python3 -c 'import ctypes, os, sys; c = ctypes.CDLL(None, use_errno=True); c.renameat2(-100, b"d", -100, b"a", 0) == 0 or sys.exit(os.strerror(ctypes.get_errno()))' 2>&1); then seen=success; else seen=$(echo "$out" | tail -n 1); fi
case $seen in *'Directory not empty'*) exit 0 ;; esac
echo "rename d a: expected Directory not empty, seen $seen"; exit 1
