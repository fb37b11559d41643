#!/bin/sh
# Looking up a name one byte longer than the volume's name limit (stat -f -c
# %l: 255 on mergerfs and unionfs, whose ext4 branch answers ENAMETOOLONG; 251
# on fuse-overlayfs) answers ENOENT, not ENAMETOOLONG, so a too-long new name
# looks merely absent.
# Drivers: fuse-overlayfs (cases/known/fuse.fuse-overlayfs.known), mergerfs
#   (cases/known/fuse.mergerfs.known), unionfs (cases/known/fuse.unionfs.known)
# Cases: fuse-overlayfs: names/name_of_256_bytes_as_new_name
#   mergerfs: names/name_of_256_bytes_as_new_name
#   unionfs: names/name_of_256_bytes_as_new_name
# Run in an empty directory; exits 1 when the divergence shows, 0 when not.
export LC_ALL=C
name=$(printf "%0$(($(stat -f -c %l .) + 1))d" 0)
seen=$(cat "$name" 2>&1 >/dev/null)
seen=${seen##*: }
echo "expected: cat NAME (one byte over the limit): File name too long"
echo "seen:     $seen"
[ "$seen" = "File name too long" ]
