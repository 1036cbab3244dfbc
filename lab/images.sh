#!/usr/bin/env bash
# lab/images.sh: builds the images a kubeadm cluster pulls, from source, and pushes them
# to the lab registry under the names `kubeadm config images list` prints, plus flannel.
#
# Usage: lab/images.sh VERSION REGISTRY_REF_PREFIX      e.g. lab/images.sh 1.32.0 harbor:443/k8s
#
# Images: kube-apiserver kube-controller-manager kube-scheduler kube-proxy (binaries from
# hack/kubebin.sh), etcd and coredns (at the versions kubeadm expects, from the Go module
# proxy), pause (lab/cmd/pause), flannel (flanneld from the Go module proxy) and lab-cni (the
# lab's own CNI plugin, lab/cmd/labcni, standing in for Flannel's, whose module the proxy does
# not serve). kube-proxy and flannel carry iptables/ip6tables (nft), conntrack and ipset with
# their libraries from Debian's .debs. Everything comes from the Go module proxy and Debian's
# archive at pinned versions: run it where those are reachable, never inside the lab namespace.
#
# Environment:
#   LAB_REGISTRY           host:port to push to instead of the prefix's host (e.g. 127.0.0.1:5443);
#                          the image names keep the prefix's path
#   LAB_REGISTRY_CA        CA PEM of the registry (default: $CACHE/lab/ca/ca.crt when present)
#   LAB_REGISTRY_USER      basic-auth user; the password is read from LAB_REGISTRY_PASSWORD
#   LAB_REGISTRY_INSECURE  1: skip TLS verification (or plain HTTP)
#   LAB_OCI_LAYOUT         write the images into this OCI layout directory instead of pushing
#   LAB_IMAGES             names to build (default: all of them, see above)
#   LAB_FLANNEL_PREFIX     default: <prefix host>/flannel-io
#   LAB_FLANNEL_VERSION    default: v0.26.7
#   LAB_KUBE_VIP_VERSION   also build kube-vip at this release (github.com/kube-vip/kube-vip) as
#                          <prefix>/kube-vip:VERSION, the image k8sgen's kube-vip manifest names
#
# Cache (${K8SGEN_CACHE:-$HOME/.cache/k8sgen}/lab): bin/ (built programs), src/ (wrapper
# modules), debs/, layers/ (rootfs fragment tars). Logs go to stderr; stdout gets one
# REF@DIGEST line per image.
set -euo pipefail
LAB_PROG=images.sh
# shellcheck source=lab/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
REPO_DIR=$(cd "$LAB_DIR/.." && pwd)

[ "$#" -eq 2 ] || die "usage: $0 VERSION REGISTRY_REF_PREFIX (e.g. 1.32.0 harbor:443/k8s)"
version=${1#v}
prefix=${2%/}
[[ "$version" =~ ^1\.[0-9]+\.[0-9]+$ ]] || die "invalid version '$1': want e.g. 1.32.0"
[[ "$prefix" == */* ]] || die "invalid prefix '$2': want HOST[:PORT]/PATH, e.g. harbor:443/k8s"
lab_need go dpkg-deb apt-get apt-cache tar flock

cache=$(lab_cache)
bindir=$cache/bin
mkdir -p "$bindir" "$cache/src" "$cache/debs" "$cache/layers"
export GOTOOLCHAIN=local GOWORK=off GOFLAGS=-buildvcs=false CGO_ENABLED=0

exec 9>"$cache/images.lock"
flock 9

flannel_prefix=${LAB_FLANNEL_PREFIX:-${prefix%%/*}/flannel-io}
flannel_version=${LAB_FLANNEL_VERSION:-v0.26.7}
wanted=${LAB_IMAGES:-kube-apiserver kube-controller-manager kube-scheduler kube-proxy etcd coredns pause flannel lab-cni}
kube_vip_version=${LAB_KUBE_VIP_VERSION:-}
if [ -n "$kube_vip_version" ]; then
	[[ "$kube_vip_version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "LAB_KUBE_VIP_VERSION '$kube_vip_version': want e.g. v1.0.0"
	wanted="$wanted kube-vip"
fi

want() {
	[[ " $wanted " == *" $1 "* ]]
}

# --- Image names: exactly what kubeadm will pull. ---
kubeadm=$("$REPO_DIR/hack/kubeadm.sh" "$version")
declare -A refs=()
while read -r ref; do
	[ -n "$ref" ] || continue
	[[ "$ref" == "$prefix/"* ]] || die "kubeadm listed '$ref', outside $prefix"
	base=${ref#"$prefix/"}
	refs[${base%%:*}]=$ref
done < <("$kubeadm" config images list --kubernetes-version "v$version" --image-repository "$prefix")
for n in kube-apiserver kube-controller-manager kube-scheduler kube-proxy etcd coredns pause; do
	[ -n "${refs[$n]:-}" ] || die "kubeadm config images list has no $n image"
done
refs[flannel]=$flannel_prefix/flannel:$flannel_version
# The lab manifest (lab/manifests/flannel.yaml.tmpl) names this image for its CNI plugin.
refs[lab-cni]=$flannel_prefix/k8sgen-lab-cni:v1
[ -n "$kube_vip_version" ] && refs[kube-vip]=$prefix/kube-vip:$kube_vip_version

tag_of() {
	local r=${refs[$1]}
	printf '%s\n' "${r##*:}"
}

# --- Go builds ---

# module_gomod MODULE@VERSION prints the path of that module's go.mod in the module cache.
module_gomod() {
	local json
	json=$(go mod download -json "$1" 2>/dev/null) || true
	local gomod
	gomod=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p' | head -n 1)
	if [ -z "$gomod" ] || [ ! -f "$gomod" ]; then
		local reason
		reason=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Error": "\(.*\)",*$/\1/p' | head -n 1)
		die "cannot fetch $1 from the Go module proxy${reason:+: ${reason%%\\n*}}"
	fi
	printf '%s\n' "$gomod"
}

# wrapper_build NAME LDFLAGS MODULE@VERSION... -- PACKAGE=OUT...
# Builds main packages of modules that cannot be built with `go install pkg@version`
# (replace directives) through a wrapper module in $cache/src/NAME that requires them.
wrapper_build() {
	local name=$1 ldflags=$2
	shift 2
	local reqs=() builds=()
	while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
		reqs+=("$1")
		shift
	done
	shift
	builds=("$@")

	local dir=$cache/src/$name gomod goline start=$SECONDS
	gomod=$(module_gomod "${reqs[0]}")
	goline=$(awk '$1 == "go" { print $2; exit }' "$gomod")
	log "building $name (go $goline wrapper module in $dir)"
	rm -rf "$dir"
	mkdir -p "$dir"
	{
		printf 'module k8sgen.local/lab-build/%s\n\ngo %s\n\nrequire (\n' "$name" "${goline:-1.22}"
		local r
		for r in "${reqs[@]}"; do
			printf '\t%s %s\n' "${r%@*}" "${r#*@}"
		done
		printf ')\n'
	} >"$dir/go.mod"
	{
		printf '//go:build tools\n\n// Package tools pins the programs this module builds.\npackage tools\n\nimport (\n'
		local b
		for b in "${builds[@]}"; do
			printf '\t_ "%s"\n' "${b%%=*}"
		done
		printf ')\n'
	} >"$dir/tools.go"
	(cd "$dir" && go mod tidy >&2) || die "go mod tidy for $name failed"
	for b in "${builds[@]}"; do
		local pkg=${b%%=*} out=${b#*=}
		(cd "$dir" && go build -trimpath -ldflags "-s -w $ldflags" -o "$out.tmp" "$pkg" >&2) ||
			die "go build $pkg failed"
		mv -f "$out.tmp" "$out"
	done
	log "built $name in $((SECONDS - start))s"
}

build_etcd() { # VERSION (v3.5.16)
	local v=$1
	[ -x "$bindir/etcd-$v" ] && [ -x "$bindir/etcdctl-$v" ] && return 0
	# Upstream builds etcd from ./server and etcdctl from ./etcdctl, each its own module.
	wrapper_build "etcd-$v" "" \
		"go.etcd.io/etcd/server/v3@$v" "go.etcd.io/etcd/etcdctl/v3@$v" -- \
		"go.etcd.io/etcd/server/v3=$bindir/etcd-$v" "go.etcd.io/etcd/etcdctl/v3=$bindir/etcdctl-$v"
}

build_coredns() { # VERSION (v1.11.3)
	local v=$1
	[ -x "$bindir/coredns-$v" ] && return 0
	wrapper_build "coredns-$v" "-X github.com/coredns/coredns/coremain.GitCommit=$v" \
		"github.com/coredns/coredns@$v" -- "github.com/coredns/coredns=$bindir/coredns-$v"
}

build_flanneld() { # VERSION (v0.26.7)
	local v=$1
	[ -x "$bindir/flanneld-$v" ] && return 0
	# Like upstream: cgo (the udp backend's proxy is C), linked statically.
	lab_need gcc
	CGO_ENABLED=1 GOFLAGS="$GOFLAGS -tags=netgo,osusergo" wrapper_build "flannel-$v" \
		"-X github.com/flannel-io/flannel/pkg/version.Version=$v -extldflags -static" \
		"github.com/flannel-io/flannel@$v" -- "github.com/flannel-io/flannel=$bindir/flanneld-$v"
}

build_kube_vip() { # VERSION (v1.0.0)
	local v=$1
	[ -x "$bindir/kube-vip-$v" ] && return 0
	wrapper_build "kube-vip-$v" "" "github.com/kube-vip/kube-vip@$v" -- "github.com/kube-vip/kube-vip=$bindir/kube-vip-$v"
}

# --- Rootfs fragments from Debian packages ---

# fragment NAME ROOT_PACKAGE... builds $cache/layers/NAME-KEY.tar (merged-/usr, owner 0,
# mtime 0, sorted) from the packages and everything they depend on, and prints its path.
# Hook: fragment_fixup_NAME STAGING runs before packing.
fragment() {
	local name=$1
	shift
	local pkgs
	mapfile -t pkgs < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
		--no-breaks --no-replaces --no-enhances "$@" | grep -v '^[ <]' | sort -u)
	[ "${#pkgs[@]}" -ge "$#" ] || die "apt-cache knows none of $* (run apt-get update)"
	local p versions=()
	for p in "${pkgs[@]}"; do
		versions+=("$p=$(apt-cache policy "$p" | awk '$1 == "Candidate:" { print $2 }')")
	done
	local key
	key=$( (printf '%s\n' "${versions[@]}" && declare -f "fragment_fixup_$name") | sha256sum | cut -c1-12)
	local out=$cache/layers/$name-$key.tar
	if [ -f "$out" ]; then
		printf '%s\n' "$out"
		return 0
	fi
	log "building the $name fragment from ${pkgs[*]}"
	(cd "$cache/debs" && apt-get download -q "${versions[@]}") >&2 ||
		die "apt-get download ${versions[*]} failed (run apt-get update?)"
	local staging=$cache/layers/$name-$key.d
	rm -rf "$staging"
	mkdir -p "$staging"
	for p in "${versions[@]}"; do
		local file
		# apt-get download names files NAME_VERSION_ARCH.deb with the epoch colon as %3a.
		file=$(find "$cache/debs" -maxdepth 1 -name "${p%%=*}_$(printf '%s' "${p#*=}" | sed 's/:/%3a/')_*.deb" | head -n 1)
		[ -n "$file" ] || die "downloaded .deb for $p not found in $cache/debs"
		dpkg-deb -x "$file" "$staging"
	done
	# Merged /usr, as on a Debian 12 system: /bin, /sbin, /lib, /lib64 link into /usr.
	local d
	for d in bin sbin lib lib64; do
		if [ -d "$staging/$d" ] && [ ! -L "$staging/$d" ]; then
			mkdir -p "$staging/usr/$d"
			cp -a "$staging/$d/." "$staging/usr/$d/"
			rm -rf "${staging:?}/$d"
		fi
		ln -sfn "usr/$d" "$staging/$d"
	done
	rm -rf "$staging/usr/share/doc" "$staging/usr/share/man" "$staging/usr/share/info" \
		"$staging/usr/share/lintian" "$staging/usr/share/locale" "$staging/usr/share/bug" \
		"$staging/usr/lib/x86_64-linux-gnu/gconv"
	"fragment_fixup_$name" "$staging"
	if [ "$(id -u)" -eq 0 ]; then
		"fragment_check_$name" "$staging"
	else
		log "warning: not root, so the $name fragment's binaries were not test-run with chroot"
	fi
	(cd "$staging" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort >"$out.list")
	tar -C "$staging" --no-recursion --mtime=@0 --owner=0 --group=0 --numeric-owner \
		-cf "$out.tmp" -T "$out.list"
	rm -f "$out.list"
	mv -f "$out.tmp" "$out"
	log "fragment $name: $(du -h "$out" | cut -f1) ($out; unpacked tree kept in $staging)"
	printf '%s\n' "$out"
}

fragment_fixup_netfilter() {
	local root=$1 t
	# What Debian's update-alternatives would do: the nft backend, as on a Debian 12 host.
	for t in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
		ln -sfn "${t/tables/tables-nft}" "$root/usr/sbin/$t"
	done
	mkdir -p "$root/run" "$root/tmp" "$root/var/run"
	chmod 1777 "$root/tmp"
}

fragment_check_netfilter() {
	local root=$1 c
	for c in "iptables-nft --version" "iptables --version" "ip6tables --version" \
		"iptables-save --version" "iptables-restore --version" "ip6tables-restore --version" \
		"iptables-legacy --version" "conntrack --version" "ipset --version"; do
		# shellcheck disable=SC2086 # $c is a command and its arguments
		chroot "$root" /usr/sbin/$c >/dev/null 2>&1 || die "netfilter fragment: '$c' does not run in a chroot"
	done
	log "netfilter fragment: $(chroot "$root" /usr/sbin/iptables --version), $(chroot "$root" /usr/sbin/conntrack --version 2>&1 | head -n 1), $(chroot "$root" /usr/sbin/ipset --version 2>&1 | head -n 1)"
}

fragment_fixup_busybox() {
	local root=$1 a
	for a in sh cp mkdir cat ls rm mv ln echo test sleep; do
		ln -sfn busybox "$root/usr/bin/$a"
	done
}

fragment_check_busybox() {
	chroot "$1" /bin/cp --help >/dev/null 2>&1 || die "busybox fragment: cp does not run in a chroot"
}

# --- Images ---

tools_built=0
build_tools() {
	[ "$tools_built" -eq 1 ] && return 0
	(cd "$LAB_DIR" && go build -trimpath -o "$bindir/labimage" ./cmd/labimage >&2) || die "building labimage failed"
	tools_built=1
}

# image NAME LABIMAGE_ARGS...: builds the image refs[NAME] and pushes it (or writes the layout).
image() {
	local name=$1 ref=${refs[$1]}
	shift
	build_tools
	local dest=(--push "$ref")
	if [ -n "${LAB_OCI_LAYOUT:-}" ]; then
		dest=(--layout "$LAB_OCI_LAYOUT" --tag "$ref")
	elif [ -n "${LAB_REGISTRY:-}" ]; then
		dest=(--push "$LAB_REGISTRY/${ref#*/}")
	fi
	local reg=()
	local ca=${LAB_REGISTRY_CA:-$cache/ca/ca.crt}
	[ -f "$ca" ] && reg+=(--ca "$ca")
	[ "${LAB_REGISTRY_INSECURE:-0}" = 1 ] && reg+=(--insecure)
	[ -n "${LAB_REGISTRY_USER:-}" ] && reg+=(--username "$LAB_REGISTRY_USER")
	local start=$SECONDS
	"$bindir/labimage" "${dest[@]}" "${reg[@]}" --dir /tmp:1777 \
		--label "io.k8sgen.lab.built-by=lab/images.sh" "$@" ||
		die "building or pushing $ref failed"
	log "$ref: ${dest[0]#--} ${dest[1]} done in $((SECONDS - start))s"
}

kubebin() {
	local p
	p=$("$REPO_DIR/hack/kubebin.sh" "$version" "$1") || die "hack/kubebin.sh $version $1 failed"
	printf '%s\n' "$p"
}

if want pause; then
	v=$(tag_of pause)
	(cd "$LAB_DIR" && go build -trimpath -ldflags "-s -w -X main.version=$v" -o "$bindir/pause-$v" ./cmd/pause >&2) ||
		die "building pause failed"
	image pause --file "$bindir/pause-$v:/pause:0755" --entrypoint /pause --user 65535:65535
fi

if want etcd; then
	t=$(tag_of etcd)
	v=v${t%-*}
	build_etcd "$v"
	image etcd --file "$bindir/etcd-$v:/usr/local/bin/etcd:0755" \
		--file "$bindir/etcdctl-$v:/usr/local/bin/etcdctl:0755" \
		--dir /var/etcd --dir /var/lib/etcd:0700 --workdir /var/lib/etcd --cmd /usr/local/bin/etcd
fi

if want coredns; then
	v=$(tag_of coredns)
	build_coredns "$v"
	# Upstream runs it as nonroot with a file capability; this image runs as root and relies on
	# the NET_BIND_SERVICE capability kubeadm's Deployment adds.
	image coredns --file "$bindir/coredns-$v:/coredns:0755" --entrypoint /coredns
fi

for c in kube-apiserver kube-controller-manager kube-scheduler; do
	want "$c" || continue
	bin=$(kubebin "$c")
	image "$c" --file "$bin:/usr/local/bin/$c:0755" --entrypoint "/usr/local/bin/$c"
done

netfilter=""
if want kube-proxy || want flannel; then
	netfilter=$(fragment netfilter iptables conntrack ipset)
fi

if want kube-proxy; then
	bin=$(kubebin kube-proxy)
	image kube-proxy --layer "$netfilter" \
		--file "$bin:/usr/local/bin/kube-proxy:0755" --entrypoint /usr/local/bin/kube-proxy
fi

if want flannel || want lab-cni; then
	busybox=$(fragment busybox busybox-static)
fi

if want lab-cni; then
	(cd "$LAB_DIR" && go build -trimpath -ldflags "-s -w" -o "$bindir/labcni" ./cmd/labcni >&2) ||
		die "building lab/cmd/labcni failed"
	# The manifest's init container copies /flannel into the host's /opt/cni/bin.
	image lab-cni --layer "$busybox" --file "$bindir/labcni:/flannel:0755" --cmd /bin/sh
fi

if want flannel; then
	build_flanneld "$flannel_version"
	image flannel --layer "$netfilter" --layer "$busybox" \
		--file "$bindir/flanneld-$flannel_version:/opt/bin/flanneld:0755" \
		--dir /run/flannel --dir /etc/kube-flannel --entrypoint /opt/bin/flanneld
fi

if want kube-vip; then
	build_kube_vip "$kube_vip_version"
	# ARP mode needs no tools besides its own binary; the manifest's args are [manager].
	image kube-vip --file "$bindir/kube-vip-$kube_vip_version:/kube-vip:0755" --entrypoint /kube-vip
fi
