#!/bin/sh
# sshfs: a name one byte longer than the volume's name limit (stat -f -c %l,
# 255) answers EBADMSG ("Bad message", errno 74: the SFTP server's failure as
# sshfs maps it), not ENAMETOOLONG, both on lookup and as a new name.
# Cases: hlprobe/name_too_long names/name_of_256_bytes_as_new_name
#   names/name_of_256_bytes_as_source
# Run in an empty directory; exits 1 when the divergence shows, 0 when not.
export LC_ALL=C
name=$(printf "%0$(($(stat -f -c %l .) + 1))d" 0)
printf x >a
seen=$(cat "$name" 2>&1 >/dev/null) seen=${seen##*: }
new=$(ln a "$name" 2>&1) new=${new##*: }
echo "expected: cat NAME, ln a NAME (one byte over the limit): File name too long, File name too long"
echo "seen:     $seen, $new"
[ "$seen, $new" = "File name too long, File name too long" ]
