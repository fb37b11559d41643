#!/usr/bin/env bash
# Install the build into a temporary prefix, build a user's program with
# pkg-config alone, and run it: the way a user consumes libhl.
set -euo pipefail
build=$1 example=$2 sanitize=${3:-OFF}
prefix=$(mktemp -d /tmp/hl-install.XXXXXX)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in include/hl.h lib/libhl.a lib/pkgconfig/hl.pc; do
  [ -f "$prefix/$f" ] || { echo "FAIL: $prefix/$f was not installed"; exit 1; }
done
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
# the sanitizer build's archive needs the sanitizer runtimes at link time
extra=
case $sanitize in ON|on|1|TRUE|true) extra=-fsanitize=address,undefined ;; esac
# shellcheck disable=SC2046
cc -Wall -Wextra -Werror $extra "$example" $(pkg-config --cflags --libs hl) -o "$prefix/mklink"
cd "$prefix"
echo data > existing
./mklink new existing
[ "$(stat -c %i new)" = "$(stat -c %i existing)" ] || { echo "FAIL: new is not the same inode"; exit 1; }
[ "$(stat -c %h existing)" = 2 ] || { echo "FAIL: nlink is not 2"; exit 1; }
if ./mklink existing new 2>err; then echo "FAIL: linking onto an existing name succeeded"; exit 1; fi
grep -q HL_ERR_EXISTS err || { echo "FAIL: no HL_ERR_EXISTS in: $(cat err)"; exit 1; }
echo "installed, built with pkg-config, linked: ok"
