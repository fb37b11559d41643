# tools/lib.sh: sourced by the shell tools, never run. The one reader of the
# kinds table (tools/kinds) and the one place the build directory is decided.
# shellcheck shell=bash

# (no dirname: every tool sources this, hl-volume hundreds of times a test run,
# and a program started costs milliseconds here)
HL_TOOLS=${BASH_SOURCE[0]%/*}
[ "$HL_TOOLS" != "${BASH_SOURCE[0]}" ] || HL_TOOLS=.
# hl_canonical VAR PATH: PATH absolute, without ".", ".." or a symlink among
# its components (realpath -m), into VAR; checked in the shell, and realpath
# run only when it is not so already
# shellcheck disable=SC2034 # a nameref: the caller's VAR
hl_canonical() {
  local -n hc_out_=$1
  local hc_d_=$2
  case $2 in
    */ | *//* | */./* | */../* | */. | */..) ;;
    /?*)
      while [ -n "$hc_d_" ] && [ ! -L "$hc_d_" ]; do hc_d_=${hc_d_%/*}; done
      [ -n "$hc_d_" ] || { hc_out_=$2; return 0; } ;;
  esac
  hc_out_=$(realpath -m -- "$2")
}
hl_canonical HL_TOOLS "$HL_TOOLS"
HL_ROOT=${HL_TOOLS%/*}
HL_KINDS_TABLE=$HL_TOOLS/kinds

# The table, read once: HL_KIND_VALUE[KIND.COLUMN] ("-" becomes empty) and
# HL_KIND_LIST, the kinds in the table's order.
HL_KIND_COLUMNS=(kind profile fs mount magic blkid driver mbr size rw ro traits packages mkfs)
declare -gA HL_KIND_VALUE=()
HL_KIND_LIST=()
hl_read_kinds() {
  local row c i
  local -a fields
  while IFS= read -r row; do
    case $row in '' | [[:space:]]* | '#'*) continue ;; esac
    read -r -a fields <<<"$row"
    if [ ${#fields[@]} -lt ${#HL_KIND_COLUMNS[@]} ]; then
      echo "$HL_KINDS_TABLE: the row of ${fields[0]} has ${#fields[@]} columns, not ${#HL_KIND_COLUMNS[@]}" >&2
      return 1
    fi
    # mkfs, the last column, is the rest of the row
    fields[${#HL_KIND_COLUMNS[@]} - 1]=${fields[*]:${#HL_KIND_COLUMNS[@]} - 1}
    for ((i = 0; i < ${#HL_KIND_COLUMNS[@]}; i++)); do
      c=${fields[i]}
      [ "$c" != - ] || c=
      HL_KIND_VALUE[${fields[0]}.${HL_KIND_COLUMNS[i]}]=$c
    done
    HL_KIND_LIST+=("${fields[0]}")
  done <"$HL_KINDS_TABLE"
}
hl_read_kinds || return 3

# Every kind, in the table's order, on one line.
kinds() { printf '%s\n' "${HL_KIND_LIST[*]}"; }

is_kind() { [ -n "$1" ] && [ -n "${HL_KIND_VALUE[$1.kind]+set}" ]; }

# kind_load KIND: fill the array KROW (column -> value) from KIND's row;
# 1 when there is no such kind.
# shellcheck disable=SC2034 # read by the tools that source this file
declare -gA KROW=()
kind_load() {
  local c
  is_kind "$1" || return 1
  KROW=()
  # shellcheck disable=SC2034 # read by the tools that source this file
  for c in "${HL_KIND_COLUMNS[@]}"; do KROW[$c]=${HL_KIND_VALUE[$1.$c]}; done
}

# kind_get KIND COLUMN: print one value (empty for "-"); 1 when no such kind.
kind_get() {
  is_kind "$1" || return 1
  printf '%s\n' "${HL_KIND_VALUE[$1.$2]}"
}

# kind_trait KIND WORD: print the value of WORD=VALUE in KIND's traits column
# (empty for a bare WORD); 1 when KIND has no such trait.
kind_trait() {
  local t
  local -a traits
  IFS=, read -r -a traits <<<"${HL_KIND_VALUE[$1.traits]-}"
  for t in "${traits[@]}"; do
    case $t in "$2") echo; return 0 ;; "$2="*) printf '%s\n' "${t#*=}"; return 0 ;; esac
  done
  return 1
}

# kinds_with WORD: the kinds with the trait WORD, in the table's order, on one line.
kinds_with() {
  local k
  local -a with=()
  for k in "${HL_KIND_LIST[@]}"; do kind_trait "$k" "$1" >/dev/null && with+=("$k"); done
  printf '%s\n' "${with[*]}"
}

# Every distinct value of COLUMN over all kinds, one a line (none for "-").
kind_column() { # COLUMN
  local k
  for k in "${HL_KIND_LIST[@]}"; do printf '%s\n' "${HL_KIND_VALUE[$k.$1]}"; done | awk NF | sort -u
}

# The build directory: $HL_BUILD_DIR (relative to the current directory),
# default build/ in the repository.
hl_build_dir() {
  local d=${HL_BUILD_DIR:-$HL_ROOT/build}
  case $d in /*) ;; *) d=$PWD/$d ;; esac
  printf '%s\n' "$d"
}

# The kernel's start time of PID (field 22 of /proc/PID/stat): with the pid it
# names one process, not a later one that got the same number.
start_time() { awk '{ sub(/^.*\) /, ""); print $20 }' "/proc/$1/stat" 2>/dev/null; }
# PID still runs as the process that started at START: not gone, not a new
# process with its number, not a zombie (a killed process stays one until its
# parent or PID 1 reaps it, slow in a container).
process_alive() { # PID START
  [ -n "$2" ] && [ "$(start_time "$1")" = "$2" ] &&
    ! awk '{ sub(/^.*\) /, ""); exit $1 != "Z" }' "/proc/$1/stat" 2>/dev/null
}
