#!/usr/bin/env bash
# Prints the path of a matchbox binary (github.com/poseidon/matchbox v0.11.0),
# built from the Go module proxy when not cached. The consumer tests run it on
# loopback over every golden matchbox/ tree. The proxy lists no versions of
# the module, so `go install ...@v0.11.0` is refused; a wrapper module that
# requires that exact version builds it.
#
# Usage: hack/matchbox.sh
# Cache: ${K8SGEN_CACHE:-$HOME/.cache/k8sgen}/bin/matchbox-v0.11.0/matchbox; logs go
# to stderr, stdout is only the path.
set -euo pipefail

die() {
	echo "matchbox.sh: $*" >&2
	exit 1
}

ver=v0.11.0
cache="${K8SGEN_CACHE:-$HOME/.cache/k8sgen}"
out="$cache/bin/matchbox-$ver/matchbox"

command -v flock >/dev/null 2>&1 || die "flock (util-linux) is not on PATH"
command -v go >/dev/null 2>&1 || die "go is not on PATH"
mkdir -p "$(dirname "$out")" "$cache/locks"
exec 9>"$cache/locks/matchbox-$ver.lock"
flock 9
if [ -x "$out" ]; then
	echo "$out"
	exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOTOOLCHAIN=local GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0
cat > "$work/go.mod" << MOD
module k8sgen.invalid/matchbox-build

go 1.26

require github.com/poseidon/matchbox $ver
MOD
cat > "$work/tools.go" << 'GO'
//go:build tools

package build

import _ "github.com/poseidon/matchbox/cmd/matchbox"
GO
echo "matchbox.sh: building matchbox $ver into $out" >&2
(cd "$work" && go mod tidy >&2 && go build -trimpath -o "$out.tmp" github.com/poseidon/matchbox/cmd/matchbox >&2) \
	|| die "building matchbox $ver failed"
mv "$out.tmp" "$out"
echo "$out"
