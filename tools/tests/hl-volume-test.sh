#!/usr/bin/env bash
# Tests of tools/hl-volume, one mode per ctest test:
#   roundtrip KIND [HLPROBE] | readonly KIND | killed-up [KIND] | busy-down | bad-args | no-leaks | table
# What each kind must look like comes from the kinds table (tools/kinds).
# With HLPROBE (build/tools/hlprobe), roundtrip also checks what libhl's volume
# probe calls the volume and runs hlprobe's basic cases on it.
# Each uses its own state directory under $BASE. Not root: skipped (exit 77),
# or failed in strict mode (HL_STRICT=1).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
HLV=$here/../hl-volume
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/../lib.sh" || exit 1
BASE=${HL_VOLUME_TEST_BASE:-/tmp/hl-volume-tests}
mode=${1:?mode}
kind=${2:-}

fail() { echo "FAIL: $mode${kind:+ $kind}: $*"; exit 1; }
skip() {
  if [ -n "${HL_STRICT:-}" ] && [ "$HL_STRICT" != 0 ]; then fail "not run, and HL_STRICT=1 makes that a failure: $*"; fi
  echo "SKIP: $*"
  exit 77
}

[ "$EUID" -eq 0 ] || [ "$mode" = bad-args ] || [ "$mode" = table ] || skip "needs root (mount, loop devices)"
if [ -n "$kind" ]; then
  kind_load "$kind" || fail "no kind $kind in $HL_KINDS_TABLE"
fi

export HL_VOLUME_DIR=$BASE/$mode${kind:+-$kind}
if [ "$mode" != no-leaks ] && [ "$mode" != table ]; then
  mkdir -p "$BASE"
  "$HLV" down-all >/dev/null 2>&1
  trap '"$HLV" down-all >/dev/null 2>&1; rmdir "$HL_VOLUME_DIR" 2>/dev/null' EXIT
fi

# FUSE driver processes by their 15-character comm, as pgrep -x matches them
drivers_re=$(kind_column driver | cut -c1-15 | paste -sd '|')

# nothing of volume NAME (mount point MNT, image IMG) is left
assert_gone() {
  local name=$1 mnt=$2 img=$3
  ! findmnt -rn -M "$mnt" >/dev/null || fail "$mnt is still mounted"
  [ -z "$img" ] || [ -z "$(losetup -n -O NAME -j "$img" 2>/dev/null)" ] || fail "a loop device still backs $img"
  [ -z "$img" ] || [ ! -e "$img" ] || fail "$img was not deleted"
  [ ! -e "$HL_VOLUME_DIR/$name" ] || fail "$HL_VOLUME_DIR/$name is left"
  "$HLV" list | grep -q "^$name " && fail "list still shows $name"
  # the loopback sshd of an sshfs volume (its config lives in the volume's directory)
  pgrep -f "/usr/sbin/sshd -f $HL_VOLUME_DIR/$name/sshd/sshd_config" >/dev/null && fail "the sshd of $name is still running"
  local p
  for p in $(ps -eo pid=,comm= | awk -v re="^($drivers_re)\$" '$2 ~ re { print $1 }'); do
    tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF " $mnt" && ! grep -q '^State:.*Z' "/proc/$p/status" &&
      fail "FUSE driver $p for $mnt is still running"
  done
  return 0
}

case $mode in
roundtrip)
  out=$("$HLV" up "$kind" --name "rt-$kind") || fail "up exited $?"
  [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "up printed more than one line: $out"
  mnt=$out
  [ -d "$mnt" ] || fail "up printed '$mnt', not a directory"
  line=$("$HLV" list | grep "^rt-$kind ") || fail "list does not show rt-$kind"
  read -r _ k fst m img <<<"$line"
  [ "$k $fst $m" = "$kind ${KROW[mount]} $mnt" ] ||
    fail "list: expected '$kind ${KROW[mount]} $mnt', got '$k $fst $m'"
  magic=$(stat -f -c %t "$mnt") want=${KROW[magic]}
  [ $((0x$magic)) -eq $((want)) ] || fail "statfs type 0x$magic, not $want"
  [ "$(findmnt -rn -o FSTYPE -M "$mnt")" = "${KROW[mount]}" ] || fail "mount type $(findmnt -rn -o FSTYPE -M "$mnt")"
  if kind_trait "$kind" readonly >/dev/null; then # an image file, read-only on a loop device
    [ "$(blkid -p -o value -s TYPE "$img")" = "${KROW[blkid]}" ] || fail "$img is not a ${KROW[blkid]} image"
    loop=$(losetup -n -O NAME,RO -j "$img") || fail "no loop device backs $img"
    [ "$(awk '{ print $2 }' <<<"$loop")" = 1 ] || fail "the loop device of $img is not read-only: $loop"
  elif [ -z "${KROW[mbr]}" ]; then
    [ "$img" = - ] || fail "$kind has an image: $img"
    img=
  else
    qemu-img info -f vpc "$img" | grep -q '^file format: vpc' || fail "qemu-img does not read $img as vpc"
    [ "$(tail -c 512 "$img" | head -c 8)" = conectix ] || fail "no VHD footer at the end of $img"
    parts=$(sfdisk -d "$img" | grep -c '^/')
    [ "$parts" -eq 1 ] || fail "expected one partition, found $parts"
    sfdisk -d "$img" | grep -q "start= *2048, .*type=${KROW[mbr]}\$" ||
      fail "partition is not at sector 2048 with type ${KROW[mbr]}: $(sfdisk -d "$img" | grep '^/')"
  fi
  if [ -n "${3:-}" ]; then
    probe=$("$3" --format=kv "$mnt" 2>&1)
    got=$(printf '%s\n' "$probe" | sed -n 's/^filesystem=//p')
    [ "$got" = "${KROW[fs]}" ] || fail "libhl's probe calls the volume '$got', expected ${KROW[fs]}"
    # an unexpected verdict passes only as a known divergence of the driver,
    # "hlprobe/<case> reason" in cases/known/<fs>.known; a known one that passes fails
    known=$here/../../cases/known/${KROW[fs]}.known
    while IFS='=' read -r key verdict; do
      id=${key#case.} id=${id%.verdict}
      listed=$(grep -s "^hlprobe/$id " "$known")
      if [ "$verdict" = unexpected ] && [ -z "$listed" ]; then
        fail "hlprobe on $mnt: case $id unexpected: $(printf '%s\n' "$probe" | grep "^case\.$id\." | tr '\n' ' ')"
      fi
      [ "$verdict" = unexpected ] || [ -z "$listed" ] || fail "hlprobe case $id passed, but $known lists it: remove that line"
      [ -z "$listed" ] || echo "XFAIL hlprobe/$id (known: ${listed#* })"
    done < <(printf '%s\n' "$probe" | grep -E '^case\.[^.]+\.verdict=')
  fi
  if kind_trait "$kind" lower >/dev/null; then # the prepared lower layer: listed, seen through the mount
    grep -qx 'two_a two_b' "$mnt/hl-lower/LINKS" || fail "no prepared lower layer: $mnt/hl-lower/LINKS lacks 'two_a two_b'"
    base=$(dirname "$mnt")/base
    findmnt -rn -M "$base" >/dev/null || fail "its layers' filesystem is not mounted on $base"
    # one file in the lower layer itself (through the mount that is the cases' to judge: unionfs splits it)
    low=$base/lower/hl-lower
    [ "$(stat -c '%i %h' "$low/two_a")" = "$(stat -c '%i %h' "$low/two_b")" ] ||
      fail "$low/two_a and two_b are not one file: $(stat -c '%n %i %h' "$low/two_a" "$low/two_b")"
    [ "$(cat "$mnt/hl-lower/two_b")" = two ] || fail "hl-lower/two_b does not read 'two' through the mount"
  fi
  if kind_trait "$kind" readonly >/dev/null; then
    # its prepared lower layer is in the image: one file of two names through the mount; nothing can be written
    grep -qx 'two_a two_b' "$mnt/hl-lower/LINKS" || fail "no prepared lower layer: $mnt/hl-lower/LINKS lacks 'two_a two_b'"
    [ "$(stat -c '%i %h' "$mnt/hl-lower/two_a")" = "$(stat -c '%i %h' "$mnt/hl-lower/two_b")" ] ||
      fail "two_a and two_b are not one file: $(stat -c '%n %i %h' "$mnt/hl-lower/two_a" "$mnt/hl-lower/two_b")"
    [ -f "$mnt/hl-ro-source" ] || fail "no hl-ro-source in the image"
    err=$( (echo hello >"$mnt/file") 2>&1) && fail "a file was written on $mnt"
    case $err in *"Read-only file system"*) ;; *) fail "writing a file: expected EROFS, got: $err" ;; esac
    "$HLV" cycle "rt-$kind" || fail "cycle exited $?"
    [ "$(cat "$mnt/hl-lower/two_b")" = two ] || fail "hl-lower/two_b does not read 'two' after a cycle"
  else
    echo "hello" >"$mnt/file" || fail "cannot write a file"
    [ "$(cat "$mnt/file")" = hello ] || fail "cannot read the file back"
  fi
  # hl-volume down by NAME for kernel image kinds, by DIR for the others: both forms
  if [ -n "${KROW[mbr]}" ] && [ -z "${KROW[driver]}" ]; then target=rt-$kind; else target=$mnt; fi
  "$HLV" down "$target" || fail "down $target exited $?"
  assert_gone "rt-$kind" "$mnt" "$img"
  [ -z "${base:-}" ] || ! findmnt -rn -M "$base" >/dev/null || fail "$base (its layers) is still mounted"
  echo "ok: $kind up, ${KROW[mount]}, $(kind_trait "$kind" readonly >/dev/null && echo "read-only, cycled" || echo "holds a file"), down with nothing left"
  ;;
readonly)
  mnt=$("$HLV" up "$kind" --ro --name "ro-$kind") || fail "up --ro exited $?"
  findmnt -rn -o OPTIONS -M "$mnt" | grep -q '^ro' || fail "not mounted read-only: $(findmnt -rn -o OPTIONS -M "$mnt")"
  [ -f "$mnt/hl-ro-source" ] || fail "no hl-ro-source on the read-only volume"
  if kind_trait "$kind" readonly >/dev/null; then # its own read-only twin: the same volume as a plain up
    grep -qx 'two_a two_b' "$mnt/hl-lower/LINKS" || fail "up --ro of a readonly kind has no prepared lower layer"
    [ "$("$HLV" list | awk -v n="ro-$kind" '$1 == n' | wc -l)" -eq 1 ] || fail "list does not show one ro-$kind"
  fi
  err=$(ln "$mnt/hl-ro-source" "$mnt/x" 2>&1) && fail "a link was created on a read-only volume"
  case $err in *"Read-only file system"*) ;; *) fail "expected EROFS, got: $err" ;; esac
  img=$("$HLV" list | awk -v n="ro-$kind" '$1 == n { print $5 }')
  [ "$img" != - ] || img=
  "$HLV" down "ro-$kind" || fail "down exited $?"
  assert_gone "ro-$kind" "$mnt" "$img"
  echo "ok: $kind read-only: EROFS, down with nothing left"
  ;;
killed-up)
  # kill -9 the whole up of KIND (default ntfs) at several moments; down-all must leave nothing
  delays="0.05 0.15 0.25 0.35 0.5 0.8"
  if [ -n "$kind" ]; then
    # a stacked kind's up goes on longer (a second VHD, sshd) and, on a loaded
    # machine, longer still: the moments are fractions of a whole up, timed here
    t0=$(date +%s.%N)
    "$HLV" up "$kind" --name killed >/dev/null 2>&1 || fail "a whole up of $kind failed"
    full=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    "$HLV" down killed >/dev/null 2>&1 || fail "the down after a whole up failed"
    delays=$(awk -v t="$full" 'BEGIN { n = split("0.03 0.2 0.5 0.8 1.1", f); for (i = 1; i <= n; i++) printf "%.2f ", f[i] * t }')
    echo "a whole up of $kind takes ${full}s here: kills at $delays"
  fi
  img=$HL_VOLUME_DIR/killed/disk.vhd
  [ -z "$kind" ] || ! kind_trait "$kind" readonly >/dev/null || img=$HL_VOLUME_DIR/killed/image.$kind
  for delay in $delays; do
    setsid "$HLV" up "${kind:-ntfs}" --name killed >/dev/null 2>&1 &
    pid=$!
    sleep "$delay"
    kill -9 -- "-$pid" 2>/dev/null || kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    "$HLV" down-all >/dev/null 2>&1 || fail "down-all after a kill at ${delay}s exited $?"
    assert_gone killed "$HL_VOLUME_DIR/killed/mnt" "$img"
    ! findmnt -rn -M "$HL_VOLUME_DIR/killed/base" >/dev/null || fail "its layers are still mounted after a kill at ${delay}s"
  done
  echo "ok: up${kind:+ $kind} killed at $(wc -w <<<"$delays") moments, down-all left nothing"
  ;;
busy-down)
  mnt=$("$HLV" up ntfs --name busy) || fail "up exited $?"
  (cd "$mnt" && sleep 6) &
  holder=$!
  sleep 0.3
  "$HLV" down busy 2>/dev/null || fail "down of a busy volume exited $?"
  kill -0 "$holder" 2>/dev/null && fail "down returned while the volume's user still ran (lazy unmount, driver left behind)"
  assert_gone busy "$mnt" "$HL_VOLUME_DIR/busy/disk.vhd"
  echo "ok: down of a busy FUSE volume waited for its user and driver"
  ;;
bad-args)
  expect_exit() { # CODE WORDS ARGS...
    local want=$1 says=$2 out rc
    shift 2
    out=$("$HLV" "$@" 2>&1)
    rc=$?
    [ $rc -eq "$want" ] || fail "hl-volume $*: expected exit $want, got $rc: $out"
    grep -qi -- "$says" <<<"$out" || fail "hl-volume $*: message does not say '$says': $out"
  }
  expect_exit 2 "no command"
  expect_exit 2 "unknown command" frobnicate
  expect_exit 2 "which KIND" up
  expect_exit 2 "unknown KIND" up vfat
  expect_exit 2 "not a number" up ext4 --size abc
  expect_exit 2 "needs at least" up xfs --size 20
  expect_exit 2 "size of what it holds" up squashfs --size 20
  expect_exit 2 "not a name" up ext4 --name ../x
  expect_exit 2 "unknown argument" up ext4 --bogus
  expect_exit 2 "needs a number" up ext4 --size
  expect_exit 2 "no volume" down no-such-volume
  expect_exit 2 "one DIR or NAME" down
  expect_exit 2 "no arguments" list extra
  expect_exit 0 "usage" --help
  if [ "$EUID" -eq 0 ] && command -v setpriv >/dev/null; then
    out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$HLV" up ext4 2>&1)
    rc=$?
    [ $rc -eq 3 ] || fail "up as an unprivileged user: expected exit 3, got $rc: $out"
    grep -q root <<<"$out" || fail "the reason does not say root: $out"
  fi
  [ -z "$("$HLV" list)" ] || fail "bad arguments left volumes: $("$HLV" list)"
  echo "ok: bad arguments exit 2 with a message, missing privilege exits 3"
  ;;
no-leaks)
  m=$(findmnt -rn -o TARGET | grep -F "$BASE/" || true)
  [ -z "$m" ] && l=$(losetup -a | grep -F "$BASE/" || true)
  [ -z "$m" ] || fail "left mounted: $m"
  [ -z "${l:-}" ] || fail "left attached: $l"
  left=$(find "$BASE" -mindepth 1 2>/dev/null | head -5)
  [ -z "$left" ] || fail "left in $BASE: $left"
  rmdir "$BASE" 2>/dev/null
  echo "ok: findmnt and losetup -a show nothing of the volume tests"
  ;;
table)
  # every row of the kinds table is well formed, and hl-volume offers every kind
  seen=" "
  for k in $(kinds); do
    kind_load "$k" || fail "kinds lists $k but has no row for it"
    [[ $k =~ ^[a-z0-9-]+$ ]] || fail "kind '$k' is not [a-z0-9-]"
    case $seen in *" $k "*) fail "$k has two rows" ;; esac
    seen+="$k "
    case ${KROW[profile]} in posix | ntfs | fat | readonly) ;; *) fail "$k: profile '${KROW[profile]}' is not posix, ntfs, fat or readonly" ;; esac
    if [ -z "${KROW[fs]}" ] || [ -z "${KROW[mount]}" ]; then fail "$k: no filesystem name or mount type"; fi
    [[ ${KROW[magic]} =~ ^0x[0-9a-f]+$ ]] || fail "$k: magic '${KROW[magic]}' is not 0x and lower-case hex digits"
    if kind_trait "$k" readonly >/dev/null; then
      # an image built from a tree, at its own size, on a loop device: no partition
      [ -z "${KROW[mbr]}${KROW[size]}" ] || fail "$k: a readonly kind has no MBR type and no size"
      [ -n "${KROW[blkid]}" ] || fail "$k: a readonly kind needs a blkid type"
      for w in '{tree}' '{image}'; do
        case " ${KROW[mkfs]} " in *" $w "*) ;; *) fail "$k: its mkfs command lacks $w" ;; esac
      done
      [ "${KROW[profile]}" = readonly ] || fail "$k: a readonly kind runs the readonly profile"
    elif ! [[ ${KROW[size]} =~ ^[1-9][0-9]*$ ]]; then
      fail "$k: size '${KROW[size]}' is not a number of MiB"
    elif [ -n "${KROW[mbr]}" ]; then
      [[ ${KROW[mbr]} =~ ^[0-9a-f]{1,2}$ ]] || fail "$k: MBR type '${KROW[mbr]}' is not one or two hex digits"
      if [ -z "${KROW[mkfs]}" ] || [ -z "${KROW[blkid]}" ]; then fail "$k: an image kind needs a mkfs command and a blkid type"; fi
    else
      if [ -n "${KROW[mkfs]}" ] || [ -n "${KROW[blkid]}" ]; then fail "$k: a memory kind (no MBR type) has no mkfs or blkid type"; fi
    fi
    [[ ${KROW[traits]} =~ ^([a-z_]+(=[a-z0-9]+)?(,[a-z_]+(=[a-z0-9]+)?)*)?$ ]] || fail "$k: traits '${KROW[traits]}' is not a comma list of WORD or WORD=VALUE"
    case $(kind_trait "$k" lower) in '' | overlay | union) ;; *) fail "$k: lower=$(kind_trait "$k" lower) is no layout hl-volume knows" ;; esac
    if kind_trait "$k" link_budget >/dev/null; then
      [[ $(kind_trait "$k" link_budget) =~ ^[1-9][0-9]*$ ]] || fail "$k: link_budget is not a number"
    fi
    [[ ${KROW[packages]} =~ ^[a-z0-9.+-]+(,[a-z0-9.+-]+)*$ ]] || fail "$k: packages '${KROW[packages]}' is not a comma list"
  done
  [ "$seen" != " " ] || fail "no kinds in $HL_KINDS_TABLE"
  "$HLV" --help | grep -qx " *KIND: $(kinds)" || fail "hl-volume --help does not offer every kind: $("$HLV" --help | grep KIND:)"
  echo "ok: $(kinds | wc -w) kinds, each row well formed"
  ;;
*) fail "unknown mode" ;;
esac
