#!/bin/sh
# fusefat: a file truncated and written again keeps its old size when the new
# content is shorter, old bytes after the new. The same through write with
# O_TRUNC and through ftruncate and pwrite on a descriptor.
# Do not remove f afterwards: removing such a file loops fusefat at 100% CPU.
# Cases: fuzz_ops/create.nonempty_file.size fuzz_ops/write.nonempty_file.size
#   fuzz_ops/writefd.nonempty_file.size
# Run in an empty directory of a scratch volume; exits 1 when the divergence
# shows, 0 when not.
printf 0123456789 >f
printf abc >f
seen="$(stat -c %s f) $(cat f)"
echo "expected: stat -c %s f; cat f after printf abc >f (was 0123456789): 3 abc"
echo "seen:     $seen"
[ "$seen" = "3 abc" ]
