#!/bin/sh
# fusefat: a file renamed while open to a long name (like libfuse's
# .fuse_hidden*) and then written through its descriptor: its entry splits
# into garbage names ("6900000223", "~1") and fstat fails with ENOENT.
# Cases: fuzz_ops/writefd.hidden_name.fstat
# Run in an empty directory of a scratch volume; exits 1 when the divergence
# shows, 0 when not.
export LC_ALL=C
exec 3<>a
mv a renamed0000756900000223
printf xy >&3
size=$(stat -c %s - <&3 2>&1) size=${size##*: } # fstat of the open file
exec 3<&-
names=
for f in * .[!.]*; do [ -e "$f" ] && names="$names $f"; done
echo "expected: fstat size, names after the rename and the write: 2, renamed0000756900000223"
echo "seen:     $size,$names"
[ "$size,$names" = "2, renamed0000756900000223" ]
