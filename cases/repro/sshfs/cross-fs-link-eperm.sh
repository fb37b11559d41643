#!/bin/sh
# sshfs: linking through a symlink to a file on another filesystem answers
# EPERM, not EXDEV ("Invalid cross-device link"): following the symlink fails
# with the SFTP server's generic failure.
# Cases: cross_volume/different_fs_followed_symlink
# Uses /dev/shm (another filesystem, tmpfs) for the file the symlink points to.
# Run in an empty directory; exits 1 when the divergence shows, 0 when not.
export LC_ALL=C
there=/dev/shm/hl-repro-$$
printf there >"$there"
ln -s "$there" ls
seen=$(ln -L ls x 2>&1) seen=${seen##*: }
rm -f "$there"
echo "expected: ln -L ls x (ls -> $there): Invalid cross-device link"
echo "seen:     $seen"
[ "$seen" = "Invalid cross-device link" ]
