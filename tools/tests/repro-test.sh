#!/usr/bin/env bash
# tools/tests/repro-test.sh [KIND...]: the shell reproducers of cases/repro/
# show their divergence where it is known and nothing on ext4.
#   - every known line whose reason ends "; reproducer: PATH" names a script
#     that exists and whose "# Cases:" header names that line's case; every
#     directory of cases/repro/ is a kind of tools/kinds
#   - each script of cases/repro/KIND/ runs on a fresh KIND volume (in an empty
#     directory, or where its "# Run in:" line says, e.g. hl-lower/copy_up_write
#     of a layered kind's prepared lower layer) and must exit 1 and print its
#     "expected:" and "seen:" lines: a reproducer that shows nothing is a defect
#   - each runs again in an empty directory on ext4 and must exit 0
# KIND...: only these directories of cases/repro/ (default: all). One volume
# per kind (and one ext4) for all its scripts, up first, down at exit, also on
# INT or TERM. Volumes live in $HL_VOLUME_DIR (default: a directory of its own).
# Needs root (exit 77, skipped, otherwise); a kind that cannot come up
# (hl-volume exit 3) is skipped, and a failure with HL_STRICT=1.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
hlv=$root/tools/hl-volume
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/../lib.sh" || exit 2
strict=0
[ -n "${HL_STRICT:-}" ] && [ "$HL_STRICT" != 0 ] && strict=1
start=$(date +%s.%N)
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
elapsed() { awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }'; }

# ---------------------------------------------------------------- the data
cd "$root" || exit 2
refs=0
for known in cases/known/*.known; do
  while read -r name reason; do
    case $name in '' | '#'*) continue ;; esac
    case $reason in *"; reproducer: "*) ;; *) continue ;; esac
    script=${reason##*; reproducer: }
    refs=$((refs + 1))
    case $script in cases/repro/*) ;; *) [ -f "$script" ] || fail "$known: $name: no file $script"; continue ;; esac
    if [ ! -f "$script" ]; then fail "$known: $name: no file $script"; continue; fi
    # the case's name in the header (its "# Cases:" line and those continuing it)
    sed -n '/^# Cases:/,/^# [^ ]/p' "$script" | grep -qw -- "$name" ||
      fail "$script: its # Cases: header does not name $name ($known)"
  done <"$known"
done
[ "$refs" -gt 0 ] || fail "no known line names a reproducer"
all=()
for d in cases/repro/*/; do
  d=${d%/}
  is_kind "${d##*/}" || { fail "$d: not a kind of tools/kinds"; continue; }
  all+=("${d##*/}")
done
kinds=("$@")
[ $# -gt 0 ] || kinds=("${all[@]}")
for k in "${kinds[@]}"; do
  [ -d "cases/repro/$k" ] || { echo "repro-test: no cases/repro/$k" >&2; exit 2; }
  for s in "cases/repro/$k"/*.sh; do
    sh -n "$s" || fail "$s: not valid sh"
    grep -q '^# Cases: ' "$s" || fail "$s: no # Cases: header"
  done
done
echo "data: $refs known lines name a reproducer; ${#all[@]} kinds have scripts"

# ---------------------------------------------------------------- the runs
if [ "$(id -u)" -ne 0 ]; then
  [ "$strict" = 1 ] && { echo "FAIL: repro-test: volumes need root, and HL_STRICT=1"; exit 1; }
  echo "SKIP: repro-test: volumes need root ($failures failures in the data)"
  [ "$failures" = 0 ] && exit 77 || exit 1
fi
own_state=
[ -n "${HL_VOLUME_DIR:-}" ] || own_state=/tmp/hl-volume-tests/repro
export HL_VOLUME_DIR=${HL_VOLUME_DIR:-$own_state}
work=$(mktemp -d /tmp/repro-test.XXXXXX)
names=(repro-ext4)
for k in "${kinds[@]}"; do [ "$k" = ext4 ] || names+=("repro-$k"); done
bg=()
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  local n p
  for p in "${bg[@]}"; do kill "$p" 2>/dev/null; done
  wait
  for n in "${names[@]}"; do
    "$hlv" list | grep "^$n " >/dev/null || continue
    "$hlv" down "$n" >/dev/null 2>&1 &
  done
  wait
  for n in "${names[@]}"; do
    "$hlv" list | grep "^$n " >/dev/null && echo "repro-test: could not take down $n" >&2
  done
  rm -rf "$work"
  [ -z "$own_state" ] || rmdir "$own_state" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A fresh volume named repro-KIND for each kind and ext4, side by side (under
# load one up takes seconds); the mount point in mnt[KIND].
declare -A mnt
skipped=()
for n in "${names[@]}"; do
  k=${n#repro-}
  "$hlv" list | grep "^$n " >/dev/null && "$hlv" down "$n" >/dev/null 2>&1
  ("$hlv" up "$k" --name "$n" >"$work/mnt-$k" 2>"$work/up-$k.err"; echo $? >"$work/rc-$k") &
  bg+=($!)
done
wait
bg=()
for n in "${names[@]}"; do
  k=${n#repro-}
  rc=$(cat "$work/rc-$k")
  if [ "$rc" = 0 ]; then
    mnt[$k]=$(cat "$work/mnt-$k")
  elif [ "$rc" = 3 ] && [ "$strict" = 0 ]; then
    skipped+=("$k: $(tail -n 1 "$work/up-$k.err")")
  else
    fail "hl-volume up $k exited $rc: $(tail -n 2 "$work/up-$k.err")"
  fi
done
[ -n "${mnt[ext4]:-}" ] || { echo "FAIL: no ext4 volume to check the reproducers are silent on"; exit 1; }
echo "volumes up in $(elapsed) s"

# Run SCRIPT in DIR; OUT gets its output and exit status. Not more than 60 s.
run() { # SCRIPT DIR OUT
  (cd "$2" && timeout 60 sh "$1") >"$3" 2>&1
  echo "rc=$?" >>"$3"
}
# One kind's scripts in turn (their order: a lower layer is looked up only by
# its own script), then each on ext4; the kinds run side by side.
run_kind() { # KIND
  local k=$1 s n dir
  for s in "$root/cases/repro/$k"/*.sh; do
    n=${s##*/}
    n=${n%.sh}
    dir=$(sed -n 's/^# Run in: //p' "$s")
    if [ -n "$dir" ]; then
      dir=${mnt[$k]}/$dir
      [ -d "$dir" ] || { echo "rc=no directory $dir on the $k volume" >"$work/$k.$n.on"; continue; }
    else
      dir=${mnt[$k]}/repro.$n
      mkdir "$dir" || { echo "rc=cannot mkdir $dir" >"$work/$k.$n.on"; continue; }
    fi
    run "$s" "$dir" "$work/$k.$n.on"
    mkdir "${mnt[ext4]}/$k.$n" && run "$s" "${mnt[ext4]}/$k.$n" "$work/$k.$n.ext4"
  done
}
for k in "${kinds[@]}"; do
  [ -n "${mnt[$k]:-}" ] || continue
  run_kind "$k" &
  bg+=($!)
done
wait
bg=()

# ---------------------------------------------------------------- the verdict
shown=0 silent=0
# OUT (a run's output and "rc=N") is exit WANT with its expected and seen lines
judged() { # OUT WANT SCRIPT WHERE
  local rc
  rc=$(sed -n 's/^rc=//p' "$1" 2>/dev/null)
  if [ "$rc" = "$2" ] && grep -q '^expected: ' "$1" && grep -q '^seen: ' "$1"; then return 0; fi
  fail "$3 on $4: exit ${rc:-none}, not $2 with expected and seen: $(tr '\n' '|' <"$1" 2>/dev/null)"
  return 1
}
for k in "${kinds[@]}"; do
  [ -n "${mnt[$k]:-}" ] || continue
  for s in "cases/repro/$k"/*.sh; do
    n=${s##*/}
    n=${n%.sh}
    if judged "$work/$k.$n.on" 1 "$s" "$k"; then
      shown=$((shown + 1))
      echo "shown  $s on $k: $(grep '^seen: ' "$work/$k.$n.on" | head -n 1)"
    fi
    judged "$work/$k.$n.ext4" 0 "$s" ext4 && silent=$((silent + 1))
  done
done
for s in "${skipped[@]}"; do echo "SKIP: kind $s"; done
echo "repro-test: $shown reproducers shown on their kind, $silent silent on ext4, $failures failures, ${#skipped[@]} kinds skipped, $(elapsed) s"
[ "$failures" = 0 ] || exit 1
[ ${#skipped[@]} = 0 ] || exit 77
exit 0
