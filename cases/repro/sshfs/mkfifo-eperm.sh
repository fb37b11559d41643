#!/bin/sh
# sshfs: mkfifo answers EPERM: SFTP cannot make a FIFO.
# Cases: names/exists_fifo
# Run in an empty directory; exits 1 when the divergence shows, 0 when not.
export LC_ALL=C
seen=$(mkfifo p 2>&1) seen=${seen##*: }
[ -p p ] && seen="a FIFO"
echo "expected: mkfifo p: a FIFO"
echo "seen:     $seen"
[ "$seen" = "a FIFO" ]
