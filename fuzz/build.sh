#!/usr/bin/env bash
# fuzz/build.sh: build the fuzz targets the OSS-Fuzz / ClusterFuzzLite way,
# without CMake. Compiles libhl's sources and each fuzz/<target>.c with $CC
# $CFLAGS, links with $CXX $CXXFLAGS $LIB_FUZZING_ENGINE, and puts in $OUT:
# <target>, <target>_seed_corpus.zip (fuzz/corpus/<target>/), and
# <target>.dict and <target>.options where fuzz/ has them. Objects go to
# $WORK. Outside OSS-Fuzz, unset variables default to a libFuzzer+ASan build
# with clang into build-oss-fuzz/out (OUT) and build-oss-fuzz/work (WORK).
set -euo pipefail
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
  sed -n '2,8s/^# \{0,1\}//p' "$0"
  exit 0
fi
if [ $# -gt 0 ]; then
  echo "fuzz/build.sh: takes no arguments, only environment variables (see --help)" >&2
  exit 2
fi

# The repository is the parent of this script's directory ($SRC/<project> in OSS-Fuzz).
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

CC=${CC:-clang}
CXX=${CXX:-clang++}
CFLAGS=${CFLAGS:--O1 -g -fno-omit-frame-pointer -fsanitize=address,fuzzer-no-link}
CXXFLAGS=${CXXFLAGS:-$CFLAGS}
LIB_FUZZING_ENGINE=${LIB_FUZZING_ENGINE:--fsanitize=fuzzer}
OUT=${OUT:-$root/build-oss-fuzz/out}
WORK=${WORK:-$root/build-oss-fuzz/work}

# The targets: fuzz/CMakeLists.txt's list, each one whose source exists.
list=$(sed -n 's/^ *set(HL_FUZZ_TARGETS \(.*\))/\1/p' "$root/fuzz/CMakeLists.txt")
if [ -z "$list" ]; then
  echo "fuzz/build.sh: no set(HL_FUZZ_TARGETS ...) in fuzz/CMakeLists.txt" >&2
  exit 1
fi
targets=()
for t in $list; do
  if [ -f "$root/fuzz/$t.c" ]; then
    targets+=("$t")
  else
    echo "fuzz/build.sh: $t: no fuzz/$t.c, skipped" >&2
  fi
done
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz/build.sh: none of the fuzz targets ($list) has a source in fuzz/" >&2
  exit 1
fi

# A zip tool for the seed corpora: zip, else python3's zipfile (always in
# OSS-Fuzz's base-builder image).
zipper=
if command -v zip >/dev/null 2>&1; then
  zipper=zip
elif command -v python3 >/dev/null 2>&1; then
  zipper=python3
else
  echo "fuzz/build.sh: neither zip nor python3 is installed: cannot make the seed corpus zips (apt-get install zip)" >&2
  exit 1
fi

obj=$WORK/hl-fuzz-obj
mkdir -p "$OUT" "$obj"
# $CFLAGS and $CXXFLAGS are lists of flags: split on purpose.
# shellcheck disable=SC2206
cflags=($CFLAGS -std=gnu11 -I"$root/harness/include" -I"$root/harness/src")
# shellcheck disable=SC2206
ldflags=($CXXFLAGS)
# shellcheck disable=SC2206
engine=($LIB_FUZZING_ENGINE)

# libhl: the same sources as harness/CMakeLists.txt's hl library (Linux backend).
libhl=()
for s in hl status message fstable linux; do
  echo "CC   harness/src/$s.c"
  "$CC" "${cflags[@]}" -c "$root/harness/src/$s.c" -o "$obj/hl_$s.o"
  libhl+=("$obj/hl_$s.o")
done

for t in "${targets[@]}"; do
  echo "CC   fuzz/$t.c"
  "$CC" "${cflags[@]}" -c "$root/fuzz/$t.c" -o "$obj/$t.o"
  echo "LINK \$OUT/$t"
  "$CXX" "${ldflags[@]}" "$obj/$t.o" "${libhl[@]}" "${engine[@]}" -o "$OUT/$t"

  seeds=$root/fuzz/corpus/$t
  zipfile=$OUT/${t}_seed_corpus.zip
  rm -f "$zipfile"
  files=()
  if [ -d "$seeds" ]; then
    while IFS= read -r -d '' f; do files+=("$f"); done \
      < <(find "$seeds" -maxdepth 1 -type f ! -name '.*' -print0 | sort -z)
  fi
  if [ ${#files[@]} -eq 0 ]; then
    echo "     $t: no seed inputs in fuzz/corpus/$t, no seed corpus zip"
  elif [ "$zipper" = zip ]; then
    zip -q -j "$zipfile" "${files[@]}"
    echo "ZIP  \$OUT/${t}_seed_corpus.zip (${#files[@]} inputs)"
  else
    python3 -m zipfile -c "$zipfile" "${files[@]}"
    echo "ZIP  \$OUT/${t}_seed_corpus.zip (${#files[@]} inputs, python3 zipfile)"
  fi
  for ext in dict options; do
    if [ -f "$root/fuzz/$t.$ext" ]; then
      cp "$root/fuzz/$t.$ext" "$OUT/$t.$ext"
      echo "CP   \$OUT/$t.$ext"
    fi
  done
done
echo "fuzz/build.sh: built ${targets[*]} in $OUT"
