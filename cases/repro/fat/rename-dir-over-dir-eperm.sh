#!/bin/sh
# fusefat: rename of a directory over another directory answers EPERM: over an
# empty one it should replace it, over a non-empty one answer ENOTEMPTY.
# Cases: fuzz_ops/rename.dir_over_empty_dir.status=EPERM
#   fuzz_ops/rename.dir_over_nonempty_dir.status=EPERM
# Run in an empty directory; exits 1 when the divergence shows, 0 when not.
export LC_ALL=C
mkdir d e d2 e2
printf x >e2/f
empty=$(mv -T d e 2>&1) empty=${empty##*: }
full=$(mv -T d2 e2 2>&1) full=${full##*: }
echo "expected: mv -T d e (e empty), mv -T d2 e2 (e2 holds f): replaced, Directory not empty"
echo "seen:     ${empty:-replaced}, ${full:-replaced}"
[ "${empty:-replaced}, $full" = "replaced, Directory not empty" ]
