#!/bin/sh
# fusefat: rmdir of a non-empty directory answers EPERM, not ENOTEMPTY.
# Cases: fuzz_ops/rmdir.nonempty_dir.status=EPERM
# Run in an empty directory; exits 1 when the divergence shows, 0 when not.
export LC_ALL=C
mkdir d
printf x >d/f
seen=$(rmdir d 2>&1) seen=${seen##*: }
echo "expected: rmdir d (d holds f): Directory not empty"
echo "seen:     ${seen:-removed}"
[ "$seen" = "Directory not empty" ]
