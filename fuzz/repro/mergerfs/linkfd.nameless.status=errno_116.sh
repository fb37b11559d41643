#!/bin/sh
# fuzz_ops/linkfd.nameless.status=errno_116 on mergerfs (fuse.mergerfs; mergerfs 2.33.5-1; Linux 6.18.44-fc-v782)
# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.
# linkat(fd, "", AT_EMPTY_PATH) of an open file whose two names were looked up
# and unlinked answers ESTALE, not ENOENT, while the kernel's cached link count
# of that name (attr_timeout 1 s) is still 1: one python3 (the shell has no
# AT_EMPTY_PATH) does it all within milliseconds, up to 5 times; python3's
# start alone can take more than the second.
seen=$(python3 -c '
import ctypes, os
c = ctypes.CDLL(None, use_errno=True)
for i in range(1, 6):
    a, b = "a%d" % i, "b%d" % i
    with open(a, "w") as f: f.write("x")
    fd = os.open(a, os.O_RDWR)
    os.link(a, b); os.lstat(a); os.lstat(b); os.unlink(a); os.unlink(b)
    r = c.linkat(fd, b"", -100, b"c%d" % i, 0x1000)  # 0x1000: AT_EMPTY_PATH
    seen = os.strerror(ctypes.get_errno()) if r else "linked"
    os.close(fd)
    if seen != "No such file or directory": break
print("%s (try %d)" % (seen, i))')
echo "expected: linkat(fd, \"\", AT_EMPTY_PATH) after rm of both names: No such file or directory"
echo "seen:     $seen"
[ "${seen% (try*}" = "No such file or directory" ]
