#!/usr/bin/env bash
# Tests of tools/case-outcomes, one mode per ctest test:
#   handmade  the hand-made TAP file outcomes.tap (every outcome and message
#             form Criterion writes) gives exactly outcomes.expected, and a
#             truncated copy of it is refused (exit 1)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
co=$here/../case-outcomes
mode=${1:?mode}
fail() { echo "FAIL: case-outcomes $mode: $*"; exit 1; }
work=$(mktemp -d /tmp/case-outcomes-test.XXXXXX)
trap 'rm -rf "$work"' EXIT

case $mode in
handmade)
  "$co" "$here/outcomes.tap" >"$work/got" || fail "exit $? on a complete file"
  diff -u "$here/outcomes.expected" "$work/got" >"$work/diff" || fail "unexpected outcomes: $(cat "$work/diff")"
  head -n 12 "$here/outcomes.tap" >"$work/short.tap"
  "$co" "$work/short.tap" >/dev/null 2>"$work/err" && fail "a truncated TAP file was taken as complete"
  grep -q "4 of 10 cases reported" "$work/err" || fail "the truncated file's message: $(cat "$work/err")"
  "$co" /dev/null >/dev/null 2>&1 && fail "an empty file was taken as a run"
  echo "ok: $(wc -l <"$work/got") outcomes as expected; truncated and empty files refused"
  ;;
*) fail "unknown mode" ;;
esac
