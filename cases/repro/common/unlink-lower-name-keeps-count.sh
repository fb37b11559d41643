#!/bin/sh
# Removing one of two names of a lower file leaves the other name reporting
# nlink 2: the name is hidden (a whiteout), the lower file unchanged, and the
# layered driver does not see the two names as one file.
# Drivers: overlay (cases/known/overlay.known), unionfs
#   (cases/known/fuse.unionfs.known)
# Cases: overlay: layers/unlink_lower_name
#   unionfs: layers/unlink_lower_name
# Needs two_a and two_b, two names of one file made in the lower layer before
# the mount: tools/hl-volume up overlay (and unionfs) makes them in
# hl-lower/unlink_lower_name/: run it there (its Run in: lines). Anywhere else it makes
# them itself (as a plain filesystem would).
# Run in: overlay: hl-lower/unlink_lower_name
# Run in: unionfs: hl-lower/unlink_lower_name
# Exits 1 when the divergence shows, 0 when not.
[ -e two_a ] || { printf 'two\n' >two_a && ln two_a two_b; } || exit 2
rm two_a
seen=$(stat -c %h two_b)
echo "expected: after rm two_a: stat -c %h two_b: 1"
echo "seen:     $seen"
[ "$seen" = 1 ]
