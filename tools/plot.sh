# shellcheck shell=bash
# Shared by tools/plot-linkcost and tools/plot-suite-time (sourced): argument
# checks, gnuplot string quoting, and the SVG terminal both draw on.

plot_bad() { echo "${0##*/}: $1" >&2; exit 2; }

# --help prints the calling script's header; otherwise OUT.svg LABEL=... must be there.
plot_usage_or_check() {
  if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
    sed -n '2,/^set -/{/^#/s/^# \{0,1\}//p}' "$0"
    exit 0
  fi
  [ $# -ge 2 ] || plot_bad "usage: ${0##*/} OUT.svg LABEL=VALUE... (see --help)"
  case $1 in *=*) plot_bad "the first argument is the SVG file to write, not '$1'" ;; esac
  command -v gnuplot >/dev/null || { echo "${0##*/}: no gnuplot (tools/ensure-packages gnuplot-nox)" >&2; exit 3; }
}

plot_label() { # LABEL=VALUE -> LABEL
  local label=${1%%=*}
  [[ $1 == *=* && -n $label && $label != *$'\n'* ]] || plot_bad "'$1' is not LABEL=VALUE"
  printf '%s\n' "$label"
}

# A gnuplot single-quoted string holds anything but a single quote, written twice.
plot_quote() { printf '%s' "${1//\'/\'\'}"; }

# Run the gnuplot script on stdin into OUT.svg (written whole or not at all).
plot_run() { # OUT.svg
  local tmp
  tmp=$(mktemp "$1.XXXXXX") || exit 1
  if ! { printf '%s\n' "set terminal svg size 960,560 dynamic font 'sans,13' background '#ffffff'" \
    "set output '$(plot_quote "$tmp")'"; cat; } | gnuplot; then
    rm -f "$tmp"
    echo "${0##*/}: gnuplot failed" >&2
    exit 1
  fi
  chmod 0644 "$tmp" && mv "$tmp" "$1"
}
