#!/usr/bin/env bash
# Prints the path of a kubeadm binary for VERSION, building it from the Go module proxy when not cached.
#
# Usage: hack/kubeadm.sh 1.32.0   (a leading "v" is accepted)
# Cache: ${K8SGEN_CACHE:-$HOME/.cache/k8sgen}/bin/kubeadm-vX.Y.Z; build logs go to stderr, stdout is only the path.
# The build itself is hack/kubebin.sh VERSION kubeadm.
set -euo pipefail

die() {
	echo "kubeadm.sh: $*" >&2
	exit 1
}

[ "$#" -eq 1 ] || die "usage: $0 VERSION (e.g. 1.32.0)"

ver="${1#v}"
[[ "$ver" =~ ^1\.([0-9]+)\.([0-9]+)$ ]] || die "invalid version '$1': want MAJOR.MINOR.PATCH such as 1.32.0"

exec "$(dirname "${BASH_SOURCE[0]}")/kubebin.sh" "$ver" kubeadm
