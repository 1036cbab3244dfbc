#!/usr/bin/env bash
# Prints the path of a kubeadm binary for VERSION, building it from the Go module proxy when not cached.
#
# Usage: hack/kubeadm.sh 1.32.0   (a leading "v" is accepted)
# Cache: ${K8SGEN_CACHE:-$HOME/.cache/k8sgen}/bin/kubeadm-vX.Y.Z; build logs go to stderr, stdout is only the path.
set -euo pipefail

die() {
	echo "kubeadm.sh: $*" >&2
	exit 1
}

[ "$#" -eq 1 ] || die "usage: $0 VERSION (e.g. 1.32.0)"

ver="${1#v}"
[[ "$ver" =~ ^1\.([0-9]+)\.([0-9]+)$ ]] || die "invalid version '$1': want MAJOR.MINOR.PATCH such as 1.32.0"
minor="${BASH_REMATCH[1]}"
tag="v$ver"
staging_ver="v0.$minor.${BASH_REMATCH[2]}"

cache="${K8SGEN_CACHE:-$HOME/.cache/k8sgen}"
bin="$cache/bin/kubeadm-$tag"

# Fast path: already built.
if [ -x "$bin" ]; then
	echo "$bin"
	exit 0
fi

command -v go >/dev/null 2>&1 || die "go is not on PATH"
command -v flock >/dev/null 2>&1 || die "flock (util-linux) is not on PATH"

mkdir -p "$cache/bin" "$cache/locks"
exec 9>"$cache/locks/kubeadm-$tag.lock"
flock 9

# Another caller may have finished the build while we waited for the lock.
if [ -x "$bin" ]; then
	echo "$bin"
	exit 0
fi

export GOTOOLCHAIN=local GOWORK=off GOFLAGS=-buildvcs=false CGO_ENABLED=0

start=$(date +%s)

# Fetch the kubernetes module; a version the proxy does not serve becomes a clear error.
if ! dl_json=$(go mod download -json "k8s.io/kubernetes@$tag" 2>/dev/null); then
	reason=$(printf '%s\n' "$dl_json" | sed -n 's/^[[:space:]]*"Error": "\(.*\)",*$/\1/p' | head -n 1)
	reason=${reason%%\\n*}
	hint="use a release the proxy serves"
	[ "$tag" = "v1.$minor.0" ] || hint+=", e.g. v1.$minor.0"
	die "k8s.io/kubernetes@$tag cannot be fetched from the Go module proxy${reason:+ ($reason)}; $hint"
fi
json_field() {
	printf '%s\n' "$dl_json" | sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",*\$/\1/p" | head -n 1
}
k8s_gomod=$(json_field GoMod)
k8s_info=$(json_field Info)
[ -f "$k8s_gomod" ] || die "go mod download did not report a go.mod for k8s.io/kubernetes@$tag"
echo "kubeadm.sh: building kubeadm $tag into $bin" >&2

# Staging modules are the ones kubernetes replaces with ./staging/... paths.
mapfile -t staging < <(awk '/=>[[:space:]]*\.\/staging\// { print ($1 == "replace") ? $2 : $1 }' "$k8s_gomod" | sort -u)
[ "${#staging[@]}" -gt 0 ] || die "found no staging replace directives in $k8s_gomod"

# Keep the language version and godebug defaults that upstream builds with.
go_line=$(awk '$1 == "go" { print $2; exit }' "$k8s_gomod")
mapfile -t godebug < <(awk '
	sub(/\/\/.*/, "") && NF == 0 { next }
	$1 == "godebug" && $2 == "(" { block = 1; next }
	block && $1 == ")" { block = 0; next }
	block && NF > 0 { print $1; next }
	$1 == "godebug" && NF >= 2 { print $2 }
' "$k8s_gomod")

# Upstream stamps the commit time as buildDate; the proxy's .info carries it, so the build stays reproducible.
build_date=$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$k8s_info" 2>/dev/null | head -n 1)
build_date=${build_date:-1970-01-01T00:00:00Z}
build_date=${build_date%%.*}
build_date=${build_date%Z}Z

src="$cache/kubeadm-src/$tag"
rm -rf "$src"
mkdir -p "$src"
{
	echo "module k8sgen.local/kubeadm-build"
	echo
	echo "go ${go_line:-1.22.0}"
	echo
	for d in "${godebug[@]}"; do
		echo "godebug $d"
	done
	echo
	echo "require k8s.io/kubernetes $tag"
	echo
	echo "replace ("
	for m in "${staging[@]}"; do
		printf '\t%s => %s %s\n' "$m" "$m" "$staging_ver"
	done
	echo ")"
} >"$src/go.mod"
cat >"$src/tools.go" <<'EOF'
//go:build tools

// Package tools pins kubeadm so go mod tidy keeps its dependencies.
package tools

import _ "k8s.io/kubernetes/cmd/kubeadm"
EOF

(
	cd "$src"
	go mod tidy >&2 || die "resolving kubernetes $tag failed (see above): a staging module at $staging_ver may not be served by the Go module proxy; use v1.$minor.0"
)

ldflags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
	ldflags+=" -X '$pkg.gitVersion=$tag'"
	ldflags+=" -X '$pkg.gitMajor=1'"
	ldflags+=" -X '$pkg.gitMinor=$minor'"
	ldflags+=" -X '$pkg.gitCommit='"
	ldflags+=" -X '$pkg.gitTreeState=archive'"
	ldflags+=" -X '$pkg.buildDate=$build_date'"
done
ldflags+=" -s -w"

tmp="$bin.tmp.$$"
trap 'rm -f "$tmp"' EXIT
(
	cd "$src"
	go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$tmp" k8s.io/kubernetes/cmd/kubeadm >&2
) || die "go build of k8s.io/kubernetes/cmd/kubeadm $tag failed"

got=$("$tmp" version -o short 2>/dev/null) || die "built kubeadm does not run"
[ "$got" = "$tag" ] || die "built kubeadm reports version '$got', want '$tag'"
mv -f "$tmp" "$bin"
trap - EXIT

echo "kubeadm.sh: built kubeadm $tag in $(($(date +%s) - start))s" >&2
echo "$bin"
