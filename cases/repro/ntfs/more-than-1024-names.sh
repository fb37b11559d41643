#!/bin/sh
# ntfs-3g: a file on NTFS may have 1024 names (Windows refuses the 1024th link
# with ERROR_TOO_MANY_LINKS); ntfs-3g makes it, and goes on to 8190 names
# (past them it answers ERANGE). Only an NTFS volume is held to NTFS's limit:
# the script looks for NTFS's $MFT at the mount's root (stat -c %m) to know one.
# Cases: link_limit/native_limit
# Run in an empty directory; exits 1 when the divergence shows, 0 when not.
printf x >a
if ! [ -e "$(stat -c %m .)/\$MFT" ]; then
  echo "expected: on NTFS, a 1025th name refused"
  echo "seen:     not NTFS (no \$MFT at the mount's root): nothing to check"
  exit 0
fi
# 1024 names in few processes: n1..n32 here, then all 32 into each of d1..d31
i=1
while [ $i -lt 32 ]; do ln a n$i || exit 2; i=$((i + 1)); done
mv a n32
i=1
while [ $i -lt 32 ]; do mkdir d$i && ln n* d$i || exit 2; i=$((i + 1)); done
if ln n1 extra 2>/dev/null; then made=made; else made=refused; fi
seen=$(stat -c %h n1)
echo "expected: with 1024 names (nlink 1024), ln n1 extra: refused, nlink 1024"
echo "seen:     $made, nlink $seen"
[ "$made $seen" = "refused 1024" ]
