#!/bin/sh
# rename(2) of one lower name of a file onto another of its names removes the
# old name (POSIX: when both are links to the same file, rename does nothing):
# the layered driver sees two files and replaces the target. rename.ul
# (util-linux) calls rename(2) itself; mv refuses two names of one file.
# Drivers: overlay (cases/known/overlay.known), unionfs
#   (cases/known/fuse.unionfs.known)
# Cases: overlay: layers/rename_between_names
#   unionfs: layers/rename_between_names
# Needs two_a and two_b, two names of one file made in the lower layer before
# the mount: tools/hl-volume up overlay (and unionfs) makes them in
# hl-lower/rename_between_names/: run it there (its Run in: lines). Anywhere else it makes
# them itself (as a plain filesystem would).
# Run in: overlay: hl-lower/rename_between_names
# Run in: unionfs: hl-lower/rename_between_names
# Exits 1 when the divergence shows, 0 when not.
[ -e two_a ] || { printf 'two\n' >two_a && ln two_a two_b; } || exit 2
rename.ul two_a two_b two_a
seen=
for f in two_a two_b; do [ -e "$f" ] && seen="$seen $f"; done
echo "expected: after rename two_a to two_b (one file): names two_a two_b"
echo "seen:     names$seen"
[ "$seen" = " two_a two_b" ]
