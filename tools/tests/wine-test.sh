#!/usr/bin/env bash
# Tests of tools/wine-cases and tools/wine-run, one mode per ctest test:
#   cases KIND OUTDIR  the Windows cases under Wine on KIND (OUTDIR/KIND.tap,
#                      .probe, .evidence), the contract's key refusals shown
#                      (the real CreateHardLinkW's), and nothing left after
#   killed             a run killed with -9 leaves a prefix, a wineserver and
#                      volumes; the next run (wine-cases --build) removes them
#   failing            a run that fails (its program times out: exit 1)
#                      leaves nothing
#   sigint             Ctrl-C in a run: exit 130, within seconds, nothing left
# Each uses its own state directories (hl-volume's and wine-run's) under
# $HL_VOLUME_TEST_BASE. Wine, mingw or a volume not to be had here (exit 3),
# or not root: skipped (77), a failure with HL_STRICT=1.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tools=$here/..
mode=${1:?mode}
kind=${2:-}
BASE=${HL_VOLUME_TEST_BASE:-/tmp/hl-volume-tests}
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$tools/lib.sh" || exit 1

fail() { echo "FAIL: $mode${kind:+ $kind}: $*"; exit 1; }
strict() { [ -n "${HL_STRICT:-}" ] && [ "$HL_STRICT" != 0 ]; }
skip() {
  strict && fail "not run, and HL_STRICT=1 makes that a failure: $*"
  echo "SKIP: $*"
  exit 77
}
[ "$EUID" -eq 0 ] || skip "needs root (mount, loop devices)"

WORK=$BASE/wine-$mode${kind:+-$kind}
export HL_VOLUME_DIR=$WORK/volumes HL_WINE_DIR=$WORK/wine
mkdir -p "$WORK"
# whatever a failed assertion leaves: down and killed, by the tools' own reaping
cleanup() {
  "$tools/hl-volume" down-all >/dev/null 2>&1
  "$tools/wine-run" --reap >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

# The processes of Wine prefixes under HL_WINE_DIR (they carry WINEPREFIX).
wine_pids() {
  local f
  while read -r f; do
    f=${f#/proc/}
    echo "${f%/environ}"
  done < <(grep -lzF "WINEPREFIX=$HL_WINE_DIR/" /proc/[0-9]*/environ 2>/dev/null)
}

# Nothing of ours: no mount or loop device of HL_VOLUME_DIR, no process of a
# prefix under HL_WINE_DIR (wineserver included), nothing in either directory.
assert_clean() {
  local m l p
  m=$(findmnt -rn -o TARGET | grep -F "$HL_VOLUME_DIR/")
  [ -z "$m" ] || fail "${1:-}left mounted: $m"
  l=$(losetup -a | grep -F "$HL_VOLUME_DIR/")
  [ -z "$l" ] || fail "${1:-}left attached: $l"
  p=$(wine_pids)
  [ -z "$p" ] || fail "${1:-}Wine processes left: $(for q in $p; do tr '\0' ' ' <"/proc/$q/cmdline"; echo; done)"
  p=$(pgrep -f "$HL_VOLUME_DIR/")
  [ -z "$p" ] || fail "${1:-}processes left on the volumes: $(ps -o pid=,args= -p "${p//$'\n'/,}")"
  l=$(find "$HL_VOLUME_DIR" "$HL_WINE_DIR" -mindepth 1 -maxdepth 1 2>/dev/null)
  [ -z "$l" ] || fail "${1:-}left in the state directories: $l"
}

# wine-cases' exit 3: not to be had here
run_status() { # STATUS WHAT
  [ "$1" != 3 ] || skip "$2: Wine, mingw-w64 or a volume cannot be had here (exit 3)"
}

# Start tools/wine-cases KIND in its own process group (job control), as a
# terminal would, and wait until its volumes are up and Wine runs (its
# wineserver and wineboot's services).
start_and_wait() { # KIND
  set -m
  "$tools/wine-cases" "$1" >"$WORK/run.out" 2>"$WORK/run.err" &
  RUN_PID=$!
  set +m
  local i
  for ((i = 0; i < 1800; i++)); do
    kill -0 "$RUN_PID" 2>/dev/null || { wait "$RUN_PID"; run_status $? "wine-cases $1"; cat "$WORK/run.err"; fail "wine-cases ended before Wine ran"; }
    [ "$(wine_pids | wc -l)" -lt 3 ] || return 0
    sleep 0.2
  done
  fail "Wine did not start within 6 minutes"
}

case $mode in
cases)
  out=${3:?OUTDIR}
  "$tools/wine-cases" --out "$out" "$kind"
  rc=$?
  run_status $rc "wine-cases $kind"
  tap=$out/$kind.tap
  [ -s "$tap" ] || fail "no $tap"
  # The contract's refusals, as the real CreateHardLinkW under Wine gave them:
  # CASE and the outcome hl-wintest saw, which must match RE.
  checks=(
    "directory::existing_is_a_directory=^refused: IS_DIRECTORY \(ERROR_ACCESS_DENIED 5\)$"
    "volume::different_volumes=^refused: CROSS_DEVICE \(ERROR_NOT_SAME_DEVICE 17\)$"
  )
  case $(kind_get "$kind" profile) in
    fat) checks+=("link::file=^refused: NOT_SUPPORTED \(ERROR_[A-Z_]+ [0-9]+\)$") ;;
    ntfs) checks+=("limit::ntfs_policy_1023_links=^refused: TOO_MANY_LINKS at 1024 ") ;;
  esac
  {
    echo "# win32.$kind: hl-wintest.exe under $(cat "$out/wine-version" 2>/dev/null) on a $kind volume (hl-wintest exit $rc)"
    for c in "${checks[@]}"; do
      name=${c%%=*} re=${c#*=}
      line=$(grep -E "^(not )?ok [0-9]+ - $name( |$)" "$tap" | head -n 1)
      o=$(awk -v n="$name" '$0 ~ "^(not )?ok [0-9]+ - " n "( |$)" { f = 1; next } f && /^# outcome: / { sub(/^# outcome: /, ""); print; exit } f && /^(not )?ok / { exit }' "$tap")
      printf '#   %-40s %s\n' "$name" "${o:-(no outcome)}"
      [[ $o =~ $re ]] || echo "# MISSING: $name: expected an outcome matching /$re/, seen: ${line:-no test line} / ${o:-no outcome}"
    done
  } >"$out/$kind.evidence"
  cat "$out/$kind.evidence"
  echo "# ---- $tap"
  cat "$tap"
  echo "# ---- $out/$kind.probe"
  cat "$out/$kind.probe"
  assert_clean "after the run: "
  ! grep -q '^# MISSING' "$out/$kind.evidence" || fail "the contract's refusals are not all shown (above)"
  [ $rc = 0 ] || fail "wine-cases exited $rc"
  echo "ok: the cases passed under Wine on $kind; nothing left mounted, attached or running"
  ;;
killed)
  start_and_wait ext4
  kill -KILL -- -"$RUN_PID"
  wait "$RUN_PID" 2>/dev/null
  # what a killed run leaves, or this test shows nothing
  [ -n "$(wine_pids)" ] || fail "the killed run left no Wine process: the test cannot tell"
  findmnt -rn -o TARGET | grep -qF "$HL_VOLUME_DIR/" || fail "the killed run left no volume: the test cannot tell"
  echo "the killed run left: $(findmnt -rn -o TARGET | grep -cF "$HL_VOLUME_DIR/") mounts, $(wine_pids | wc -l) Wine processes"
  # the next run, any: one that only builds
  "$tools/wine-cases" --build >"$WORK/next.out" 2>"$WORK/next.err"
  rc=$?
  run_status $rc "wine-cases --build"
  [ $rc = 0 ] || { cat "$WORK/next.err"; fail "wine-cases --build exited $rc"; }
  grep -q 'left by an earlier run' "$WORK/next.err" || { cat "$WORK/next.err"; fail "the next run did not say it removed what the killed one left"; }
  cat "$WORK/next.err"
  assert_clean "after the killed run and the next one: "
  echo "ok: a run killed with -9 left mounts and Wine processes, the next run removed them"
  ;;
failing)
  # hl-wintest.exe is stopped by the time limit: wine-cases fails
  t0=$SECONDS
  HL_WINE_TIMEOUT=1 "$tools/wine-cases" ext4 >"$WORK/run.out" 2>"$WORK/run.err"
  rc=$?
  run_status $rc "wine-cases ext4"
  cat "$WORK/run.err"
  [ $rc = 1 ] || fail "the failing run exited $rc, not 1"
  assert_clean "after a failing run: "
  echo "ok: a failing run (exit 1, $((SECONDS - t0)) s) left nothing mounted, attached or running"
  ;;
sigint)
  start_and_wait fat
  t0=$SECONDS
  kill -INT -- -"$RUN_PID"
  wait "$RUN_PID"
  rc=$?
  took=$((SECONDS - t0))
  [ $rc = 130 ] || { cat "$WORK/run.err"; fail "exit $rc after SIGINT, not 130"; }
  cat "$WORK/run.err"
  # seconds on an idle machine; a loaded one (ctest -j) takes longer
  [ $took -le 60 ] || fail "took $took s to stop after SIGINT"
  assert_clean "after SIGINT: "
  echo "ok: SIGINT stopped the run in $took s with exit 130; nothing left mounted, attached or running"
  ;;
*) fail "unknown mode" ;;
esac
