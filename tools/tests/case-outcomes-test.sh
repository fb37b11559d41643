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
#   limits    --limits on the NOTE lines in limits/*.err (hand-made, and
#             recorded from real runs: btrfs made with -O ^extref, ext4,
#             tmpfs, fuse-overlayfs, tmpfs with a tiny HL_LINK_SECONDS) gives
#             the link-limit table cells in limits.expected
#   limits-live HL-CASES  the NOTE lines of link_limit's cases, run now on a
#             directory with a declared limit they disprove and with a small
#             budget, give the cells that say so (the NOTE tail and the parser agree)
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
limits)
  while IFS=$'\t' read -r file want; do
    got=$("$co" --limits "$here/limits/$file" | tr '\t' '|') || fail "exit $? on $file"
    [ "$got" = "$(printf '%s' "$want" | tr '\t' '|')" ] || fail "$file: got '$got', expected '${want//$'\t'/|}'"
  done <"$here/limits.expected"
  [ "$(find "$here/limits" -name '*.err' | wc -l)" = "$(wc -l <"$here/limits.expected")" ] ||
    fail "limits/*.err and limits.expected do not list the same files"
  "$co" --limits "$work/missing" 2>/dev/null; [ $? = 2 ] || fail "a missing file is not exit 2"
  echo "ok: $(wc -l <"$here/limits.expected") recorded runs give their table rows"
  ;;
limits-live)
  cases=$(realpath -- "${2:?HL-CASES}")
  mkdir "$work/target"
  run() { # EXPECTED-ROW ENV...: the cells from a run of the three probing cases
    local want=$1 got
    shift
    (cd "$work" && env -u HL_STRICT -u HL_KNOWN -u HL_LINK_MAX -u HL_LINK_BUDGET HL_TARGET="$work/target" "$@" \
      "$cases" --filter 'link_limit/@(native_limit|one_directory|long_names)' >"$work/out" 2>"$work/err")
    got=$("$co" --limits "$work/err" | tr '\t' '|')
    [ "$got" = "$want" ] || fail "with $*: got '$got', expected '$want'; $(grep NOTE "$work/err")"
  }
  # a declared limit the volume does not keep: native_limit fails, the row says why
  run "40 declared, but link 41 succeeded|40 (the per-file limit)|40 (the per-file limit)|none" HL_LINK_MAX=40
  run "not reached (budget 100 links / 60 s)|not reached (budget 100 links / 30 s)|not reached (budget 100 links / 30 s)|none" \
    HL_LINK_BUDGET=100 HL_LINK_SECONDS=60
  echo "ok: a disproved declared limit and a budget give their table rows"
  ;;
*) fail "unknown mode" ;;
esac
