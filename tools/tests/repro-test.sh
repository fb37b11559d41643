#!/usr/bin/env bash
# tools/tests/repro-test.sh [KIND...]: the shell reproducers of cases/repro/
# show their divergence where it is known and nothing on ext4.
#   - every known line whose reason ends "; reproducer: PATH" names a script
#     that exists and whose "# Cases:" header names that line's case (for a
#     script of cases/repro/common/, under the kind's own "KIND:" in it);
#     every directory of cases/repro/ but common is a kind of tools/kinds, and
#     every script of common/ is named by a known line
#   - a kind's scripts: those of cases/repro/KIND/ and those of
#     cases/repro/common/ (one script per divergence that several drivers
#     share) that the kind's known list names (cases/known/KIND.known, else
#     cases/known/<fs>.known, as run-cases picks it)
#   - each runs on a fresh volume of the kind (in an empty directory, or where
#     its "# Run in: DIR" line says, in common/ "# Run in: KIND: DIR", e.g.
#     hl-lower/copy_up_write of a layered kind's prepared lower layer) and
#     must exit 1 and print its "expected:" and "seen:" lines: a reproducer
#     that shows nothing is a defect
#   - each runs again in an empty directory on ext4 and must exit 0
# KIND...: only these kinds (default: every kind with a script). One volume
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
# What the scripts' headers say, each script read once, in the shell (this
# test looked at every script with sed, grep and awk per kind: 4 s of forks):
#   CASES[SCRIPT] its "# Cases:" block, from that line up to the next line
#     "# X..." (X not a blank), as words, '#' dropped
#   REMOUNT[SCRIPT] 1 if it has a "# Remount:" line
#   RUNIN[SCRIPT] its "# Run in: DIR" line, RUNIN[SCRIPT.KIND] its "# Run in: KIND: DIR"
#   RUNIN_ANY[SCRIPT] 1 if it has any "# Run in: KIND: " line
#   HAS_CASES[SCRIPT] 1 if it has a line "# Cases: ..."
declare -A CASES REMOUNT RUNIN RUNIN_ANY HAS_CASES
script_read() { # SCRIPT
  local l in=0 re_kind='^# Run in: ([a-z0-9-]+): (.*)$' re_dir='^# Run in: ([^:]*)$'
  local -a lines block=()
  [ -z "${CASES[$1]+set}" ] || return 0
  mapfile -t lines <"$1"
  REMOUNT[$1]=0 RUNIN_ANY[$1]=0 HAS_CASES[$1]=0
  for l in "${lines[@]}"; do
    if [ $in = 1 ]; then
      if [[ $l == '# '[!' ']* ]]; then in=2; else block+=("$l"); fi
    elif [ $in = 0 ] && [[ $l == '# Cases:'* ]]; then
      in=1 block+=("$l")
    fi
    case $l in
      '# Cases: '*) HAS_CASES[$1]=1 ;;
      '# Remount:'*) REMOUNT[$1]=1 ;;
      '# Run in: '*)
        if [[ $l =~ $re_kind ]]; then
          RUNIN[$1.${BASH_REMATCH[1]}]=${BASH_REMATCH[2]} RUNIN_ANY[$1]=1
        elif [[ $l =~ $re_dir ]]; then
          RUNIN[$1]=${BASH_REMATCH[1]}
        fi ;;
    esac
  done
  l=${block[*]}
  CASES[$1]=${l//#/ }
}
# A script's "# Cases:" header as words on one line, padded with blanks; for
# KIND, only the words after "KIND:" up to the next "OTHER:" (common/).
cases_header() { # VAR SCRIPT [KIND]
  local -n ch_out_=$1
  local w on=0
  local -a words
  script_read "$2"
  read -r -a words <<<"${CASES[$2]}"
  ch_out_=" "
  for w in "${words[@]}"; do
    [ "$w" != Cases: ] || continue
    case $w in *:) [ "$w" = "${3:-}:" ] && on=1 || on=0; continue ;; esac
    [ -n "${3:-}" ] && [ $on = 0 ] || ch_out_+="$w "
  done
}
# The known list of KIND, as run-cases picks it, into VAR; 1 if it has none.
known_of() { # VAR KIND
  local -n ko_out_=$1
  ko_out_=cases/known/$2.known
  [ -f "$ko_out_" ] || ko_out_=cases/known/${HL_KIND_VALUE[$2.fs]}.known
  [ -f "$ko_out_" ]
}
refs=0
declare -A header   # cases_header's answer, read once per script and kind
declare -A runs_on  # script -> the kinds it runs on (common/ scripts)
declare -A of_kind # kind -> its scripts, one a line
known=
for k in "${HL_KIND_LIST[@]}"; do
  known_of known "$k" || continue
  while read -r name reason; do
    case $name in '' | '#'*) continue ;; esac
    case $reason in *"; reproducer: "*) ;; *) continue ;; esac
    script=${reason##*; reproducer: }
    refs=$((refs + 1))
    if [ ! -f "$script" ]; then fail "$known: $name: no file $script"; continue; fi
    case $script in
      cases/repro/common/*)
        [ -n "${header[$script.$k]+set}" ] || cases_header "header[$script.$k]" "$script" "$k"
        case " ${header[$script.$k]} " in *" $name "*) ;; *) fail "$script: its # Cases: header does not name $name under $k: ($known)" ;; esac
        case " ${runs_on[$script]:-} " in *" $k "*) ;; *)
          runs_on[$script]="${runs_on[$script]:-} $k"
          of_kind[$k]+="$script"$'\n' ;;
        esac ;;
      cases/repro/*)
        [ -n "${header[$script]+set}" ] || cases_header "header[$script]" "$script"
        case " ${header[$script]} " in *" $name "*) ;; *) fail "$script: its # Cases: header does not name $name ($known)" ;; esac ;;
    esac
  done <"$known"
done
[ "$refs" -gt 0 ] || fail "no known line names a reproducer"
for d in cases/repro/*/; do
  d=${d%/} k=${d##*/}
  [ "$k" = common ] && continue
  is_kind "$k" || { fail "$d: not a kind of tools/kinds"; continue; }
  for s in "$d"/*.sh; do
    [ -f "cases/repro/common/${s##*/}" ] && fail "$s: also in cases/repro/common/ (one script per divergence)"
    of_kind[$k]+="$s"$'\n'
  done
done
for s in cases/repro/common/*.sh; do
  [ -n "${runs_on[$s]:-}" ] || fail "$s: no known line names it"
  script_read "$s"
  for k in ${runs_on[$s]:-}; do
    [ -n "${RUNIN[$s.$k]+set}" ] || [ "${RUNIN_ANY[$s]}" = 0 ] || fail "$s: it has Run in: lines, none for $k"
  done
done
all=()
for k in "${HL_KIND_LIST[@]}"; do [ -n "${of_kind[$k]:-}" ] && all+=("$k"); done
kinds=("$@")
[ $# -gt 0 ] || kinds=("${all[@]}")
for k in "${kinds[@]}"; do
  [ -n "${of_kind[$k]:-}" ] || { echo "repro-test: no reproducer for kind $k (cases/repro/$k/ or its known list)" >&2; exit 2; }
  while IFS= read -r s; do
    [ -n "$s" ] || continue
    sh -n "$s" || fail "$s: not valid sh"
    script_read "$s"
    [ "${HAS_CASES[$s]}" = 1 ] || fail "$s: no # Cases: header"
  done <<<"${of_kind[$k]}"
done
echo "data: $refs known lines name a reproducer; ${#all[@]} kinds have scripts ($(elapsed) s)"

# ---------------------------------------------------------------- the runs
if [ "$EUID" -ne 0 ]; then
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
  listed=" $("$hlv" list | cut -d' ' -f1 | tr '\n' ' ') "
  for n in "${names[@]}"; do
    case $listed in *" $n "*) "$hlv" down "$n" >/dev/null 2>&1 & ;; esac
  done
  wait
  listed=" $("$hlv" list | cut -d' ' -f1 | tr '\n' ' ') "
  for n in "${names[@]}"; do
    case $listed in *" $n "*) echo "repro-test: could not take down $n" >&2 ;; esac
  done
  echo "volumes down by $(elapsed) s"
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
listed=" $("$hlv" list | cut -d' ' -f1 | tr '\n' ' ') "
for n in "${names[@]}"; do
  k=${n#repro-}
  case $listed in *" $n "*) "$hlv" down "$n" >/dev/null 2>&1 ;; esac # left by a killed run
  (
    t=$(date +%s.%N)
    "$hlv" up "$k" --name "$n" >"$work/mnt-$k" 2>"$work/up-$k.err"
    echo $? >"$work/rc-$k"
    awk -v s="$t" -v e="$(date +%s.%N)" -v k="$k" 'BEGIN { printf " %s %.1f", k, e - s }' >"$work/t-$k"
  ) &
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
echo "volumes up in $(elapsed) s (each, seconds:$(cat "$work"/t-*))"

# Run SCRIPT in DIR; OUT gets its output and exit status. Not more than 60 s.
run() { # SCRIPT DIR OUT
  (cd "$2" && timeout 60 sh "$1") >"$3" 2>&1
  echo "rc=$?" >>"$3"
}
# The directory SCRIPT (relative to the repository) runs in on KIND's volume,
# into VAR: its "# Run in:" one there, or a new one; 1 (and OUT says why) if
# there is none.
# shellcheck disable=SC2034 # a nameref: the caller's VAR
where() { # VAR KIND SCRIPT NAME OUT
  local -n wh_out_=$1
  local wh_dir_
  script_read "$3"
  wh_dir_=${RUNIN[$3.$2]:-${RUNIN[$3]:-}}
  if [ -n "$wh_dir_" ]; then
    wh_dir_=${mnt[$2]}/$wh_dir_
    [ -d "$wh_dir_" ] || { echo "rc=no directory $wh_dir_ on the $2 volume" >"$5"; return 1; }
  else
    wh_dir_=${mnt[$2]}/repro.$4
    mkdir "$wh_dir_" || { echo "rc=cannot mkdir $wh_dir_" >"$5"; return 1; }
  fi
  wh_out_=$wh_dir_
}
# KIND's scripts, one a line, relative to the repository
scripts_of() { printf '%s' "${of_kind[$1]}"; } # KIND
# One kind's scripts in turn (their order: a lower layer is looked up only by
# its own script), then each on ext4; the kinds run side by side. A script
# with a "# Remount:" line runs later, twice.
run_kind() { # KIND
  local k=$1 s n dir t
  t=$(date +%s.%N)
  while IFS= read -r s; do
    [ "${REMOUNT[$s]}" = 0 ] || continue
    n=${s##*/}
    n=${n%.sh}
    where dir "$k" "$s" "$n" "$work/$k.$n.on" && run "$root/$s" "$dir" "$work/$k.$n.on"
    mkdir "${mnt[ext4]}/$k.$n" && run "$root/$s" "${mnt[ext4]}/$k.$n" "$work/$k.$n.ext4"
  done < <(scripts_of "$k")
  awk -v s="$t" -v e="$(date +%s.%N)" -v k="$k" 'BEGIN { printf " %s %.1f", k, e - s }' >"$work/r-$k"
}
for k in "${kinds[@]}"; do
  [ -n "${mnt[$k]:-}" ] || continue
  run_kind "$k" &
  bg+=($!)
done
wait
bg=()
echo "scripts run by $(elapsed) s (each kind's, on it and on ext4, seconds:$(cat "$work"/r-*))"

# Scripts that need a remount: a first run on the kind and on ext4 (it must
# exit 3), both volumes cycled (tools/hl-volume cycle), then the second run.
twice=()
declare -A first path
for k in "${kinds[@]}"; do
  [ -n "${mnt[$k]:-}" ] || continue
  while IFS= read -r s; do
    [ "${REMOUNT[$s]}" = 1 ] || continue
    n=${s##*/}
    n=${n%.sh}
    where dir "$k" "$s" "$n" "$work/$k.$n.first" || continue
    twice+=("$k/$n")
    first[$k/$n]=$dir
    path[$k/$n]=$root/$s
    run "$root/$s" "$dir" "$work/$k.$n.first"
    mkdir "${mnt[ext4]}/$k.$n" && run "$root/$s" "${mnt[ext4]}/$k.$n" "$work/$k.$n.first.ext4"
  done < <(scripts_of "$k")
done
if [ ${#twice[@]} -gt 0 ]; then
  cycled=(ext4)
  for t in "${twice[@]}"; do cycled+=("${t%%/*}"); done
  for k in $(printf '%s\n' "${cycled[@]}" | sort -u); do
    "$hlv" cycle "repro-$k" >"$work/cycle-$k" 2>&1 || fail "hl-volume cycle repro-$k: $(tail -n 2 "$work/cycle-$k")"
  done
  for t in "${twice[@]}"; do
    k=${t%%/*} n=${t#*/}
    run "${path[$t]}" "${first[$t]}" "$work/$k.$n.on"
    run "${path[$t]}" "${mnt[ext4]}/$k.$n" "$work/$k.$n.ext4"
  done
  echo "scripts that need a remount run by $(elapsed) s: ${twice[*]}"
fi

# ---------------------------------------------------------------- the verdict
shown=0 silent=0
# OUT (a run's output and "rc=N") is exit WANT with its expected and seen
# lines; SEEN: its first seen line
SEEN=
judged() { # OUT WANT SCRIPT WHERE
  local rc='' l expected=0
  local -a out=()
  SEEN=
  mapfile -t out 2>/dev/null <"$1"
  for l in "${out[@]}"; do
    case $l in
      rc=*) rc=${l#rc=} ;;
      'expected: '*) expected=1 ;;
      'seen: '*) [ -n "$SEEN" ] || SEEN=$l ;;
    esac
  done
  if [ "$rc" = "$2" ] && [ $expected = 1 ] && [ -n "$SEEN" ]; then return 0; fi
  fail "$3 on $4: exit ${rc:-none}, not $2 with expected and seen: $(tr '\n' '|' <"$1" 2>/dev/null)"
  return 1
}
for k in "${kinds[@]}"; do
  [ -n "${mnt[$k]:-}" ] || continue
  while IFS= read -r s; do
    n=${s##*/}
    n=${n%.sh}
    if [ "${REMOUNT[$s]}" = 1 ]; then
      # the first run only wrote and asked for the remount
      grep -q '^rc=3$' "$work/$k.$n.first" 2>/dev/null || fail "$s on $k: the first run did not exit 3: $(tr '\n' '|' <"$work/$k.$n.first" 2>/dev/null)"
      grep -q '^rc=3$' "$work/$k.$n.first.ext4" 2>/dev/null || fail "$s on ext4: the first run did not exit 3: $(tr '\n' '|' <"$work/$k.$n.first.ext4" 2>/dev/null)"
    fi
    if judged "$work/$k.$n.on" 1 "$s" "$k"; then
      shown=$((shown + 1))
      echo "shown  $s on $k: $SEEN"
    fi
    judged "$work/$k.$n.ext4" 0 "$s" ext4 && silent=$((silent + 1))
  done < <(scripts_of "$k")
done
for s in "${skipped[@]}"; do echo "SKIP: kind $s"; done
echo "repro-test: $shown reproducers shown on their kind, $silent silent on ext4, $failures failures, ${#skipped[@]} kinds skipped, $(elapsed) s"
[ "$failures" = 0 ] || exit 1
[ ${#skipped[@]} = 0 ] || exit 77
exit 0
