#!/bin/sh
# fuse-overlayfs: an open file whose last name was removed still reports
# nlink 1 through its descriptor (fstat), not 0.
# Cases: lifecycle/open_file_without_a_name_cannot_be_linked
# Run in an empty directory; exits 1 when the divergence shows, 0 when not.
printf x >a
exec 3<a
rm a
seen=$(stat -c %h - <&3) # fstat of the open file
exec 3<&-
echo "expected: stat -c %h of the open file after rm of its last name: 0"
echo "seen:     $seen"
[ "$seen" = 0 ]
