#!/usr/bin/env bash
# Tests of tools/hlcheck --target, one mode per ctest test:
#   tmpfs   on a fresh tmpfs volume (tools/hl-volume up tmpfs), --target2 on
#           another volume: exit 0, verdict "conforms", the JSON agrees, and
#           nothing is left in either directory
#   fat-posix  on a fresh FAT volume with --profile posix (which expects hard
#           links FAT has not): exit 1, a verdict "diverges in N cases" naming
#           the families that diverge (basic, coherence, ...), the family table
#   usage   exit 2 with a message that says what is wrong: a missing
#           directory, a file, an unknown flag, an unknown profile, a known
#           list with a line it cannot parse, --target2 on the same volume, a
#           main-job option with --target, --link-max that is no number
# Needs root for the volumes (77: skipped, 1 with HL_STRICT=1).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$(dirname "$here")")
hlcheck=$root/tools/hlcheck
hlv=$root/tools/hl-volume
mode=${1:?mode}
fail() { echo "FAIL: hlcheck --target $mode: $*"; exit 1; }
export HL_VOLUME_DIR=${HL_VOLUME_TEST_BASE:-/tmp/hl-volume-tests}/hlcheck-target-$mode
work=$(mktemp -d /tmp/hlcheck-target-test.XXXXXX)
vol=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  [ -z "$vol" ] || "$hlv" down "$vol" >/dev/null || echo "could not take down $vol"
  rm -rf "$work"
  rmdir "$HL_VOLUME_DIR" 2>/dev/null || true
}
trap cleanup EXIT
need_root() {
  [ "$EUID" -eq 0 ] && return 0
  [ "${HL_STRICT:-0}" = 0 ] || fail "needs root, and HL_STRICT=1 makes that a failure"
  echo "SKIP: needs root"; exit 77
}
up() { # KIND: its mount point (set vol=hlcheck-KIND first: this runs in $(...))
  "$hlv" up "$1" --name "hlcheck-$1" || fail "hl-volume up $1 failed"
}
# the directories hlcheck made inside DIR must be gone
only_ours() { # DIR BEFORE-LISTING
  [ "$(ls -A "$1")" = "$2" ] || fail "hlcheck left something in $1: $(find "$1" -mindepth 1 -maxdepth 1 -printf "%f ")"
}

case $mode in
tmpfs)
  need_root
  vol="hlcheck-tmpfs"
  mnt=$(up tmpfs)
  before=$(ls -A "$mnt")
  other=$(mktemp -d /tmp/hlcheck-target2.XXXXXX)
  [ "$(stat -c %d "$mnt")" != "$(stat -c %d "$other")" ] || fail "/tmp is on the tmpfs volume's device"
  "$hlcheck" --target "$mnt" --target2 "$other" --json "$work/r.json" --quiet --no-build >"$work/out" 2>"$work/err"
  rc=$?
  only_ours "$mnt" "$before"
  [ -z "$(ls -A "$other")" ] || fail "hlcheck left something in --target2: $(ls -A "$other")"
  rmdir "$other"
  [ $rc = 0 ] || fail "exit $rc, not 0: $(tail -n 25 "$work/out") $(tail -n 5 "$work/err")"
  grep -q "^hlcheck: $mnt (tmpfs, profile auto): conforms$" "$work/out" || fail "no verdict 'conforms': $(tail -n 3 "$work/out")"
  grep -q '^| basic | [1-9]' "$work/out" || fail "no family table: $(head -n 5 "$work/out")"
  [ "$(jq -r .verdict "$work/r.json")" = conforms ] || fail "the JSON's verdict: $(jq -r .verdict "$work/r.json")"
  [ "$(jq '.counts.failed' "$work/r.json")" = 0 ] || fail "the JSON counts failures"
  [ "$(jq '.cases | length' "$work/r.json")" -ge 79 ] || fail "the JSON has $(jq '.cases | length' "$work/r.json") cases"
  jq -e '.cases[] | select(.case == "basic::same_inode_and_nlink") | .what_happened == "linked"' "$work/r.json" >/dev/null ||
    fail "basic::same_inode_and_nlink did not say 'linked'"
  echo "ok: $(tail -n 1 "$work/out")"
  ;;
fat-posix)
  need_root
  vol="hlcheck-fat"
  mnt=$(up fat)
  before=$(ls -A "$mnt")
  "$hlcheck" --target "$mnt" --profile posix --no-build >"$work/out" 2>"$work/err"
  rc=$?
  only_ours "$mnt" "$before"
  [ $rc = 1 ] || fail "exit $rc, not 1: $(tail -n 5 "$work/out") $(tail -n 5 "$work/err")"
  v=$(tail -n 1 "$work/out")
  [[ $v =~ ^hlcheck:\ $mnt\ \(fusefat,\ profile\ posix\):\ diverges\ in\ [0-9]+\ cases:\ .*basic\ \([0-9]+\) ]] ||
    fail "the verdict does not name the diverging families: $v"
  for f in basic coherence lifecycle; do
    [[ $v == *"$f ("* ]] || fail "the verdict does not name $f: $v"
  done
  grep -q '^| basic | 0 | 0 | [1-9][0-9]* |.*FAIL: ' "$work/out" || fail "the family table has no failed basic row: $(grep '^| basic' "$work/out")"
  echo "ok: $v"
  ;;
usage)
  file=$work/file
  : >"$file"
  printf 'basic/same_inode_and_nlink\n' >"$work/noreason.known"
  printf 'basic/a r\nbasic/a again\n' >"$work/twice.known"
  printf 'not a name\n' >"$work/noname.known"
  mkdir "$work/d"
  expect2() { # WHAT-THE-MESSAGE-SAYS ARGS...
    local want=$1
    shift
    "$hlcheck" "$@" >"$work/out" 2>"$work/err"
    local rc=$?
    [ $rc = 2 ] || fail "hlcheck $*: exit $rc, not 2"
    grep -q -- "$want" "$work/err" || fail "hlcheck $*: the message does not say '$want': $(cat "$work/err")"
    [ -z "$(ls -A "$work/d")" ] || fail "hlcheck $* made something in the directory"
  }
  expect2 "/nonexistent/dir does not exist" --target /nonexistent/dir
  expect2 "/nonexistent/dir does not exist" /nonexistent/dir
  expect2 "is not a directory" --target "$file"
  expect2 "unknown option '--frobnicate'" --target "$work/d" --frobnicate
  expect2 "unknown option '--frobnicate'" --frobnicate
  expect2 "unknown profile 'vfat'" --target "$work/d" --profile vfat
  expect2 "has no reason\|\"family/case reason\" expected" --target "$work/d" --known "$work/noreason.known"
  expect2 "line 2: basic/a is listed already, on line 1" --target "$work/d" --known "$work/twice.known"
  expect2 "line 1: \"not a name\"" --target "$work/d" --known "$work/noname.known"
  expect2 "is not a readable file" --target "$work/d" --known "$work/missing.known"
  expect2 "on the same volume as --target" --target "$work/d" --target2 "$work"
  expect2 "--kinds is for the main job" --target "$work/d" --kinds ext4
  expect2 "--link-max 'many' is not a positive number" --target "$work/d" --link-max many
  expect2 "--profile needs a value" --target "$work/d" --profile
  expect2 "--profile is for --target DIR" --profile posix
  # --no-build on a build directory without hl-cases: a failure that says so
  HL_BUILD_DIR=$work/no-build "$hlcheck" --target "$work/d" --no-build --quiet >"$work/out" 2>"$work/err"
  rc=$?
  [ $rc = 1 ] || fail "hlcheck --no-build without a build: exit $rc, not 1"
  grep -q "holds no cases/hl-cases" "$work/err" || fail "hlcheck --no-build without a build does not say so: $(cat "$work/err")"
  [ -z "$(ls -A "$work/d")" ] || fail "hlcheck --no-build without a build left something in the directory"
  expect2 "unknown kind 'zfs'" --kinds zfs
  expect2 "--target /proc is not writable" --target /proc
  "$hlcheck" --help >"$work/out" || fail "--help: exit $?"
  for o in --target --target2 --profile --link-max --known --junit --json --quiet --fuzz-seconds --kinds --out; do
    grep -q -- "$o" "$work/out" || fail "--help does not describe $o"
  done
  echo "ok: every bad usage exits 2 with its message; --help describes every option"
  ;;
*) echo "unknown mode $mode" >&2; exit 2 ;;
esac
