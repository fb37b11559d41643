#!/bin/sh
# fuzz_ops/rename.over_open_link_of_same_file.state on bindfs (fuse.bindfs; bindfs 1.14.7-1; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
head -c 3054 /dev/zero | tr '\0' a >a
ln a b
exec 3<>a
python3 -c 'import os; os.rename("b", "a")'
seen=$(stat -L -c %F b 2>&1)
case $seen in regular*file) true ;; *) false ;; esac && exit 0
echo "stat b: expected a regular file, seen $seen"; exit 1
