#!/bin/sh
# fuse-overlayfs: a copy-up keeps the link only in fuse-overlayfs's memory:
# after a write through two_a (a lower file with a second name, two_b), the
# upper layer holds two_a alone (nlink 1), so after a remount two_b shows the
# lower copy again.
# Cases: layers/copy_up_survives_a_remount
# Needs two_a and two_b, two names of one file made in the lower layer before
# the mount: tools/hl-volume up fuse-overlayfs makes them in hl-lower/. Run it
# there: the first run writes and exits 3; remount (tools/hl-volume cycle
# MOUNT) and run it again: the second run checks. Anywhere else it makes the
# names itself.
# Run in: hl-lower
# Remount: between two runs
# Exits 1 when the divergence shows, 0 when not.
[ -e two_a ] || { printf 'two\n' >two_a && ln two_a two_b; } || exit 2
if [ ! -e repro-written ]; then
  stat -c %h two_a two_b >/dev/null # both names looked up
  printf 'x\n' >two_a
  printf 'x\n' >repro-written
  echo "wrote x through two_a: remount, then run this again"
  exit 3
fi
b=$(cat two_b) a=$(cat two_a)
echo "expected: after the remount, cat two_b; cat two_a: x; x"
echo "seen:     $b; $a"
[ "$b; $a" = "x; x" ]
