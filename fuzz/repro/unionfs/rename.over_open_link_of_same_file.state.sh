#!/bin/sh
# fuzz_ops/rename.over_open_link_of_same_file.state on unionfs (fuse.unionfs; unionfs-fuse 1.0-1+b1; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
printf a >d
exec 3<>d
ln d a
python3 -c 'import os; os.rename("a", "d")'
seen=$(stat -L -c %F a 2>&1)
case $seen in regular*file) true ;; *) false ;; esac && exit 0
echo "stat a: expected a regular file, seen $seen"; exit 1
