#!/bin/sh
# fuzz_ops/rmdir.nonempty_dir.status=EPERM on fat (fusefat; fusefat 0.1a-3; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
mkdir d
: >d/x
head -c 2545 /dev/zero | tr '\0' c >d/x
LC_ALL=C; export LC_ALL
if out=$(rmdir d 2>&1); then seen=success; else seen=$(echo "$out" | tail -n 1); fi
case $seen in *'Directory not empty'*) exit 0 ;; esac
echo "rmdir d: expected Directory not empty, seen $seen"; exit 1
