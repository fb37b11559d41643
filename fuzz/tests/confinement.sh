#!/usr/bin/env bash
# Confinement: fuzz_paths on inputs that aim at /etc/passwd, /, ../../.. and
# symlinks out of the sandbox. The target itself traps if its canary, the file
# outside or anything in the sandbox changes; this script also checks from
# outside that /etc/passwd, / and /tmp gained nothing.
#   confinement.sh BINARY INPUT_DIR
set -uo pipefail
bin=$1 inputs=$2
passwd_before=$(stat -c '%i %h %Z' /etc/passwd)
root_before=$(find / -mindepth 1 -maxdepth 1 | sort | md5sum)
"$bin" "$inputs"/* >/tmp/hl-confinement.$$.log 2>&1
rc=$?
if [ $rc -ne 0 ]; then echo "FAIL: fuzz_paths exited $rc on the escape inputs:"; tail -n 8 /tmp/hl-confinement.$$.log; rm -f /tmp/hl-confinement.$$.log; exit 1; fi
rm -f /tmp/hl-confinement.$$.log
[ "$(stat -c '%i %h %Z' /etc/passwd)" = "$passwd_before" ] || { echo "FAIL: /etc/passwd changed: $passwd_before -> $(stat -c '%i %h %Z' /etc/passwd)"; exit 1; }
[ "$(find / -mindepth 1 -maxdepth 1 | sort | md5sum)" = "$root_before" ] || { echo "FAIL: / gained or lost a name"; exit 1; }
for d in / /tmp /etc; do
  [ ! -e "$d/hl-fuzz-escape" ] || { echo "FAIL: $d/hl-fuzz-escape exists"; exit 1; }
done
echo "ok: $(find "$inputs" -type f | wc -l) escape attempts; /etc/passwd ($passwd_before), / and the sandbox's canary untouched"
