#!/bin/sh
# unionfs-fuse: mkdir of a deep path far under PATH_MAX (4096) answers
# ENAMETOOLONG: 19 levels of 200-byte names (3818 bytes) work on ext4; here
# the 5th level (1004 bytes) already fails: unionfs-fuse joins the branch's
# path and the path asked for in a buffer of PATHLEN_MAX, 1024 bytes
# (src/unionfs.h), not PATH_MAX.
# Cases: names/deep_path_under_path_max_reaches_the_kernel
# Run in an empty directory; exits 1 when the divergence shows, 0 when not.
export LC_ALL=C
l=dddddddddd l=$l$l$l$l$l$l$l$l$l$l l=$l$l # 200 bytes
p=$l i=1
while seen=$(mkdir "$p" 2>&1) && [ $i -lt 19 ]; do i=$((i + 1)) p=$p/$l; done
if [ -n "$seen" ]; then seen="mkdir: ${seen##*: }"; else seen=made; fi
echo "expected: mkdir of 19 nested 200-byte names (3818 bytes): level 19 (3818 bytes): made"
echo "seen:     level $i (${#p} bytes): $seen"
[ "$seen" = made ] && [ $i = 19 ]
