#!/bin/sh
# fuse-overlayfs: the link count of a file whose names are in the lower layer
# is the number of its names fuse-overlayfs has looked up so far, not the
# file's: a file with three names (three_a, three_b, d/three_c) reports less
# than 3 until all three were looked up. After a remount the same holds for
# files made through it (persistence).
# Cases: layers/lower_names_one_inode layers/copy_up_write layers/copy_up_chmod
#   layers/copy_up_xattr layers/new_link_counts_lower_names
#   persistence/links_survive_a_remount
# Needs three_a, three_b and d/three_c, three names of one file made in the
# lower layer before the mount, none looked up yet: tools/hl-volume up
# fuse-overlayfs makes them in hl-lower/; run it there, first thing after the
# mount. Anywhere else it makes them itself (as a plain filesystem would).
# Run in: hl-lower
# Exits 1 when the divergence shows, 0 when not.
[ -e three_a ] || { mkdir -p d && printf 'three\n' >three_a && ln three_a three_b && ln three_a d/three_c; } || exit 2
first=$(stat -c %h three_a)
stat -c %h three_b d/three_c >/dev/null
last=$(stat -c %h three_a)
echo "expected: stat -c %h three_a before and after looking up three_b d/three_c: 3 3"
echo "seen:     $first $last"
[ "$first $last" = "3 3" ]
