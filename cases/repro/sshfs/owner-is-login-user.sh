#!/bin/sh
# sshfs: every file made through sshfs belongs to the SFTP login user (root
# here), and the server acts with that user's rights whoever calls: a file made
# as uid 65534 belongs to uid 0, and a directory's permissions do not stop uid
# 65534 (it links out of a directory it may not search).
# Cases: permissions/destination_directory_not_searchable
#   permissions/destination_directory_not_writable
#   permissions/protected_hardlinks permissions/source_directory_not_searchable
# Run as root (setpriv, util-linux, acts as uid 65534) in an empty directory;
# exits 1 when the divergence shows, 0 when not.
export LC_ALL=C
mkdir pub priv
chmod 777 pub
printf x >priv/f
chmod 700 priv
setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'printf x >pub/mine; ln priv/f pub/n 2>/dev/null'
owner=$(stat -c %u pub/mine)
[ -e pub/n ] && linked=yes || linked=no
echo "expected: owner of pub/mine made by uid 65534, and did uid 65534 link priv/f (priv mode 700, root's): 65534 no"
echo "seen:     $owner $linked"
[ "$owner $linked" = "65534 no" ]
