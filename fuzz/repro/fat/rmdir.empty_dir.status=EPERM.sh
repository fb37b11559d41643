#!/bin/sh
# fuzz_ops/rmdir.empty_dir.status=EPERM on fat (fusefat; fusefat 0.1a-3; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
printf b >b
mkdir d
mv -T b a
printf nn >d/x
exec 3<>d/x
# step 15 not run by fuzz_ops: known divergence fuzz_ops/rename.nonempty_dir.listing
# step 17 not run by fuzz_ops: known divergence fuzz_ops/create.nonempty_file.size
unlink d/x
LC_ALL=C; export LC_ALL
if out=$(rmdir d 2>&1); then seen=success; else seen=$(echo "$out" | tail -n 1); fi
case $seen in *'Directory not empty'*|success) exit 0 ;; esac
echo "rmdir d: expected success or Directory not empty, seen $seen"; exit 1
