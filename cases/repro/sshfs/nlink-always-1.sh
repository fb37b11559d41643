#!/bin/sh
# sshfs: every file reports nlink 1, whatever its names: SFTP (version 3)
# attributes carry no link count. b, just made, has fresh attributes: no cache
# is to blame.
# Cases: hlprobe/max_links_second link_limit/long_names link_limit/native_limit
#   link_limit/one_directory link_limit/policy_ntfs_max_links
# Run in an empty directory; exits 1 when the divergence shows, 0 when not.
printf x >a
ln a b
seen=$(stat -c %h b)
echo "expected: stat -c %h b after ln a b: 2"
echo "seen:     $seen"
[ "$seen" = 2 ]
