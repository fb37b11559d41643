# tools/fuzz-campaign.sh: sourced by tools/fuzz-run, never run. The campaign
# of `tools/fuzz-run --kind KIND` (its --help says what it does); it uses
# fuzz-run's kind, secs, jobs, size, dir, results, all and options_flags, and
# tools/lib.sh's KROW (the kind's row).
# shellcheck shell=bash disable=SC2154 # dir, all, kind... are fuzz-run's

# The package and version of the kind's driver: the one owning its FUSE
# program, or the kernel.
driver_package() {
  local prog pkg
  if [ -z "${KROW[driver]}" ]; then
    printf 'linux\t%s\n' "$(uname -r)"
    return
  fi
  prog=$(command -v "${KROW[driver]}") || { printf '%s\t?\n' "${KROW[driver]}"; return; }
  local p
  # merged /usr: dpkg may know it as /bin or /sbin
  for p in "$prog" "$(realpath "$prog")" "/bin/${prog##*/}" "/sbin/${prog##*/}"; do
    pkg=$(dpkg -S "$p" 2>/dev/null | head -n 1 | cut -d: -f1)
    [ -z "$pkg" ] || break
  done
  printf '%s\t%s\n' "${pkg:-${KROW[driver]}}" "$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || echo '?')"
}

campaign_json_str() { # a JSON string for $1
  local s=$1
  s=${s//\\/\\\\} s=${s//\"/\\\"} s=${s//$'\t'/\\t} s=${s//$'\n'/\\n} s=${s//$'\r'/\\r}
  printf '"%s"' "$s"
}

campaign() {
  local hlv=tools/hl-volume name target known='' res fuzzer pkg ver t0 fpid rc=0
  local stopped=0
  fuzzer=$(realpath "$dir/fuzz/fuzz_ops") || exit 2
  res=${results:-$dir/fuzz-results/$kind-$(date -u +%Y%m%dT%H%M%SZ)}
  mkdir -p "$res/crashes" "$res/repro" || exit 2
  res=$(realpath "$res")
  local own_state=''
  [ -n "${HL_VOLUME_DIR:-}" ] || own_state=/tmp/hl-volume-tests/fuzz-$kind-$$
  export HL_VOLUME_DIR=${HL_VOLUME_DIR:-$own_state}
  name=fuzz-$kind-$$
  fpid=''
  # shellcheck disable=SC2317 # called by the traps
  campaign_down() {
    [ -n "$fpid" ] && kill -TERM -- "-$fpid" 2>/dev/null
    [ -n "$fpid" ] && wait "$fpid" 2>/dev/null
    fpid=''
    if "$hlv" list | grep "^$name " >/dev/null; then
      "$hlv" down "$name" >/dev/null || echo "fuzz-run: could not take down $name" >&2
    fi
    [ -z "$own_state" ] || rmdir "$own_state" 2>/dev/null || true
  }
  trap 'campaign_down' EXIT
  trap 'campaign_down; echo "fuzz-run: interrupted" >&2; exit 130' INT
  trap 'campaign_down; echo "fuzz-run: terminated" >&2; exit 143' TERM
  volume_up() { # the volume, fresh; its mount point in target
    target=$("$hlv" up "$kind" --name "$name" ${size:+--size "$size"})
    rc=$?
    if [ "$rc" -ne 0 ]; then
      echo "fuzz-run: hl-volume up $kind failed (exit $rc)" >&2
      [ "$rc" -eq 3 ] && exit 3
      exit 1
    fi
  }
  volume_up
  known=cases/known/$kind.known
  [ -f "$known" ] || known=cases/known/${KROW[fs]}.known
  [ -f "$known" ] || known=''
  export HL_TARGET=$target
  if [ -n "$known" ]; then export HL_KNOWN=$PWD/$known; else unset HL_KNOWN; fi
  if [ "$all" = 1 ]; then export HL_STRICT=1; else export HL_STRICT=0; fi
  IFS=$'\t' read -r pkg ver < <(driver_package)

  local corpus=$dir/corpus/fuzz_ops.$kind
  mkdir -p "$corpus" "$res/known-inputs" || exit 2
  corpus=$(realpath "$corpus")
  export HL_FUZZ_OPS_SAVE_KNOWN=$res/known-inputs
  find fuzz/corpus/fuzz_ops -maxdepth 1 -type f ! -name '.*' -exec cp -n -t "$corpus" {} +
  local -a args=(-fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -max_total_time="$secs"
                 -timeout=25 -rss_limit_mb=2560 -artifact_prefix="$res/crashes/" -dict="$PWD/fuzz/fuzz_ops.dict")
  local f
  while IFS= read -r f; do args+=("$f"); done < <(options_flags fuzz/fuzz_ops.options)
  echo "== fuzz_ops on $kind (${KROW[fs]}, $pkg $ver, Linux $(uname -r)): ${secs}s, $jobs fork job(s)," \
    "${known:-no known list}${known:+ tolerated$([ "$all" = 1 ] && echo ' no more: --all')}; results in $res"
  t0=$SECONDS
  # A volume that fills (a driver that leaks inodes or blocks, as fuse-overlayfs
  # does with each rmdir) would fail every later create with ENOSPC, and the
  # campaign would find nothing more: such a volume is cycled (down, a fresh
  # one up) and fuzzing goes on for the rest of the budget. Full: statfs shows
  # free inodes or blocks under 5% (of a count it reports), or a create fails
  # with ENOSPC though statfs shows room (fuse-overlayfs: its work directory
  # holds the leaked inodes), seen by fuzz_ops (a status=ENOSPC crash) or by a
  # file this loop creates in the volume's root and removes.
  local restarts=0 full='' seg=0 remaining execs=0 s
  local -a refills=()
  full_now() { # full's reason, or 1
    local ti fin tb fbl err
    read -r ti fin tb fbl < <(timeout 5 stat -f -c '%c %d %b %a' "$target" 2>/dev/null) || return 1
    if [ "${ti:-0}" -gt 0 ] && [ $((fin * 100)) -lt $((ti * 5)) ]; then echo "free inodes $fin of $ti"; return 0; fi
    if [ "${tb:-0}" -gt 0 ] && [ $((fbl * 100)) -lt $((tb * 5)) ]; then echo "free blocks $fbl of $tb"; return 0; fi
    if grep -aqE '^signature: fuzz_ops/[^ ]*status=ENOSPC' "$res/fuzz.seg.log" 2>/dev/null; then
      echo "fuzz_ops saw ENOSPC with free inodes $fin of $ti, blocks $fbl of $tb"; return 0
    fi
    # shellcheck disable=SC2016 # $1 is the inner shell's
    err=$(LC_ALL=C timeout 5 sh -c ': >"$1/.hl-fill-probe" && rm -f "$1/.hl-fill-probe"' sh "$target" 2>&1)
    case $err in *'No space left'*) echo "ENOSPC on create with free inodes $fin of $ti, blocks $fbl of $tb"; return 0 ;; esac
    return 1
  }
  : >"$res/fuzz.log"
  mkdir -p "$res/tmp" || exit 2
  local grace=$((secs / 10 + 60))
  while :; do
    remaining=$((secs - (SECONDS - t0)))
    [ "$remaining" -ge 5 ] || break
    seg=$((seg + 1)) full=''
    set -m
    # TMPDIR: fork mode's working directory is the campaign's own
    (cd "$res" && TMPDIR=$res/tmp exec "$fuzzer" "${args[@]/#-max_total_time=*/-max_total_time=$remaining}" "$corpus") \
      </dev/null >"$res/fuzz.seg.log" 2>&1 &
    fpid=$!
    set +m
    while kill -0 "$fpid" 2>/dev/null; do
      if [ $((SECONDS - t0)) -gt $((secs + grace)) ] && [ "$stopped" = 0 ]; then
        stopped=1
        echo "fuzz-run: fuzz_ops still running ${grace}s past its budget: stopping it" >&2
        kill -TERM -- "-$fpid" 2>/dev/null
      fi
      if [ -z "$full" ] && full=$(full_now); then
        kill -TERM -- "-$fpid" 2>/dev/null
      fi
      if [ -t 1 ]; then
        s=$(grep -aE '^#[0-9]+: cov: ' "$res/fuzz.seg.log" | tail -n 1)
        printf '\r\033[K[%3ds/%ds, volume %d] %s' $((SECONDS - t0)) "$secs" $((restarts + 1)) "${s:-starting}"
      fi
      sleep 1
    done
    wait "$fpid"
    fpid=''
    s=$(grep -aE '^#[0-9]+: cov: ' "$res/fuzz.seg.log" | tail -n 1)
    s=$(sed -nE 's/^#([0-9]+):.*/\1/p' <<<"$s")
    execs=$((execs + ${s:-0}))
    { echo "== segment $seg (volume $((restarts + 1)))"; cat "$res/fuzz.seg.log"; } >>"$res/fuzz.log"
    rm -rf "$res/tmp"/* # fork mode's working directory, left behind when it is stopped
    [ -n "$full" ] || break
    restarts=$((restarts + 1))
    refills+=("$((SECONDS - t0))s: $full")
    echo "fuzz-run: the $kind volume filled after $((SECONDS - t0))s ($full): cycling it (restart $restarts)" >&2
    "$hlv" down "$name" >/dev/null || { echo "fuzz-run: could not take down $name" >&2; exit 1; }
    volume_up
    export HL_TARGET=$target
  done
  [ -t 1 ] && printf '\r\033[K'
  rm -rf "$res/tmp" "$res/fuzz.seg.log"
  local elapsed=$((SECONDS - t0))
  # a driver that died under the fuzzer fails every later job at once
  local alive=true
  if ! ls "$target" >/dev/null 2>&1; then
    alive=false
    # shellcheck disable=SC2012 # one line of what ls says, for the message
    echo "fuzz-run: the $kind volume no longer answers ($(ls "$target" 2>&1 | head -n 1)): its driver died during the campaign" >&2
  fi

  # Each crash input's signature, by replaying it (the known list as in the campaign).
  local -A count=() smallest=()
  local c sig n=0
  for c in "$res"/crashes/crash-* "$res"/crashes/timeout-* "$res"/crashes/oom-*; do
    [ -f "$c" ] || continue
    n=$((n + 1))
    sig=$(cd "$res" && "$fuzzer" -runs=1 -artifact_prefix="$res/crashes/replay-" "$c" 2>&1 </dev/null |
      sed -n 's/^signature: fuzz_ops\/\([^ ]*\).*/\1/p' | head -n 1)
    rm -f "$res"/crashes/replay-*
    [ -n "$sig" ] || sig="unreproduced.${c##*/}"
    count[$sig]=$((${count[$sig]:-0} + 1))
    if [ -z "${smallest[$sig]:-}" ] || [ "$(wc -c <"$c")" -lt "$(wc -c <"${smallest[$sig]}")" ]; then
      smallest[$sig]=$c
    fi
  done

  # Known divergences the campaign went past: fuzz_ops saved an input for each.
  local -A tolerated=()
  for c in "$res"/known-inputs/*; do
    [ -f "$c" ] || continue
    sig=${c##*/}
    tolerated[$sig]=$c
    [ -n "${smallest[$sig]:-}" ] || smallest[$sig]=$c
  done

  # fires_here SCRIPT: it shows the divergence 3 times in a row, each in a
  # fresh empty directory of the volume
  fires_here() {
    local w rc
    for _ in 1 2 3; do
      w=$(mktemp -d "$target/hl-repro.XXXXXX") || return 1
      (cd "$w" && exec sh "$1") >/dev/null 2>&1
      rc=$?
      rm -rf "$w"
      [ "$rc" -eq 1 ] || return 1
    done
  }
  # known_line SIG: its line in the known list, if any
  known_line() { [ -n "$known" ] && awk -v n="fuzz_ops/$1" '$1 == n { print; exit }' "$known"; }
  local rows=() new=0 sigs_json='' k line script lines fires about how
  about="$kind (${KROW[fs]}; $pkg $ver; Linux $(uname -r))"
  for sig in $(printf '%s\n' "${!smallest[@]}" | sort); do
    line=$(known_line "$sig")
    k=false
    [ -n "$line" ] && k=true
    how=crashes
    [ -n "${count[$sig]:-}" ] || how=tolerated
    # a known one whose line names its reproducer: that script, tried here
    # (no new one unless --all)
    if [ "$k" = true ] && [ "$all" = 0 ] && [[ $line == *"reproducer: "* ]]; then
      local kept=${line##*reproducer: }
      kept=${kept%%[;[:space:]]*}
      script=$res/repro/$sig.sh lines=0 fires=false
      if [ -f "$kept" ] && cp "$kept" "$script"; then
        lines=$(wc -l <"$script")
        fires_here "$script" && fires=true
      fi
      rows+=("  known  fuzz_ops/$sig ($how): $kept ($lines lines, fires here: $fires)")
      sigs_json+="${sigs_json:+,
}    {\"signature\": $(campaign_json_str "fuzz_ops/$sig"), \"known\": true, \"seen_as\": \"$how\", "
      sigs_json+="\"crashes\": ${count[$sig]:-0}, \"input\": $(campaign_json_str "${smallest[$sig]}"), "
      sigs_json+="\"reproducer\": $(campaign_json_str "$kept"), \"lines\": $lines, \"fires\": $fires}"
      continue
    fi
    [ "$k" = false ] && new=$((new + 1))
    script='' lines=0 fires=false
    if [[ $sig != unreproduced.* ]]; then
      script=$res/repro/$sig.sh
      # a tolerated one is shown with the known list less its own line
      local klist=${HL_KNOWN:-}
      if [ "$how" = tolerated ] && [ -n "$known" ]; then
        klist=$res/known-less-$sig
        awk -v n="fuzz_ops/$sig" '$1 != n' "$known" >"$klist"
      fi
      if HL_KNOWN=$klist tools/fuzz-repro --target "$target" --fuzzer "$fuzzer" --minimize 15 --about "$about" \
          -o "$script" "${smallest[$sig]}" 2>>"$res/repro.log"; then
        fires=true
      fi
      [ "$how" = tolerated ] && rm -f "$klist"
      [ -f "$script" ] && lines=$(wc -l <"$script") || script=''
    fi
    line="  $([ "$k" = true ] && echo known || echo NEW)    fuzz_ops/$sig ($how${count[$sig]:+ ${count[$sig]}x}): "
    rows+=("$line${script:-no reproducer}${script:+ ($lines lines, fires: $fires)}")
    sigs_json+="${sigs_json:+,
}    {\"signature\": $(campaign_json_str "fuzz_ops/$sig"), \"known\": $k, \"seen_as\": \"$how\", "
    sigs_json+="\"crashes\": ${count[$sig]:-0}, \"input\": $(campaign_json_str "${smallest[$sig]}"), "
    sigs_json+="\"reproducer\": $(campaign_json_str "$script"), \"lines\": $lines, \"fires\": $fires}"
  done
  campaign_down
  trap - EXIT INT TERM

  {
    echo "{"
    printf '  "kind": %s, "driver": %s, "fstype": %s, "package": %s, "version": %s, "kernel": %s,\n' \
      "$(campaign_json_str "$kind")" "$(campaign_json_str "${KROW[driver]:-kernel}")" \
      "$(campaign_json_str "${KROW[mount]}")" "$(campaign_json_str "$pkg")" "$(campaign_json_str "$ver")" \
      "$(campaign_json_str "$(uname -r)")"
    printf '  "seconds": %d, "budget_seconds": %d, "fork_jobs": %d, "executions": %d, "crash_inputs": %d,\n' \
      "$elapsed" "$secs" "$jobs" "$execs" "$n"
    printf '  "volume_alive_at_end": %s, "volume_mib": %s, "volume_restarts": %d, "restart_reasons": [%s],\n' \
      "$alive" "${size:-null}" "$restarts" "$(for s in "${refills[@]}"; do printf '%s, ' "$(campaign_json_str "$s")"; done | sed 's/, $//')"
    printf '  "known_list": %s, "known_reported": %s, "new_signatures": %d, "results_dir": %s,\n' \
      "$(campaign_json_str "$known")" "$([ "$all" = 1 ] && echo true || echo false)" "$new" \
      "$(campaign_json_str "$res")"
    printf '  "signatures": [\n%s\n  ]\n}\n' "$sigs_json"
  } >"$res/summary.json"
  echo "== fuzz_ops on $kind: ${elapsed}s, $execs executions, $restarts volume restart(s), $n crash inputs, ${#smallest[@]} signature(s)" \
    "(${#tolerated[@]} known and gone past), $new new"
  [ ${#rows[@]} -gt 0 ] && printf '%s\n' "${rows[@]}"
  echo "== results: $res/summary.json"
  [ "$new" -eq 0 ]
  exit $?
}
