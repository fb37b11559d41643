#!/bin/sh
# A file still open after its last name is removed keeps a name: the
# high-level libfuse (no hard_remove) renames it to .fuse_hidden* instead of
# removing it, so once that name is looked up (here by listing the directory)
# the open file reports nlink 1 and can be linked back through /proc/PID/fd.
# The same when every name of a file with two is removed.
# Drivers: bindfs (cases/known/fuse.bindfs.known), ntfs (cases/known/ntfs-3g.known),
#   sshfs (cases/known/fuse.sshfs.known), unionfs
#   (cases/known/fuse.unionfs.known)
# Cases: bindfs: lifecycle/open_file_without_a_name_cannot_be_linked
#   lifecycle/open_file_whose_names_are_gone_blames_no_new_name
#   ntfs: lifecycle/open_file_without_a_name_cannot_be_linked
#   lifecycle/open_file_whose_names_are_gone_blames_no_new_name
#   sshfs: lifecycle/open_file_without_a_name_cannot_be_linked
#   lifecycle/open_file_whose_names_are_gone_blames_no_new_name
#   unionfs: lifecycle/open_file_without_a_name_cannot_be_linked
#   lifecycle/open_file_whose_names_are_gone_blames_no_new_name
# Run in an empty directory; exits 1 when the divergence shows, 0 when not.
printf x >a
exec 3<a
rm a
for f in .[!.]* *; do [ -e "$f" ] && echo "left in the directory: $f"; done
nlink=$(stat -c %h - <&3) # fstat of the open file
if ln -L /proc/$$/fd/3 back 2>/dev/null; then relinked=yes; else relinked=no; fi
exec 3<&-
echo "expected: after rm of its last name the open file has nlink 0 and ln -L /proc/\$\$/fd/3 fails: 0 no"
echo "seen:     $nlink $relinked"
[ "$nlink $relinked" = "0 no" ]
