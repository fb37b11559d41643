#!/usr/bin/env bash
# plot-test.sh HL-LINKCOST: hl-linkcost on a tmpfs directory, its TSV drawn by
# tools/plot-linkcost beside a file of a volume that refused the first link;
# tools/plot-suite-time on figures; both SVGs well-formed (xmllint) and holding
# the title, the axis labels with units and every label; bad arguments exit 2;
# hl-linkcost removes what it made, also when interrupted.
set -uo pipefail
tools=$(cd "$(dirname "$0")/.." && pwd)
linkcost=$1
for t in gnuplot xmllint; do
  command -v $t >/dev/null || { echo "SKIP: no $t (tools/ensure-packages @build)"; exit 77; }
done
base=/dev/shm
[ "$(stat -f -c %T "$base" 2>/dev/null)" = tmpfs ] || { echo "SKIP: $base is not a tmpfs here"; exit 77; }
work=$(mktemp -d "$base/hl-plot-test.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
# shellcheck source-path=SCRIPTDIR source=check.sh
. "$tools/tests/check.sh"

mkdir "$work/vol"
"$linkcost" "$work/vol" --max 600 --seconds 30 >"$work/tmpfs.tsv" || fail "hl-linkcost exit $?"
n=$(grep -c '^[0-9]*	[0-9.]*$' "$work/tmpfs.tsv")
[ "$n" -ge 20 ] || fail "hl-linkcost gave $n data lines for 600 links"
last=$(grep '^[0-9]' "$work/tmpfs.tsv" | tail -n 1 | cut -f1)
[ "$last" = 601 ] || fail "the last bucket ends at link count $last, not 601"
grep -q '^# stopped: 600 links made' "$work/tmpfs.tsv" || fail "no '# stopped:' line for --max"
[ -z "$(ls -A "$work/vol")" ] || fail "hl-linkcost left $(ls -A "$work/vol")"
# interrupted: exit 130, nothing left
"$linkcost" "$work/vol" --max 100000000 --seconds 60 >"$work/int.tsv" &
pid=$!
sleep 1
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] || fail "hl-linkcost exit $rc on SIGINT, not 130"
[ -z "$(ls -A "$work/vol")" ] || fail "hl-linkcost left $(ls -A "$work/vol") after SIGINT"
"$linkcost" "$work/vol" --max 0 >/dev/null 2>&1 && fail "hl-linkcost --max 0 accepted"

printf '# hl-linkcost\n# stopped: refused at link count 1: HL_ERR_NOT_SUPPORTED (EPERM 1): linkat\n' >"$work/fat.tsv"
svg=$work/linkcost.svg
"$tools/plot-linkcost" "$svg" tmpfs="$work/tmpfs.tsv" "it's fat=$work/fat.tsv" || fail "plot-linkcost exit $?"
xmllint --noout "$svg" || fail "plot-linkcost's SVG is not well-formed"
for want in 'time per link (µs)' 'link count of the file' 'Cost of one more hard link' '>tmpfs<' "it's fat: no link made (refused at link count 1: HL_ERR_NOT_SUPPORTED)"; do
  grep -qF -- "$want" "$svg" || fail "plot-linkcost's SVG has no '$want'"
done
svg=$work/suite.svg
"$tools/plot-suite-time" "$svg" tmpfs=3.5 ext4=12 'ntfs "3g"=48.25' || fail "plot-suite-time exit $?"
xmllint --noout "$svg" || fail "plot-suite-time's SVG is not well-formed"
for want in 'time (seconds)' 'Conformance suite time' '>ext4<' '>48.25<'; do
  grep -qF -- "$want" "$svg" || fail "plot-suite-time's SVG has no '$want'"
done

refuses "$tools/plot-linkcost" "$work/x.svg" "a=$work/tmpfs.tsv b=$work/tmpfs.tsv" "$work/x.svg a" "$work/x.svg =1" "$work/x.svg a=$work/none.tsv"
refuses "$tools/plot-suite-time" "$work/x.svg a=1s" "$work/x.svg a=-1" "$work/x.svg"
[ ! -e "$work/x.svg" ] || fail "a refused call wrote its SVG"
finish "hl-linkcost, plot-linkcost and plot-suite-time"
