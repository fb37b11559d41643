# shellcheck shell=bash
# Sourced by the report tools' tests (plot-test.sh, junit-test.sh): counting
# failures, refused calls, and the exit.
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# Each ARGS is one call's arguments, split at spaces; every call must exit 2.
refuses() { # TOOL ARGS...
  local tool=$1 args
  shift
  for args in "$@"; do
    # shellcheck disable=SC2086 # the words are the arguments
    "$tool" $args 2>/dev/null
    [ $? -eq 2 ] || fail "${tool##*/} $args: not exit 2"
  done
}

finish() { # PASS-MESSAGE
  [ $fails -eq 0 ] && echo "PASS: $1"
  exit $((fails > 0))
}
