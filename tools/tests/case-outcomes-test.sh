#!/usr/bin/env bash
# Tests of tools/case-outcomes, one mode per ctest test:
#   handmade  the hand-made TAP file outcomes.tap (every outcome and message
#             form Criterion writes) gives exactly outcomes.expected, and a
#             truncated copy of it is refused (exit 1)
#   real HL-CASES  the TAP that build/cases/hl-cases writes for a run with
#             every outcome: the fat profile on a volume with hard links (the
#             no_links cases fail), one of them listed as a known divergence
#             (xfail), persistence not run (skip); the outcomes must agree with
#             the counts in Criterion's JSON report of the same run
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
real)
  cases=$(realpath -- "${2:?HL-CASES}")
  mkdir "$work/target"
  printf 'no_links/empty_file %s\n' "a line of the case-outcomes test: the fat profile on a volume with hard links" >"$work/known"
  # not strict: the not-run case must stay a skip; not root, persistence says so
  (cd "$work" && env -u HL_STRICT HL_TARGET="$work/target" HL_PROFILE=fat HL_KNOWN="$work/known" \
    "$cases" --filter '@(no_links/*|persistence/*)' --tap="$work/run.tap" --json="$work/run.json" \
    >"$work/out" 2>&1)
  [ -s "$work/run.tap" ] || fail "hl-cases wrote no TAP: $(tail -n 5 "$work/out")"
  "$co" "$work/run.tap" >"$work/got" || fail "case-outcomes exit $? on a whole run"
  json() { sed -n "s/^  \"$1\": \([0-9]*\),\$/\1/p" "$work/run.json"; } # the totals, at the top of the report
  n() { awk -F'\t' -v o="$1" '$2 == o { k++ } END { print k + 0 }' "$work/got"; }
  [ "$(n pass)" = "$(json passed)" ] || fail "$(n pass) pass, Criterion's JSON says $(json passed) passed"
  [ "$(n FAIL)" = "$(($(json failed) + $(json errored)))" ] ||
    fail "$(n FAIL) FAIL, Criterion's JSON says $(json failed) failed and $(json errored) errored"
  [ "$(($(n xfail) + $(n skip)))" = "$(json skipped)" ] ||
    fail "$(n xfail) xfail and $(n skip) skip, Criterion's JSON says $(json skipped) skipped"
  line=$(grep '^no_links::empty_file	' "$work/got")
  case $line in *"	xfail	a line of the case-outcomes test"*) ;; *) fail "the known divergence is not an xfail with its reason: $line" ;; esac
  grep -q '^no_links::file_with_data	FAIL	expected HL_ERR_NOT_SUPPORTED' "$work/got" ||
    fail "a failing case is not FAIL with its message: $(grep '^no_links::file_with_data' "$work/got")"
  grep -q '^persistence::links_survive_a_remount	skip	' "$work/got" ||
    fail "the case that cannot run is not a skip: $(grep '^persistence::' "$work/got")"
  echo "ok: $(n pass) pass, $(n FAIL) FAIL, $(n xfail) xfail, $(n skip) skip, as Criterion's JSON counts them"
  ;;
*) fail "unknown mode" ;;
esac
