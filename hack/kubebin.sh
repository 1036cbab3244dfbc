#!/usr/bin/env bash
# Prints the path of a Kubernetes binary CMD at VERSION, building it from the Go module proxy when not cached.
#
# Usage: hack/kubebin.sh VERSION CMD   (e.g. hack/kubebin.sh 1.32.0 kubelet; a leading "v" is accepted)
# CMD:   kubeadm kubelet kubectl kube-apiserver kube-controller-manager kube-scheduler kube-proxy
# Cache: ${K8SGEN_CACHE:-$HOME/.cache/k8sgen}/bin/CMD-vX.Y.Z. One wrapper module per version
#        ($CACHE/kube-src/vX.Y.Z) is shared by every command. Build logs go to stderr; stdout is only the path.
set -euo pipefail

prog=kubebin.sh
die() {
	echo "$prog: $*" >&2
	exit 1
}

cmds=(kubeadm kubelet kubectl kube-apiserver kube-controller-manager kube-scheduler kube-proxy)

[ "$#" -eq 2 ] || die "usage: $0 VERSION CMD (e.g. 1.32.0 kubelet; CMD is one of: ${cmds[*]})"

ver="${1#v}"
cmd="$2"
[[ "$ver" =~ ^1\.([0-9]+)\.([0-9]+)$ ]] || die "invalid version '$1': want MAJOR.MINOR.PATCH such as 1.32.0"
minor="${BASH_REMATCH[1]}"
tag="v$ver"
staging_ver="v0.$minor.${BASH_REMATCH[2]}"

known=0
for c in "${cmds[@]}"; do
	[ "$c" = "$cmd" ] && known=1
done
[ "$known" -eq 1 ] || die "unknown command '$cmd': want one of ${cmds[*]}"

cache="${K8SGEN_CACHE:-$HOME/.cache/k8sgen}"
bin="$cache/bin/$cmd-$tag"
# K8SGEN_KUBE_GO=upstream builds with the Go release the Kubernetes release names in its
# .go-version (fetched by the go command from the module proxy), as upstream's binaries are:
# newer Go changes behaviour kubeadm depends on (Go 1.24.8 and 1.25.2 reject "[10.96.0.1]"
# in URLs, which kubeadm 1.32.0's HTTPProxyCIDR preflight check builds for IPv4 ranges).
upstream_go=${K8SGEN_KUBE_GO:-}
case "$upstream_go" in
"" | local) upstream_go="" ;;
upstream) bin="$bin-upstream-go" ;;
*) die "K8SGEN_KUBE_GO must be upstream or local, not '$upstream_go'" ;;
esac

# Fast path: already built.
if [ -x "$bin" ]; then
	echo "$bin"
	exit 0
fi

command -v go >/dev/null 2>&1 || die "go is not on PATH"
command -v flock >/dev/null 2>&1 || die "flock (util-linux) is not on PATH"

mkdir -p "$cache/bin" "$cache/locks" "$cache/kube-src"
# kubeadm keeps the lock name hack/kubeadm.sh always used, so old and new callers exclude each other.
if [ "$cmd" = kubeadm ]; then
	exec 9>"$cache/locks/kubeadm-$tag.lock"
else
	exec 9>"$cache/locks/kubebin-$cmd-$tag.lock"
fi
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
build_toolchain=local
if [ -n "$upstream_go" ]; then
	go_version=$(tr -d '[:space:]' <"$(json_field Dir)/.go-version" 2>/dev/null) || die "k8s.io/kubernetes@$tag has no .go-version to build with"
	[[ "$go_version" =~ ^1\.[0-9]+(\.[0-9]+)?$ ]] || die "k8s.io/kubernetes@$tag names an odd Go version '$go_version' in .go-version"
	build_toolchain="go$go_version"
fi
[ -f "$k8s_gomod" ] || die "go mod download did not report a go.mod for k8s.io/kubernetes@$tag"
echo "$prog: building $cmd $tag into $bin" >&2

# The wrapper module is shared by all commands of a version: build it once, in a temp dir renamed into place.
src="$cache/kube-src/$tag"
if [ ! -f "$src/go.sum" ]; then
	exec 8>"$cache/locks/kube-src-$tag.lock"
	flock 8
	if [ ! -f "$src/go.sum" ]; then
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

		tmpsrc="$src.tmp.$$"
		rm -rf "$tmpsrc"
		mkdir -p "$tmpsrc"
		trap 'rm -rf "$tmpsrc"' EXIT
		{
			echo "module k8sgen.local/kube-build"
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
		} >"$tmpsrc/go.mod"
		{
			echo "//go:build tools"
			echo
			echo "// Package tools pins the Kubernetes commands so go mod tidy keeps their dependencies."
			echo "package tools"
			echo
			echo "import ("
			for c in "${cmds[@]}"; do
				printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$c"
			done
			echo ")"
		} >"$tmpsrc/tools.go"
		(
			cd "$tmpsrc"
			go mod tidy >&2
		) || die "resolving kubernetes $tag failed (see above): a staging module at $staging_ver may not be served by the Go module proxy; use v1.$minor.0"
		rm -rf "$src"
		mv "$tmpsrc" "$src"
		trap - EXIT
	fi
	exec 8>&-
fi

# Upstream stamps the commit time as buildDate; the proxy's .info carries it, so the build stays reproducible.
build_date=$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$k8s_info" 2>/dev/null | head -n 1)
build_date=${build_date:-1970-01-01T00:00:00Z}
build_date=${build_date%%.*}
build_date=${build_date%Z}Z

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

# kubeadm built with the local Go checks configs on this machine (the tests' `kubeadm config
# validate`, the lab's `kubeadm config images list`), and the Flatcar lab's sysext carries it;
# the Debian lab's packages get the upstream-Go build (K8SGEN_KUBE_GO=upstream), optimized.
# Built without optimizations it compiles in about 70% of the time (v1.34.0 here, GOCACHE
# empty: 173 s against 245 s), nearly half of a cold CI run being seven such builds, and
# validates a config in 91 ms against 81 ms. It behaves the same, only slower.
gcflags=()
if [ "$cmd" = kubeadm ] && [ -z "$upstream_go" ]; then
	gcflags=("-gcflags=all=-N -l")
fi

tmp="$bin.tmp.$$"
trap 'rm -f "$tmp"' EXIT
(
	cd "$src"
	GOTOOLCHAIN=$build_toolchain go build -trimpath -buildvcs=false "${gcflags[@]}" -ldflags "$ldflags" -o "$tmp" "k8s.io/kubernetes/cmd/$cmd" >&2
) || die "go build of k8s.io/kubernetes/cmd/$cmd $tag failed"

# Each command reports its version differently; all must name the tag.
case "$cmd" in
kubeadm) got=$("$tmp" version -o short 2>/dev/null) || die "built kubeadm does not run" ;;
kubectl) got=$("$tmp" version --client 2>/dev/null | sed -n 's/^Client Version: //p') || die "built kubectl does not run" ;;
*) got=$("$tmp" --version 2>/dev/null | sed -n 's/^Kubernetes //p') || die "built $cmd does not run" ;;
esac
[ "$got" = "$tag" ] || die "built $cmd reports version '$got', want '$tag'"
mv -f "$tmp" "$bin"
trap - EXIT

echo "$prog: built $cmd $tag with $build_toolchain Go in $(($(date +%s) - start))s" >&2
echo "$bin"
