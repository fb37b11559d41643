#!/bin/sh
# unionfs-fuse: rename(2) of one name of a file onto another of its names, while that
# other name is open, removes the old name; POSIX says such a rename does
# nothing. libfuse (no hard_remove) first hides the open target as
# .fuse_hidden*, then moves a onto the freed name. rename.ul (util-linux) calls
# rename(2) itself: mv refuses two names of one file ("are the same file").
# Cases: none listed: found by hand. rename/between_names_while_open stops
#   earlier here, at the link count or st_ino its known line names.
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
