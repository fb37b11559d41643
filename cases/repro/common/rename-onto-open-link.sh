#!/bin/sh
# rename(2) of one name of a file onto another of its names, while that other
# name is open, removes the old name; POSIX says such a rename does nothing.
# libfuse (no hard_remove) first hides the open target as .fuse_hidden*, then
# moves a onto the freed name. rename.ul (util-linux) calls rename(2) itself:
# mv refuses two names of one file ("are the same file"). On sshfs the case
# rename/between_names_while_open stops earlier, at the st_ino its known line
# names; the fuzz_ops line names this script.
# Drivers: ntfs (cases/known/ntfs-3g.known), sshfs (cases/known/fuse.sshfs.known)
# Cases: ntfs: fuzz_ops/rename.over_open_link_of_same_file.state
#   rename/between_names_while_open
#   sshfs: fuzz_ops/rename.over_open_link_of_same_file.state
# Run in an empty directory; exits 1 when the divergence shows, 0 when not.
printf x >a
ln a b
exec 3<b
rename.ul a b a
seen=
for f in a b; do [ -e "$f" ] && seen="$seen $f"; done
exec 3<&-
echo "expected: after rename a to b (b open, one file): names a b"
echo "seen:     names$seen"
[ "$seen" = " a b" ]
