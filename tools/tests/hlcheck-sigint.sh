#!/usr/bin/env bash
# Ctrl-C and kill -9 of the long runs, one mode per ctest test. Each starts the
# tool in a process group of its own (setsid), waits until it is mid-run, and
# sends what a terminal sends on Ctrl-C: SIGINT to the whole process group.
#   main      tools/hlcheck --kinds "ext4 ntfs" (a loop device, a FUSE daemon,
#             both up at once): exit 130 within LIMIT seconds, the previous
#             --out file unchanged, nothing left of its HL_VOLUME_DIR (mounts,
#             loop devices, processes, state)
#   killed    the same run killed with SIGKILL (the whole group) leaves its
#             volumes; a second run (--kinds tmpfs) says so, removes them,
#             and leaves nothing itself
#   target    tools/hlcheck --target DIR: exit 130, DIR as it was
#   run-cases tools/run-cases ext4: exit 130, nothing left
# Needs root (77: skipped, 1 with HL_STRICT=1). LIMIT: 30 s: a volume takes 2-6 s
# to come down on this 2-core machine at load 10 (ntfs-3g 6 s), four at once;
# measured for main: 16 s at load 12, 21 s at load 20; run-cases ext4 6-8 s.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$(dirname "$here")")
mode=${1:?mode}
limit=30
fail() { echo "FAIL: sigint $mode: $*"; exit 1; }
if [ "$EUID" -ne 0 ]; then
  [ "${HL_STRICT:-0}" = 0 ] || fail "needs root, and HL_STRICT=1 makes that a failure"
  echo "SKIP: needs root"; exit 77
fi
base=${HL_VOLUME_TEST_BASE:-/tmp/hl-volume-tests}/hlcheck-sigint-$mode
export HL_VOLUME_DIR=$base/state
mkdir -p "$base"
work=$(mktemp -d /tmp/hlcheck-sigint-test.XXXXXX)
pgid=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  [ -z "$pgid" ] || kill -KILL -- "-$pgid" 2>/dev/null
  HL_VOLUME_DIR=$HL_VOLUME_DIR-hlcheck "$root/tools/hl-volume" down-all >/dev/null 2>&1
  "$root/tools/hl-volume" down-all >/dev/null 2>&1
  rm -rf "$work" "$base"
}
trap cleanup EXIT

# What is left of the state directory S (hlcheck's is S-hlcheck): mounts, loop
# devices, processes naming it or carrying it in their environment, files.
leftovers() {
  local s=$HL_VOLUME_DIR f
  findmnt -rn -o TARGET | grep -F "$s" | sed 's/^/mount: /'
  losetup -a | grep -F "$s" | sed 's/^/loop: /'
  # one grep over every process (a process per /proc entry takes many seconds under load)
  { grep -laF "$s" /proc/[0-9]*/cmdline; grep -laz "^\(HLCHECK_STATE\|HL_VOLUME_DIR\)=$s\(-hlcheck\)\?\$" /proc/[0-9]*/environ; } 2>/dev/null |
    sed 's|^/proc/\([0-9]*\)/.*|\1|' | sort -u | while read -r f; do
    { [ "$f" != $$ ] && [ "$f" != "$BASHPID" ]; } || continue
    a=$(tr '\0' ' ' 2>/dev/null <"/proc/$f/cmdline" | cut -c 1-100)
    [ -z "$a" ] || case $a in *hlcheck-sigint.sh*) ;; *) echo "process $f: $a" ;; esac
  done
  for d in "$s" "$s-hlcheck"; do
    [ ! -d "$d" ] || [ -z "$(ls -A "$d")" ] || echo "state: $d holds $(find "$d" -mindepth 1 -maxdepth 1 -printf "%f " 2>/dev/null)"
  done
  [ ! -e "$s-hlcheck.pid" ] || echo "state: $s-hlcheck.pid"
}
# start COMMAND... in a session of its own; pgid is its process group. SIGINT
# at its default, as in a terminal's foreground job (a script's background job
# inherits it ignored, and a script could then not trap it)
start() {
  setsid env --default-signal=INT "$@" </dev/null >"$work/out" 2>"$work/err" &
  pgid=$!
}
# wait until COMMAND succeeds (every 0.2 s), at most S seconds
wait_for() { # S COMMAND...
  local s=$1 i
  shift
  for ((i = 0; i < s * 5; i++)); do
    "$@" && return 0
    kill -0 "$pgid" 2>/dev/null || fail "it ended before the signal: exit $(wait "$pgid"; echo $?): $(tail -n 5 "$work/err")"
    sleep 0.2
  done
  fail "not mid-run after $s s: $(tail -n 5 "$work/err")"
}
# hl-cases running with TEXT in its environment (ours, not another test's)
# (its pids are kept in cases_pids: Criterion's runner among them)
cases_pids=
cases_running() { # TEXT
  local f found=1
  # one grep over every comm: a process per /proc entry takes seconds under load
  while read -r f; do
    tr '\0' '\n' 2>/dev/null <"${f%comm}environ" | grep -qF -- "$1" || continue
    f=${f%/comm}
    cases_pids+=" ${f#/proc/}" found=0
  done < <(grep -lxF hl-cases /proc/[0-9]*/comm 2>/dev/null)
  return $found
}
# Criterion's runner removes its socket, /tmp/criterion_PID.sock, on SIGINT
# and SIGTERM too (cases/hlc.c): none of an interrupted hl-cases is left
no_runner_socket() {
  local p
  for p in $cases_pids; do
    [ ! -e "/tmp/criterion_$p.sock" ] || fail "hl-cases (pid $p) left /tmp/criterion_$p.sock"
  done
}
volumes_up() { # N STATE: at least N volumes up in STATE, and hl-cases running on one
  # (the cheap look first: an hl-volume list, five times a second, cost a
  # CPU-second a second while the run came up)
  cases_running "HL_VOLUME_DIR=$2" &&
    [ "$(HL_VOLUME_DIR=$2 "$root/tools/hl-volume" list 2>/dev/null | wc -l)" -ge "$1" ] && sleep 1
}
interrupt() { # send SIGINT to the group; the exit status and the seconds it took
  local t0 t1
  t0=$(date +%s.%N)
  kill -INT -- "-$pgid"
  wait "$pgid"
  rc=$?
  t1=$(date +%s.%N)
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  pgid=
  awk -v s="$secs" -v l="$limit" 'BEGIN { exit !(s <= l) }' || fail "it took $secs s to end after SIGINT (limit $limit s)"
  [ "$rc" = 130 ] || fail "exit $rc after SIGINT, not 130: $(tail -n 8 "$work/err")"
}
no_leftovers() {
  local l
  sleep 0.5
  l=$(leftovers)
  [ -z "$l" ] || fail "left behind: $l"
}
hlcheck_main() { # KINDS: the main job, report to $work/REPORT.md
  start env HL_BUILD_DIR="${HL_BUILD_DIR:-$root/build}" "$root/tools/hlcheck" --kinds "$1" --fuzz-seconds 0 --no-wine --no-build \
    --out "$work/REPORT.md" --results "$work/results" --quiet
}

case $mode in
main)
  echo "the previous report" >"$work/REPORT.md"
  hlcheck_main "ext4 ntfs"
  wait_for 240 volumes_up 2 "$HL_VOLUME_DIR-hlcheck"
  interrupt
  [ "$(cat "$work/REPORT.md")" = "the previous report" ] || fail "REPORT.md changed: $(head -n 3 "$work/REPORT.md")"
  no_leftovers
  echo "ok: exit 130 in $secs s, the previous REPORT.md kept, nothing left"
  ;;
killed)
  hlcheck_main "ext4 ntfs"
  wait_for 240 volumes_up 2 "$HL_VOLUME_DIR-hlcheck"
  cases_running "HL_VOLUME_DIR=$HL_VOLUME_DIR-hlcheck" # every hl-cases now (their pids)
  # kill -9 of the whole tree (as an OOM kill or a CI runner's would): the jobs
  # in sessions of their own and the drivers too, so that no one tidies up
  kill -KILL -- "-$pgid"
  wait "$pgid"
  pgid=
  # shellcheck disable=SC2046 # a list of pids
  kill -KILL $(grep -laz "^HLCHECK_STATE=$HL_VOLUME_DIR-hlcheck\$" /proc/[0-9]*/environ 2>/dev/null | sed 's|^/proc/\([0-9]*\)/.*|\1|') 2>/dev/null
  # what this kill leaves that no run can know as its own: Criterion's socket
  # of each hl-cases runner killed (wait_for saw their pids)
  for p in $cases_pids; do rm -f "/tmp/criterion_$p.sock"; done
  sleep 0.5
  first=$(leftovers | grep -c '^mount: ')
  [ "$first" -gt 0 ] || fail "kill -9 left no mount: the second run has nothing to show: $(leftovers)"
  hlcheck_main tmpfs
  wait "$pgid"
  rc=$?
  pgid=
  [ $rc = 0 ] || fail "the second run: exit $rc: $(tail -n 8 "$work/err")"
  grep -q "taking down what an earlier run left" "$work/err" || fail "the second run did not say it took down the first's volumes: $(head -n 5 "$work/err")"
  for j in "$work"/results/*.json; do
    jq empty "$j" 2>/dev/null || fail "the second run's $(basename "$j") is not JSON: $(head -c 300 "$j")"
  done
  no_leftovers
  echo "ok: kill -9 left $first mount(s); the second run removed them, exit 0, nothing left"
  ;;
target)
  d=$(mktemp -d /dev/shm/hlcheck-sigint.XXXXXX)
  start "$root/tools/hlcheck" --target "$d" --quiet --no-build
  wait_for 120 cases_running "HL_TARGET=$d/"
  sleep 1
  interrupt
  [ -z "$(ls -A "$d")" ] || fail "--target's directory holds $(ls -A "$d")"
  rmdir "$d"
  ! cases_running "HL_TARGET=$d/" || fail "hl-cases still runs"
  no_runner_socket
  echo "ok: exit 130 in $secs s, nothing left in the target"
  ;;
run-cases)
  start env HL_BUILD_DIR="${HL_BUILD_DIR:-$root/build}" "$root/tools/run-cases" ext4
  wait_for 120 volumes_up 1 "$HL_VOLUME_DIR"
  interrupt
  no_leftovers
  no_runner_socket
  echo "ok: exit 130 in $secs s, nothing left (hl-cases' socket in /tmp neither)"
  ;;
*) echo "unknown mode $mode" >&2; exit 2 ;;
esac
