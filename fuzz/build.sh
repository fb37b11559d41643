#!/usr/bin/env bash
# fuzz/build.sh: build the fuzz targets the OSS-Fuzz / ClusterFuzzLite way,
# through the project's CMake build: configures $WORK/build with $CC $CFLAGS
# ($CXX $CXXFLAGS to link) and HL_FUZZ_ENGINE=$LIB_FUZZING_ENGINE (libhl, the
# test kit and the fuzz targets only), builds the targets CMake lists from
# fuzz/targets.txt, and puts in $OUT: <target>, <target>_seed_corpus.zip
# (fuzz/corpus/<target>/), and <target>.dict and <target>.options where fuzz/
# has them. Outside OSS-Fuzz, unset variables default to a libFuzzer+ASan build
# with clang into build-oss-fuzz/out (OUT) and build-oss-fuzz/work (WORK).
set -euo pipefail
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
  sed -n '2,9s/^# \{0,1\}//p' "$0"
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

build=$WORK/build
mkdir -p "$OUT" "$build"
# The build type None adds no flags of its own: $CFLAGS decide.
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$CFLAGS" \
  -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DHL_FUZZ=OFF -DHL_SANITIZE=OFF -DHL_FUZZ_ENGINE="$LIB_FUZZING_ENGINE"
targets=()
while IFS= read -r t; do
  [ -n "$t" ] && targets+=("$t")
done <"$build/fuzz/targets.txt"
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz/build.sh: CMake lists no fuzz target ($build/fuzz/targets.txt, from fuzz/targets.txt)" >&2
  exit 1
fi
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}"

for t in "${targets[@]}"; do
  cp "$build/fuzz/$t" "$OUT/$t"
  echo "CP   \$OUT/$t"
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
