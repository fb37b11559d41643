#!/bin/sh
# unionfs: right after `ln a b`, stat through the existing name a still shows the
# link count cached before the link (1). unionfs (high-level libfuse) gives each
# name its own kernel inode with its own attribute cache (attr_timeout 1 s):
# stat at once after ln, no sleep, or the cache expires.
# Cases: hlprobe/max_links_second link_limit/policy_ntfs_max_links
# Run in an empty directory; exits 1 when the divergence shows, 0 when not.
# Up to 3 tries (a1 b1, a2 b2, a3 b3): on a loaded machine the stat may start
# more than a second after ln.
for i in 1 2 3; do
  printf x >a$i
  stat -c %h a$i >/dev/null # a's attributes are now cached
  ln a$i b$i
  seen="$(stat -c %h a$i) $(stat -c %h b$i)"
  [ "$seen" = "2 2" ] || break
done
echo "expected: stat -c %h a b right after ln a b: 2 2"
echo "seen:     $seen (try $i)"
[ "$seen" = "2 2" ]
