#!/usr/bin/env bash
# The oracle can fail: fuzz_paths_broken (fuzz_paths over a linkat that lies)
# must be caught, for each kind of lie, within seconds. With a libFuzzer build
# it starts from an empty corpus; a replay build runs the seed corpus.
#   oracle_can_fail.sh BINARY libfuzzer|replay SEED_CORPUS
set -uo pipefail
bin=$1 mode=$2 seeds=$3
work=$(mktemp -d /tmp/hl-oracle-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
for lie in success failure; do
  t0=$(date +%s.%N)
  if [ "$mode" = libfuzzer ]; then
    mkdir -p "$work/corpus-$lie"
    HL_BROKEN=$lie "$bin" -max_total_time=60 -artifact_prefix="$work/" "$work/corpus-$lie" >"$work/$lie.log" 2>&1
  else
    HL_BROKEN=$lie "$bin" "$seeds" >"$work/$lie.log" 2>&1
  fi
  rc=$?
  t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
  if [ $rc -eq 0 ] || ! grep -q 'ORACLE VIOLATED' "$work/$lie.log"; then
    echo "FAIL: a linkat that lies ($lie) was not caught (exit $rc after ${t} s)"
    tail -n 5 "$work/$lie.log"
    exit 1
  fi
  echo "ok: lie '$lie' caught in ${t} s: $(grep -m1 'ORACLE VIOLATED' "$work/$lie.log")"
done
