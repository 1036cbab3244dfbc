#!/usr/bin/env bash
# Prints the path of an ignition-apply binary: Ignition itself at the version
# k8sgen's go.mod requires, built from the Go module proxy when not cached.
# ignition-apply is the same program as the ignition of a first boot, run on a
# directory (--root) instead of the real root; the consumer tests apply every
# golden config.ign with it.
#
# Usage: hack/ignition.sh
# Cache: ${K8SGEN_CACHE:-$HOME/.cache/k8sgen}/bin/ignition-vX.Y.Z/ignition-apply (the
# program picks its mode by its own name, so the name stays); logs go to
# stderr, stdout is only the path. Needs cgo with libblkid (hack/deps.sh installs
# gcc and libblkid-dev): Ignition links it for its disk stages.
set -euo pipefail

die() {
	echo "ignition.sh: $*" >&2
	exit 1
}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache="${K8SGEN_CACHE:-$HOME/.cache/k8sgen}"
ver=$(cd "$root" && GOWORK=off go list -m -f '{{.Version}}' github.com/coreos/ignition/v2) || die "go.mod does not require github.com/coreos/ignition/v2"
[[ "$ver" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "unexpected Ignition version '$ver'"
out="$cache/bin/ignition-$ver/ignition-apply"

command -v flock >/dev/null 2>&1 || die "flock (util-linux) is not on PATH"
mkdir -p "$(dirname "$out")" "$cache/locks"
exec 9>"$cache/locks/ignition-$ver.lock"
flock 9
if [ -x "$out" ]; then
	echo "$out"
	exit 0
fi

# A module of its own: Ignition's main package is under internal/, and its
# dependencies (cloud SDKs for its providers) stay out of k8sgen's go.mod.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOTOOLCHAIN=local GOWORK=off GOFLAGS=-buildvcs=false CGO_ENABLED=1
echo "ignition.sh: building ignition-apply $ver into $out" >&2
(
	cd "$work"
	go mod init k8sgen.local/ignition-build >&2
	go get "github.com/coreos/ignition/v2/internal@$ver" >&2
	go build -trimpath -o "$work/ignition-apply" github.com/coreos/ignition/v2/internal >&2
) || die "build failed (cgo needs gcc and libblkid-dev)"
mv -f "$work/ignition-apply" "$out"
echo "$out"
