#!/bin/sh
# fusefat: rename of a non-empty directory loses its entries: under its new
# name it is empty (data loss).
# Cases: fuzz_ops/rename.nonempty_dir.listing
# Run in an empty directory of a scratch volume; exits 1 when the divergence
# shows, 0 when not.
export LC_ALL=C
mkdir d
printf hi >d/f
mv d e
seen=$(cat e/f 2>&1) seen=${seen##*: }
echo "expected: cat e/f after mv d e: hi"
echo "seen:     $seen"
[ "$seen" = hi ]
