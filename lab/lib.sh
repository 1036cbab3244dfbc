# shellcheck shell=bash
# lab/lib.sh: helpers shared by the lab scripts. Source it; do not run it.
#
# Each script sets LAB_PROG (its own name) before sourcing so that messages read
# "image.sh: ...". Provides: die, log, lab_cache, lab_require_root, lab_netns, lab_need,
# and LAB_DIR (the lab/ directory).

LAB_PROG=${LAB_PROG:-lab}
# shellcheck disable=SC2034 # used by the scripts that source this file
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die() {
  printf '%s: error: %s\n' "$LAB_PROG" "$*" >&2
  exit 1
}

log() {
  printf '%s: %s\n' "$LAB_PROG" "$*" >&2
}

# lab_cache prints the lab cache directory ($K8SGEN_CACHE/lab), creating it.
lab_cache() {
  local dir="${K8SGEN_CACHE:-$HOME/.cache/k8sgen}/lab"
  mkdir -p "$dir" || die "cannot create cache directory $dir"
  printf '%s\n' "$dir"
}

lab_require_root() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, loop-free image build)"
}

# lab_netns prints the name of the lab network namespace.
lab_netns() {
  printf '%s\n' "${LAB_NETNS:-k8sgen-lab}"
}

# lab_need CMD... dies naming the first missing command and pointing at deps.sh.
lab_need() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || die "missing command '$c': run lab/deps.sh first"
  done
}
