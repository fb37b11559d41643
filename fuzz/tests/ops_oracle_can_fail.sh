#!/usr/bin/env bash
# fuzz_ops' oracle can fail: fuzz_ops_broken (fuzz_ops over a volume that
# lies, tests/broken_ops.c) must be caught for each lie. A libFuzzer build
# starts from an EMPTY corpus and must find it within a fixed number of runs
# with a fixed seed (so the machine's speed does not matter); a replay build
# replays the reproducers. The real fuzz_ops replays the same reproducers
# without a divergence: what is caught is the lie.
#   ops_oracle_can_fail.sh BROKEN libfuzzer|replay REPRODUCERS REAL
# HL_ORACLE_RUNS and HL_ORACLE_SEED change the budget and the seed (to measure).
set -uo pipefail
bin=$1 mode=$2 repro=$3 real=$4
# The budget: with -seed=1 the structure-aware mutator caught unlink after
# 3,754-4,940 and rename after 6,895-15,334 executions (four runs: on a live
# volume the target's feedback is not fully repeatable); libFuzzer's byte
# mutator alone (fuzz_ops_broken_bytes) needed 32,186 and 29,556, so it would
# fail this budget, which leaves the structure-aware one 1.6 times its worst.
runs=${HL_ORACLE_RUNS:-25000} seed=${HL_ORACLE_SEED:-1}
# on tmpfs where there is one: the budget is in runs, this only saves time
tmp=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && tmp=/dev/shm
work=$(mktemp -d "$tmp/hl-ops-oracle.XXXXXX")
trap 'rm -rf "$work"' EXIT
export HL_TARGET=$work
unset HL_KNOWN HL_FUZZ_TARGET HL_BROKEN

replay=("$real" "$repro")
[ "$mode" = libfuzzer ] && replay=("$real" -runs=0 "$repro")
if ! "${replay[@]}" >"$work/real.log" 2>&1; then
  echo "FAIL: the real fuzz_ops diverges on the reproducers in $repro"
  tail -n 20 "$work/real.log"
  exit 1
fi
for lie in unlink rename; do
  log=$work/$lie.log
  if [ "$mode" = libfuzzer ]; then
    mkdir -p "$work/corpus-$lie"
    HL_BROKEN=$lie "$bin" -runs="$runs" -seed="$seed" -max_len=128 -print_final_stats=1 \
      -artifact_prefix="$work/" "$work/corpus-$lie" >"$log" 2>&1
  else
    HL_BROKEN=$lie "$bin" "$repro/$lie" >"$log" 2>&1
  fi
  rc=$?
  if [ $rc -eq 0 ] || ! grep -q 'ORACLE VIOLATED' "$log"; then
    echo "FAIL: a volume whose $lie lies was not caught (exit $rc, mode $mode, -runs=$runs -seed=$seed)"
    tail -n 5 "$log"
    exit 1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  echo "ok: lie '$lie' caught${execs:+ after $execs executions (of at most $runs, seed $seed, empty corpus)}:" \
    "$(grep -m1 -A0 '^at step' "$log")"
done
