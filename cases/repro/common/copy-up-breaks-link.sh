#!/bin/sh
# A change through one name of a file whose two names are in the lower layer
# breaks the link: that name becomes a new file with nlink 1, the other name
# keeps the old data. overlayfs with index=off (its default) and unionfs-fuse
# (cow) copy up only the name a change goes through
# (Documentation/filesystems/overlayfs.rst, "Index"; index=on keeps the link).
# The same for a chmod, a setxattr (overlay) or a new link through one name.
# Drivers: overlay (cases/known/overlay.known), unionfs
#   (cases/known/fuse.unionfs.known)
# Cases: overlay: layers/copy_up_write layers/copy_up_chmod layers/copy_up_xattr
#   layers/new_link_counts_lower_names layers/copy_up_survives_a_remount
#   unionfs: layers/copy_up_chmod layers/copy_up_write
#   layers/copy_up_survives_a_remount
# Needs two_a and two_b, two names of one file made in the lower layer before
# the mount: tools/hl-volume up overlay (and unionfs) makes them in
# hl-lower/copy_up_write/: run it there (its Run in: lines). Anywhere else it makes
# them itself (as a plain filesystem would).
# Run in: overlay: hl-lower/copy_up_write
# Run in: unionfs: hl-lower/copy_up_write
# Exits 1 when the divergence shows, 0 when not.
[ -e two_a ] || { printf 'two\n' >two_a && ln two_a two_b; } || exit 2
printf more >>two_a
a=$(stat -c '%i %h %s' two_a) b=$(stat -c '%i %h %s' two_b)
if [ "$(cat two_a)" = "$(cat two_b)" ]; then data=same; else data=different; fi
echo "expected: stat -c '%i %h %s' two_a; two_b after printf more >>two_a: one st_ino, nlink 2, one size; data same"
echo "seen:     $a; $b; data $data"
[ "$a" = "$b" ] && [ "${a#* }" = "2 ${a##* }" ] && [ $data = same ]
