#!/usr/bin/env bash
# junit-test.sh HL-CASES: tools/junit's JUnit XML validates against
# tools/tests/junit.xsd (xmllint --schema) and says what the TAP said: on the
# hand-made sample of every outcome (tools/tests/outcomes.tap); on a failure
# whose text holds <, &, quotes, non-ASCII and a control character, next to a
# known divergence naming its reproducer and hl-wintest's shape of TAP; on a
# TAP that ends before its plan; and on a real hl-cases run on a tmpfs
# directory, whose own Criterion --xml must validate too and count the same
# cases. Bad arguments exit 2.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
junit=$here/../junit
xsd=$here/junit.xsd
cases=$1
# (tools/junit runs Debian's python3, /usr/bin/python3)
for t in xmllint /usr/bin/python3; do
  command -v $t >/dev/null || { echo "SKIP: no $t (tools/ensure-packages @build)"; exit 77; }
done
work=$(mktemp -d /tmp/hl-junit-test.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
# shellcheck source-path=SCRIPTDIR source=check.sh
. "$here/check.sh"
valid() { xmllint --noout --schema "$xsd" "$1" 2>"$work/why" || fail "$2 does not validate: $(cat "$work/why")"; }
x() { xmllint --xpath "$2" "$1" 2>/dev/null; } # FILE XPATH
want() { # FILE XPATH EXPECTED WHAT
  local got
  got=$(x "$1" "$2")
  [ "$got" = "$3" ] || fail "$4: got '$got', expected '$3'"
}
# the counts on every suite and on the root are those of its test cases
counts_agree() { # FILE
  local s n
  n=$(x "$1" 'count(/testsuites/testsuite)')
  for ((s = 1; s <= n; s++)); do
    for k in tests:testcase failures:testcase/failure errors:testcase/error skipped:testcase/skipped; do
      want "$1" "number(/testsuites/testsuite[$s]/@${k%%:*}) = count(/testsuites/testsuite[$s]/${k#*:})" true "$1 suite $s ${k%%:*}"
    done
  done
  for k in tests:testcase failures:testcase/failure errors:testcase/error skipped:testcase/skipped; do
    want "$1" "number(/testsuites/@${k%%:*}) = count(//${k#*:})" true "$1 total ${k%%:*}"
  done
  want "$1" 'count(//testcase[not(@classname = ../@name)])' 0 "$1: a testcase whose classname is not its suite"
}

# 1. the hand-made sample: every outcome and message form
out=$work/sample.xml
"$junit" "$out" ntfs="$here/outcomes.tap" || fail "junit on outcomes.tap: exit $?"
valid "$out" "the sample's XML"
counts_agree "$out"
want "$out" 'string(/testsuites/testsuite/@tests)' 10 "sample: tests"
want "$out" 'string(/testsuites/testsuite/@failures)' 3 "sample: failures"
want "$out" 'string(/testsuites/testsuite/@skipped)' 4 "sample: skipped"
want "$out" 'starts-with(//testcase[@name="lifecycle::open_file_without_a_name_cannot_be_linked"]/skipped/@message, "XFAIL known divergence: ntfs-3g keeps")' true "sample: known divergence as skipped"
want "$out" 'string(//testcase[@name="lifecycle::tmpfile_can_be_linked"]/skipped/@message)' 'not run: O_TMPFILE: fusefat has no tmpfile operation (EOPNOTSUPP)' "sample: not run as skipped"
want "$out" 'string(//testcase[@name="lifecycle::rename_keeps_the_link"]/failure/@message)' 'lifecycle/rename_keeps_the_link: st_ino of b is 12, of a 13' "sample: failure message"
want "$out" 'contains(//testcase[@name="lifecycle::rename_keeps_the_link"]/failure, "nlink of a is 1, expected 2")' true "sample: failure text holds every assertion"
want "$out" 'string(//testcase[@name="link_limit::native_limit"]/failure/@message)' 'timed out' "sample: timeout"
want "$out" 'string(//testcase[@name="lifecycle::rename_keeps_the_link"]/@time)' 0.02 "sample: time"

# 2. escaping, a reproducer, hl-wintest's TAP, a stream that ends early
msg=$'st_ino <of> b & "c" \'d\' is 12, seen 13 \xc3\xa9\xe2\x86\x92 \x01end'
{
  printf 'TAP version 13\n1..3\n# Criterion v2.4.1\n#\n# Running 3 tests from basic\n'
  printf 'not ok - basic::odd_message  (0.03s)\n  ---\n  assertions: 1\n  failures:\n  - cases/basic.c:10: |+\n'
  printf '      Assertion failed: %s\n  ...\n' "$msg"
  printf 'ok - basic::known  # SKIP XFAIL known divergence: stale nlink; reproducer: cases/repro/bindfs/stale-nlink-after-link.sh: nlink 1, expected 2\n'
  printf 'ok - basic::fine  (0.00s)\n'
} >"$work/odd.tap"
{
  printf 'TAP version 13\n1..3\n'
  printf 'ok 1 - basic::link_a_file\n# outcome: linked\n'
  printf 'not ok 2 - limits::ntfs_max\n# expected ERROR_TOO_MANY_LINKS at 1024 names, seen a link made; reproducer: wintest/repro/max.cmd\n# outcome: linked\n'
  printf 'ok 3 - basic::on_fat # SKIP not run: the volume has no hard links\n# outcome: refused: NOT_SUPPORTED (ERROR_INVALID_FUNCTION 1)\n'
} >"$work/wine.tap"
printf 'TAP version 13\n1..5\nok - basic::a  (0.00s)\nok - basic::b  (0.00s)\n' >"$work/short.tap"
out=$work/odd.xml
"$junit" "$out" ext4="$work/odd.tap" wine-ntfs="$work/wine.tap" tmpfs="$work/short.tap" || fail "junit on odd TAP: exit $?"
valid "$out" "the odd TAP's XML"
counts_agree "$out"
got=$(/usr/bin/python3 -c 'import sys, xml.etree.ElementTree as ET
print(ET.parse(sys.argv[1]).find(".//testcase[@name=\"basic::odd_message\"]/failure").get("message"), end="")' "$out")
[ "$got" = "${msg/$'\x01'/\\x01}" ] || fail "the odd message came back as '$got'"
want "$out" 'string(//testcase[@name="basic::known"]/system-out)' 'reproducer: cases/repro/bindfs/stale-nlink-after-link.sh' "known divergence: reproducer"
want "$out" 'string(//testsuite[@name="wine-ntfs"]/testcase[@name="limits::ntfs_max"]/failure/@message)' 'expected ERROR_TOO_MANY_LINKS at 1024 names, seen a link made; reproducer: wintest/repro/max.cmd' "wintest: failure message"
want "$out" 'contains(//testsuite[@name="wine-ntfs"]/testcase[@name="limits::ntfs_max"]/failure, "reproducer: wintest/repro/max.cmd")' true "wintest: reproducer in the failure text"
want "$out" 'string(//testsuite[@name="wine-ntfs"]/testcase[@name="basic::link_a_file"]/system-out)' 'outcome: linked' "wintest: outcome"
want "$out" 'string(//testsuite[@name="wine-ntfs"]/testcase[@name="basic::on_fat"]/skipped/@message)' 'not run: the volume has no hard links' "wintest: not run"
want "$out" 'string(//testsuite[@name="tmpfs"]/@errors)' 1 "a TAP that ends before its plan: one error"
"$junit" "$work/twice.xml" ntfs="$here/outcomes.tap" ntfs="$here/outcomes.tap" || fail "junit with a NAME twice: exit $?"
valid "$work/twice.xml" "the XML of a NAME given twice"
want "$work/twice.xml" 'count(//testsuite[@name="ntfs.2"]/testcase)' 10 "a NAME given twice: the second suite is ntfs.2"

# 3. a real run: Criterion's TAP through tools/junit, and Criterion's own XML
dir=$(mktemp -d /dev/shm/hl-junit-test.XXXXXX 2>/dev/null || mktemp -d "$work/target.XXXXXX")
HL_TARGET=$dir "$cases" --filter 'basic/*' --tap="$work/real.tap" --xml="$work/criterion.xml" >/dev/null 2>&1
rc=$?
rm -rf "$dir"
[ $rc -eq 0 ] || fail "hl-cases --filter 'basic/*' on $dir: exit $rc"
valid "$work/criterion.xml" "Criterion's own --xml"
"$junit" "$work/real.xml" tmpfs="$work/real.tap" || fail "junit on hl-cases' TAP: exit $?"
valid "$work/real.xml" "tools/junit on hl-cases' TAP"
counts_agree "$work/real.xml"
n=$(x "$work/criterion.xml" 'count(//testcase)')
want "$work/real.xml" 'count(//testcase)' "$n" "cases in tools/junit's XML against Criterion's own"
[ "$(x "$work/real.xml" 'count(//testcase[not(skipped)])')" -ge 3 ] || fail "fewer than 3 basic cases ran"

# 4. bad arguments
refuses "$junit" "" "$work/x.xml" "a=$work/odd.tap b=$work/odd.tap" "$work/x.xml a" "$work/x.xml =$work/odd.tap" \
  "$work/x.xml a=$work/none.tap" "$work/x.xml a<b=$work/odd.tap"
[ ! -e "$work/x.xml" ] || fail "a refused call wrote its XML"
finish "tools/junit's XML validates against junit.xsd and says what the TAP said; so does Criterion's own XML"
