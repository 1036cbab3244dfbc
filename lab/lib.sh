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

# lab_build_tools builds k8sgen and the lab's programs (labserve, labimage, pause) into
# $(lab_cache)/bin and prints that directory.
lab_build_tools() {
  local bin root
  bin=$(lab_cache)/bin
  root=$(cd "$LAB_DIR/.." && pwd)
  mkdir -p "$bin"
  (cd "$root" && go build -o "$bin/k8sgen" ./cmd/k8sgen) >&2 || die "building k8sgen failed"
  (cd "$LAB_DIR" && go build -o "$bin/" ./cmd/labserve ./cmd/labimage ./cmd/pause) >&2 \
    || die "building the lab programs failed"
  printf '%s\n' "$bin"
}

# lab_registry_password exports LAB_REGISTRY_PASSWORD, the lab registry's password,
# made once per cache (0600) so that labserve, labimage and k8sgen agree on it.
lab_registry_password() {
  local f
  f=$(lab_cache)/registry.password
  if [ ! -s "$f" ]; then
    (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$f")
  fi
  LAB_REGISTRY_PASSWORD=$(cat "$f")
  export LAB_REGISTRY_PASSWORD
}
