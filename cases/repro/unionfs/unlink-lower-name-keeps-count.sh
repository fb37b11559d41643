#!/bin/sh
# unionfs: removing one of two names of a lower file leaves the other name
# reporting nlink 2: the name is hidden (a whiteout), the lower file unchanged,
# and unionfs does not see the two names as one file.
# Cases: layers/unlink_lower_name
# Needs two_a and two_b, two names of one file made in the lower layer before
# the mount: tools/hl-volume up unionfs makes them in hl-lower/unlink_lower_name/;
# run it there. Anywhere else it makes them itself.
# Run in: hl-lower/unlink_lower_name
# Exits 1 when the divergence shows, 0 when not.
[ -e two_a ] || { printf 'two\n' >two_a && ln two_a two_b; } || exit 2
rm two_a
seen=$(stat -c %h two_b)
echo "expected: after rm two_a: stat -c %h two_b: 1"
echo "seen:     $seen"
[ "$seen" = 1 ]
