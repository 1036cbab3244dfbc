#!/usr/bin/env bash
# Builds the signed apt repositories that the boot-lab guests install Kubernetes and containerd from,
# and prints their directory.
#
# Usage: lab/pkgs.sh [--check] VERSION     (VERSION such as 1.32.0; a leading "v" is accepted)
#   stdout:  $CACHE/lab/repo-vX.Y.Z (built when missing); logs go to stderr.
#   --check: also serve the directory on 127.0.0.1 and run apt against it the way a guest does
#            (signature checks, madison, dependency resolution, downloads) in a throwaway apt root,
#            and smoke-test the packaged binaries. Exit status 0 means every check passed.
#
# Layout of $CACHE/lab/repo-vX.Y.Z (CACHE=${K8SGEN_CACHE:-$HOME/.cache/k8sgen}):
#   kubernetes/v1.X/deb/   flat repo like pkgs.k8s.io: kubelet kubeadm kubectl cri-tools kubernetes-cni
#                          debs, Packages(.gz), Release, InRelease, Release.gpg, Release.key
#   docker/                like download.docker.com/linux/debian: dists/bookworm/{Release,InRelease,
#                          Release.gpg}, dists/bookworm/stable/binary-amd64/Packages(.gz), pool/..., gpg
#
# Other caches: $CACHE/lab/pkgs-bin/COMPONENT-VERSION/ (built binaries), $CACHE/lab/gpg/ (the throwaway
# signing key, made once per cache), Kubernetes binaries via hack/kubebin.sh ($CACHE/bin).
#
# Environment (defaults in brackets):
#   K8SGEN_LAB_CONTAINERD_VERSION [v2.1.9]  github.com/containerd/containerd/v2 release (2.x)
#   K8SGEN_LAB_RUNC_VERSION       [v1.3.6]  github.com/opencontainers/runc release
#   K8SGEN_LAB_CNI_VERSION        [v1.6.2]  github.com/containernetworking/plugins release
# cri-tools is pinned per Kubernetes minor (crictl_for_minor below) to releases the Go
# module proxy serves; nothing is taken from a checkout.
set -euo pipefail
# Command substitutions fail like everything else. Subshells below are never run under "||" or "if",
# since bash ignores errexit inside those; their EXIT traps report the failure instead.
shopt -s inherit_errexit

prog=lab/pkgs.sh
die() {
	echo "$prog: $*" >&2
	exit 1
}
log() {
	echo "$prog: $*" >&2
}

check=0
if [ "${1:-}" = "--check" ]; then
	check=1
	shift
fi
[ "$#" -eq 1 ] || die "usage: $0 [--check] VERSION (e.g. 1.32.0)"
ver="${1#v}"
[[ "$ver" =~ ^1\.([0-9]+)\.([0-9]+)$ ]] || die "invalid version '$1': want MAJOR.MINOR.PATCH such as 1.32.0"
minor="${BASH_REMATCH[1]}"
tag="v$ver"

containerd_tag="${K8SGEN_LAB_CONTAINERD_VERSION:-v2.1.9}"
runc_tag="${K8SGEN_LAB_RUNC_VERSION:-v1.3.6}"
cni_tag="${K8SGEN_LAB_CNI_VERSION:-v1.6.2}"
for t in "$containerd_tag" "$runc_tag" "$cni_tag"; do
	[[ "$t" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "invalid component version '$t': want vX.Y.Z"
done
[[ "$containerd_tag" == v2.* ]] || die "K8SGEN_LAB_CONTAINERD_VERSION must be a 2.x release (Kubernetes $ver uses containerd 2)"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
debian="$here/debian"
kubebin="$here/../hack/kubebin.sh"
cache="${K8SGEN_CACHE:-$HOME/.cache/k8sgen}"
lab="$cache/lab"
repo="$lab/repo-$tag"
arch=amd64
k8s_debver="$ver-1.1"

[ "$(uname -m)" = x86_64 ] || die "only amd64 hosts are supported (this is $(uname -m))"
command -v flock >/dev/null 2>&1 || die "flock (util-linux) is not on PATH"
mkdir -p "$lab/pkgs-bin" "$cache/locks"

# --- host tools ---------------------------------------------------------------------------------

# need_pkgs installs the Debian packages whose marker file is missing (pairs: package path).
need_pkgs() {
	local missing=() pkg path
	while [ "$#" -ge 2 ]; do
		pkg=$1 path=$2
		shift 2
		[ -e "$path" ] || missing+=("$pkg")
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and apt-get is unavailable"
	[ "$(id -u)" -eq 0 ] || die "missing ${missing[*]}; run as root or install them"
	log "installing ${missing[*]}"
	(
		# apt's own lock serializes installs; a failed update is not fatal when the lists are fresh.
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >&2 || true
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
	) || return 1
}

need_pkgs dpkg-dev /usr/bin/dpkg-scanpackages gnupg /usr/bin/gpg gcc /usr/bin/gcc libc6-dev /usr/lib/x86_64-linux-gnu/libc.a ||
	die "could not install the build tools (dpkg-dev gnupg gcc libc6-dev)"
command -v go >/dev/null 2>&1 || die "go is not on PATH"

# runc's seccomp support links libseccomp statically; without libseccomp-dev runc is built without it.
seccomp=1
if ! need_pkgs libseccomp-dev /usr/lib/x86_64-linux-gnu/libseccomp.a pkg-config /usr/bin/pkg-config; then
	log "warning: libseccomp-dev is unavailable: runc is built without the seccomp tag (no seccomp profiles)"
	seccomp=0
fi

export GOTOOLCHAIN=local GOWORK=off GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0 LC_ALL=C TZ=UTC
umask 022

# --- helpers -----------------------------------------------------------------------------------

# mod_json MODULE@VERSION: prints `go mod download -json`, or fails with the proxy's reason on stderr.
mod_json() {
	local json reason
	if ! json=$(go mod download -json "$1" 2>/dev/null); then
		reason=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Error": "\(.*\)",*$/\1/p' | head -n 1)
		echo "${reason%%\\n*}" >&2
		return 1
	fi
	printf '%s\n' "$json"
}
json_field() { # JSON FIELD
	printf '%s\n' "$1" | sed -n "s/^[[:space:]]*\"$2\": \"\(.*\)\",*\$/\1/p" | head -n 1
}

# module_src MODULE VERSION DEST: copies the module's source into DEST so it builds as the main module,
# which keeps its own go.sum, replace and exclude directives. Vendor trees are dropped (module zips hold
# only vendor/modules.txt); -mod=mod fetches the pinned dependencies from the proxy instead.
module_src() {
	local json dir
	json=$(mod_json "$1@$2") || die "$1@$2 cannot be fetched from the Go module proxy"
	dir=$(json_field "$json" Dir)
	[ -d "$dir" ] || die "go mod download did not report a source directory for $1@$2"
	mkdir -p "$3"
	cp -R "$dir/." "$3/"
	chmod -R u+w "$3"
	rm -rf "$3/vendor"
}

# origin_hash MODULE VERSION: the commit the proxy recorded for a release, when it did.
origin_hash() {
	local info
	info=$(json_field "$(mod_json "$1@$2" 2>/dev/null || true)" Info)
	[ -f "$info" ] && sed -n 's/.*"Hash":"\([0-9a-f]*\)".*/\1/p' "$info" | head -n 1
	return 0
}

# release_epoch MODULE VERSION: the release's commit time as a Unix time (for SOURCE_DATE_EPOCH).
release_epoch() {
	local info t
	info=$(json_field "$(mod_json "$1@$2" 2>/dev/null || true)" Info)
	t=""
	[ -f "$info" ] && t=$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$info" | head -n 1)
	date -u -d "${t:-1970-01-01T00:00:00Z}" +%s
}

# cached NAME VERSION BUILDER: makes $lab/pkgs-bin/NAME-VERSION/ with BUILDER OUTDIR once (locked, built in a
# temp dir and renamed into place) and prints its path.
cached() {
	local out="$lab/pkgs-bin/$1-$2" what="$1 $2" tmp start rc=0
	if [ ! -d "$out" ]; then
		(
			exec 7>"$cache/locks/lab-$1-$2.lock"
			flock 7
			[ -d "$out" ] && exit 0
			tmp="$out.tmp.$$"
			rm -rf "$tmp"
			trap 'rc=$?; rm -rf "$tmp"; [ "$rc" -eq 0 ] || log "building $what failed (see above)"' EXIT
			mkdir -p "$tmp/out"
			start=$(date +%s)
			log "building $what"
			"$3" "$tmp/out" "$tmp/src" "$2"
			mv "$tmp/out" "$out"
			log "built $what in $(($(date +%s) - start))s"
		)
	fi
	echo "$out"
}

# out_has ERE CMD...: whether CMD's output (stdout and stderr, whatever its status) has a line matching
# ERE. Capturing first keeps "grep -q" from cutting the pipe, which pipefail would count as a failure.
out_has() {
	local re=$1 text
	shift
	text=$("$@" </dev/null 2>&1) || true
	grep -Eq -- "$re" <<<"$text"
}

# --- component builders (OUTDIR SRCDIR VERSION) -------------------------------------------------

build_crictl() {
	local out=$1 src=$2 v=$3 mod
	module_src sigs.k8s.io/cri-tools "$v" "$src"
	# A release checkout vendors its dependencies (some pinned to pre-releases the proxy does not serve).
	local modflag=-mod=mod
	if [ -f "$src/vendor/modules.txt" ] && [ -n "$(find "$src/vendor" -mindepth 1 -maxdepth 1 -type d -print -quit)" ]; then
		modflag=-mod=vendor
	else
		rm -rf "$src/vendor"
	fi
	mod=$(awk '$1 == "module" { print $2; exit }' "$src/go.mod")
	(
		cd "$src"
		go build "$modflag" -trimpath -ldflags "-s -w -X $mod/pkg/version.Version=${v#v}" -o "$out/crictl" ./cmd/crictl >&2
	)
	out_has "^crictl version ${v#v}$" "$out/crictl" --version || die "built crictl does not report ${v#v}"
}

build_cni() {
	local out=$1 src=$2 v=$3 d pkgs=()
	module_src github.com/containernetworking/plugins "$v" "$src"
	for d in "$src"/plugins/meta/* "$src"/plugins/main/* "$src"/plugins/ipam/*; do
		[ -d "$d" ] && [ "${d##*/}" != windows ] && pkgs+=("./${d#"$src"/}")
	done
	(
		cd "$src"
		go build -trimpath -ldflags "-s -w -X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=$v" -o "$out/" "${pkgs[@]}" >&2
	)
	for d in bridge host-local loopback portmap; do
		[ -x "$out/$d" ] || die "CNI plugin $d was not built"
	done
	CNI_COMMAND=VERSION out_has "supportedVersions" "$out/bridge" || die "built CNI bridge does not answer VERSION"
	out_has "$v" "$out/bridge" || die "built CNI bridge does not report $v"
}

build_containerd() {
	local out=$1 src=$2 v=$3 p=github.com/containerd/containerd/v2 rev
	module_src "$p" "$v" "$src"
	rev=$(origin_hash "$p" "$v")
	# Static and cgo-free like upstream's shim; btrfs needs cgo headers, so its snapshotter is left out.
	(
		cd "$src"
		go build -trimpath -tags "urfave_cli_no_docs no_btrfs osusergo netgo" \
			-ldflags "-s -w -X $p/version.Version=$v -X $p/version.Revision=$rev -X $p/version.Package=$p" \
			-o "$out/" ./cmd/containerd ./cmd/containerd-shim-runc-v2 ./cmd/ctr >&2
	)
	out_has " $v " "$out/containerd" --version || die "built containerd does not report $v"
	out_has " $v$" "$out/ctr" --version || die "built ctr does not report $v"
	out_has "$v" "$out/containerd-shim-runc-v2" -v || die "built containerd-shim-runc-v2 does not report $v"
}

build_runc() {
	local out=$1 src=$2 v=$3 tags="urfave_cli_no_docs netgo osusergo" rev
	module_src github.com/opencontainers/runc "$v" "$src"
	rev=$(origin_hash github.com/opencontainers/runc "$v")
	[ "$seccomp" -eq 1 ] && tags="seccomp $tags"
	# runc's nsenter is C, so cgo is required; link everything (libseccomp included) statically.
	(
		cd "$src"
		CGO_ENABLED=1 go build -trimpath -tags "$tags" \
			-ldflags "-s -w -X main.gitCommit=$rev -extldflags -static" -o "$out/runc" . >&2
	)
	out_has "^runc version ${v#v}$" "$out/runc" --version || die "built runc does not report ${v#v}"
	if [ "$seccomp" -eq 1 ]; then
		out_has '^libseccomp: ' "$out/runc" --version || die "built runc lacks libseccomp"
	fi
}

# --- inputs ------------------------------------------------------------------------------------

# cri-tools, pinned: the Go module proxy serves v1.30.0, v1.34.0 and v1.37.0 of it, not every
# v1.MINOR.0. crictl talks the CRI v1 API, so the newest pinned release not newer than the
# cluster's minor is used (kubeadm itself no longer runs crictl).
crictl_for_minor() {
	if [ "$1" -ge 37 ]; then
		echo v1.37.0
	elif [ "$1" -ge 34 ]; then
		echo v1.34.0
	else
		echo v1.30.0
	fi
}
cri_tag=$(crictl_for_minor "$minor")

crictl_dir=$(cached crictl "$cri_tag" build_crictl)
cni_dir=$(cached cni "$cni_tag" build_cni)
containerd_dir=$(cached containerd "$containerd_tag" build_containerd)
runc_dir=$(cached runc "$runc_tag" build_runc)

# Kubernetes binaries (each cached by hack/kubebin.sh). kubeadm is built with the Go
# release upstream built it with: kubeadm 1.32.0's preflight fails under Go >= 1.24.8
# (found by the boot lab: "[ERROR HTTPProxyCIDR]: ... invalid IP-literal").
declare -A kbin
for c in kubelet kubeadm kubectl; do
	kgo=local
	[ "$c" = kubeadm ] && kgo=upstream
	kbin[$c]=$(K8SGEN_KUBE_GO=$kgo "$kubebin" "$ver" "$c") || die "hack/kubebin.sh $ver $c failed"
done

# --- signing key -------------------------------------------------------------------------------

gpgdir="$lab/gpg"
if [ ! -f "$gpgdir/key.asc" ]; then
	(
		exec 7>"$cache/locks/lab-gpg.lock"
		flock 7
		[ -f "$gpgdir/key.asc" ] && exit 0
		tmp="$gpgdir.tmp.$$"
		rm -rf "$tmp"
		rc=0
		trap 'rc=$?; gpgconf --homedir "$tmp" --kill all >/dev/null 2>&1 || true; rm -rf "$tmp"; [ "$rc" -eq 0 ] || log "could not generate the signing key"' EXIT
		mkdir -m 700 "$tmp"
		log "generating the throwaway repository signing key in $gpgdir"
		gpg --homedir "$tmp" --batch --quiet --pinentry-mode loopback --passphrase '' \
			--quick-generate-key "k8sgen boot lab apt repositories (throwaway) <lab@k8sgen.invalid>" ed25519 sign never >&2
		gpg --homedir "$tmp" --batch --armor --export >"$tmp/key.asc"
		gpgconf --homedir "$tmp" --kill all >/dev/null 2>&1 || true
		rm -rf "$gpgdir"
		mv "$tmp" "$gpgdir"
	)
fi

# sign DIR: writes DIR/InRelease and DIR/Release.gpg for DIR/Release.
sign() {
	(
		exec 7>"$cache/locks/lab-gpg.lock"
		flock 7
		local what="$1/Release" rc=0
		trap 'rc=$?; gpgconf --homedir "$gpgdir" --kill all >/dev/null 2>&1 || true; [ "$rc" -eq 0 ] || log "signing $what failed"' EXIT
		local g=(gpg --homedir "$gpgdir" --batch --yes --quiet --pinentry-mode loopback --passphrase '' --digest-algo SHA512)
		"${g[@]}" --clearsign -o "$1/InRelease" "$1/Release"
		"${g[@]}" --armor --detach-sign -o "$1/Release.gpg" "$1/Release"
	)
}

# --- packages ----------------------------------------------------------------------------------

# The Kubernetes release time fixes every timestamp, so the same inputs give the same debs.
export SOURCE_DATE_EPOCH
SOURCE_DATE_EPOCH=$(release_epoch k8s.io/kubernetes "$tag")

# make_deb TEMPLATE VERSION UPSTREAM STAGE OUTDIR [MAINTSCRIPT...]: builds OUTDIR/NAME_VERSION_ARCH.deb
# from the files under STAGE and lab/debian/control/TEMPLATE.
make_deb() {
	local name=$1 v=$2 up=$3 stage=$4 outdir=$5 size s
	shift 5
	mkdir -p "$stage/DEBIAN"
	size=$(du -sk --apparent-size "$stage" | cut -f1)
	sed -e "s/@VERSION@/$v/g" -e "s/@ARCH@/$arch/g" -e "s/@INSTALLED_SIZE@/$size/g" -e "s/@UPSTREAM@/$up/g" \
		-e "s/@PREV_MINOR@/1.$((minor - 1))/g" -e "s/@RUNC_VERSION@/runc ${runc_tag#v}/g" \
		"$debian/control/$name" >"$stage/DEBIAN/control"
	grep -q '@[A-Z_]*@' "$stage/DEBIAN/control" && die "unsubstituted placeholder in $debian/control/$name"
	for s in "$@"; do
		install -m 0755 "$debian/scripts/systemd-reload" "$stage/DEBIAN/$s"
	done
	find "$stage" -type d -exec chmod 0755 {} +
	find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	dpkg-deb --root-owner-group -Zgzip -z1 --build "$stage" "$outdir/${name}_${v}_$arch.deb" >/dev/null
}

# release_file ORIGIN LABEL SUITE COMPONENTS DESCRIPTION INDEX...: a Release over INDEX files (relative to cwd).
release_file() {
	local origin=$1 label=$2 suite=$3 comps=$4 desc=$5 f algo
	shift 5
	echo "Origin: $origin"
	echo "Label: $label"
	if [ -n "$suite" ]; then
		echo "Suite: $suite"
		echo "Codename: $suite"
	fi
	echo "Date: $(date -u -R -d "@$SOURCE_DATE_EPOCH" | sed 's/+0000$/UTC/')"
	echo "Architectures: $arch"
	[ -n "$comps" ] && echo "Components: $comps"
	echo "Description: $desc"
	for algo in MD5Sum:md5sum SHA1:sha1sum SHA256:sha256sum SHA512:sha512sum; do
		echo "${algo%%:*}:"
		for f in "$@"; do
			printf ' %s %16d %s\n' "$("${algo#*:}" "$f" | cut -d' ' -f1)" "$(stat -c %s "$f")" "$f"
		done
	done
}

build_repo() {
	local tmp=$1 st k8s docker pool c
	st="$tmp/stage"
	k8s="$tmp/repo/kubernetes/v1.$minor/deb"
	docker="$tmp/repo/docker"
	pool="$docker/pool/stable/c/containerd.io"
	mkdir -p "$k8s" "$pool" "$docker/dists/bookworm/stable/binary-$arch"

	# Kubernetes packages, laid out like pkgs.k8s.io's.
	install -D -m 0755 "${kbin[kubelet]}" "$st/kubelet/usr/bin/kubelet"
	install -D -m 0644 "$debian/systemd/kubelet.service" "$st/kubelet/usr/lib/systemd/system/kubelet.service"
	make_deb kubelet "$k8s_debver" "$tag" "$st/kubelet" "$k8s" postinst postrm

	install -D -m 0755 "${kbin[kubeadm]}" "$st/kubeadm/usr/bin/kubeadm"
	install -D -m 0644 "$debian/systemd/10-kubeadm.conf" "$st/kubeadm/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"
	make_deb kubeadm "$k8s_debver" "$tag" "$st/kubeadm" "$k8s" postinst postrm

	install -D -m 0755 "${kbin[kubectl]}" "$st/kubectl/usr/bin/kubectl"
	make_deb kubectl "$k8s_debver" "$tag" "$st/kubectl" "$k8s"

	install -D -m 0755 "$crictl_dir/crictl" "$st/cri-tools/usr/bin/crictl"
	make_deb cri-tools "${cri_tag#v}-1.1" "$cri_tag" "$st/cri-tools" "$k8s"

	mkdir -p "$st/kubernetes-cni/opt/cni/bin"
	for c in "$cni_dir"/*; do
		install -m 0755 "$c" "$st/kubernetes-cni/opt/cni/bin/"
	done
	make_deb kubernetes-cni "${cni_tag#v}-1.1" "$cni_tag" "$st/kubernetes-cni" "$k8s"

	# containerd.io, laid out like Docker's.
	for c in containerd containerd-shim-runc-v2 ctr; do
		install -D -m 0755 "$containerd_dir/$c" "$st/containerd.io/usr/bin/$c"
	done
	install -D -m 0755 "$runc_dir/runc" "$st/containerd.io/usr/bin/runc"
	install -D -m 0644 "$debian/systemd/containerd.service" "$st/containerd.io/usr/lib/systemd/system/containerd.service"
	make_deb containerd.io "${containerd_tag#v}-1" "$containerd_tag" "$st/containerd.io" "$pool" postinst postrm

	# Indexes and signatures. Release lists only the indexes, so it is written before the key files.
	(
		cd "$k8s"
		dpkg-scanpackages --multiversion . /dev/null 2>/dev/null >Packages
		gzip -9n <Packages >Packages.gz
		release_file "k8sgen boot lab" "k8sgen boot lab kubernetes v1.$minor" "" "" \
			"Kubernetes v1.$minor packages for the k8sgen boot lab" Packages Packages.gz >"$tmp/Release"
		mv "$tmp/Release" Release
	)
	sign "$k8s"
	install -m 0644 "$gpgdir/key.asc" "$k8s/Release.key"

	(
		cd "$docker"
		dpkg-scanpackages --multiversion pool/stable /dev/null 2>/dev/null >"dists/bookworm/stable/binary-$arch/Packages"
		gzip -9n <"dists/bookworm/stable/binary-$arch/Packages" >"dists/bookworm/stable/binary-$arch/Packages.gz"
		cd dists/bookworm
		release_file "k8sgen boot lab" "k8sgen boot lab containerd" bookworm stable \
			"containerd.io for the k8sgen boot lab (Docker's repository layout)" \
			"stable/binary-$arch/Packages" "stable/binary-$arch/Packages.gz" >Release
	)
	sign "$docker/dists/bookworm"
	install -m 0644 "$gpgdir/key.asc" "$docker/gpg"

	[ "$(grep -c '^Package:' "$k8s/Packages")" -eq 5 ] || die "the kubernetes Packages index does not list 5 packages"
	grep -q '^Package: containerd.io$' "$docker/dists/bookworm/stable/binary-$arch/Packages" ||
		die "the docker Packages index does not list containerd.io"
}

# The repo records what it was built from; other inputs (say a newer crictl) rebuild it.
inputs="layout=3 kubeadm-go=upstream kubernetes=$tag cri-tools=$cri_tag cni=$cni_tag containerd=$containerd_tag runc=$runc_tag seccomp=$seccomp"
if [ "$(cat "$repo/.inputs" 2>/dev/null)" != "$inputs" ]; then
	(
		exec 7>"$cache/locks/lab-repo-$tag.lock"
		flock 7
		[ "$(cat "$repo/.inputs" 2>/dev/null)" = "$inputs" ] && exit 0
		tmp="$lab/repo-$tag.tmp.$$"
		rm -rf "$tmp"
		rc=0
		trap 'rc=$?; rm -rf "$tmp"; [ "$rc" -eq 0 ] || log "building $repo failed (see above)"' EXIT
		start=$(date +%s)
		build_repo "$tmp"
		echo "$inputs" >"$tmp/repo/.inputs"
		if [ -d "$repo" ]; then
			mv "$repo" "$tmp/old"
		fi
		mv "$tmp/repo" "$repo"
		log "built $repo in $(($(date +%s) - start))s ($inputs)"
	)
fi

# --- check -------------------------------------------------------------------------------------

# run_check: what a guest does, against this host's loopback, in an apt root of its own.
# Its temp dir and server outlive the function until the script exits, so they are globals.
check_tmp=""
check_pid=""
run_check() {
	local t port a status preinst v_k8s v_ctd
	trap 'if [ -n "$check_pid" ]; then kill "$check_pid" 2>/dev/null || true; fi; [ -z "$check_tmp" ] || rm -rf "$check_tmp"' EXIT
	check_tmp=$(mktemp -d)
	t=$check_tmp

	# The http.server picks a free port and reports it.
	# Run the interpreter itself, not a wrapper such as a pyenv shim, so $! is the server's pid.
	local py
	py=$(python3 -c 'import sys; print(sys.executable)')
	"$py" -u -m http.server 0 --bind 127.0.0.1 --directory "$repo" >"$t/http.log" 2>&1 &
	check_pid=$!
	port=""
	for _ in $(seq 50); do
		port=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$t/http.log" | head -n 1)
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ] || die "check: python3 http.server did not start: $(cat "$t/http.log")"
	local base="http://127.0.0.1:$port"
	log "check: serving $repo at $base"

	mkdir -p "$t/etc/apt/sources.list.d" "$t/etc/apt/preferences.d" "$t/etc/apt/apt.conf.d" \
		"$t/etc/apt/trusted.gpg.d" "$t/keyrings" "$t/state/lists/partial" "$t/cache/archives/partial"
	curl -fsSL -o "$t/keyrings/kubernetes.asc" "$base/kubernetes/v1.$minor/deb/Release.key"
	curl -fsSL -o "$t/keyrings/docker-ce.asc" "$base/docker/gpg"
	cat >"$t/etc/apt/sources.list" <<-EOF
		deb [signed-by=$t/keyrings/kubernetes.asc] $base/kubernetes/v1.$minor/deb/ /
		deb [signed-by=$t/keyrings/docker-ce.asc] $base/docker bookworm stable
	EOF

	# dpkg status of the guest image: only the preinstalled packages (versions as Debian 12 has them).
	preinst=(iptables ebtables conntrack ethtool socat iproute2 util-linux mount kmod curl ca-certificates gnupg chrony ipset ipvsadm)
	status="$t/state/status"
	: >"$status"
	for p in "${preinst[@]}"; do
		v=$(apt-cache policy "$p" 2>/dev/null | sed -n 's/^  Candidate: //p')
		[ -z "$v" ] || [ "$v" = "(none)" ] && v=$(dpkg-query -W -f '${Version}' "$p" 2>/dev/null || true)
		[ -n "$v" ] || die "check: cannot tell the Debian 12 version of $p (run apt-get update)"
		printf 'Package: %s\nStatus: install ok installed\nPriority: optional\nArchitecture: %s\nVersion: %s\nMaintainer: none\nDescription: preinstalled on the guest image\n\n' \
			"$p" "$arch" "$v" >>"$status"
	done

	a=(apt-get -q -o "Dir::Etc=$t/etc/apt" -o "Dir::Etc::sourcelist=$t/etc/apt/sources.list"
		-o "Dir::Etc::sourceparts=$t/etc/apt/sources.list.d" -o "Dir::Etc::preferencesparts=$t/etc/apt/preferences.d"
		-o "Dir::Etc::trustedparts=$t/etc/apt/trusted.gpg.d" -o "Dir::State=$t/state" -o "Dir::State::status=$status"
		-o "Dir::Cache=$t/cache" -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root" -o "APT::Architecture=$arch"
		-o "APT::Architectures=$arch" -o "Acquire::Languages=none")
	local ac=(apt-cache "${a[@]:1}")

	log "check: apt-get update (verifies InRelease against the signed-by keys)"
	"${a[@]}" update >"$t/update.log" 2>&1 || die "check: apt-get update failed: $(cat "$t/update.log")"
	if grep -E '^(W|E):' "$t/update.log" >&2; then
		die "check: apt-get update reported warnings or errors (above)"
	fi
	grep -E '^(Get|Hit)' "$t/update.log" >&2

	v_k8s=$("${ac[@]}" madison kubeadm 2>&1 | awk -F'|' 'NR == 1 { gsub(/ /, "", $2); print $2 }')
	[[ "$v_k8s" == "$ver"-* ]] || die "check: apt-cache madison kubeadm shows '$v_k8s', want $ver-*"
	v_ctd=$("${ac[@]}" madison containerd.io 2>&1 | awk -F'|' 'NR == 1 { gsub(/ /, "", $2); print $2 }')
	[[ "$v_ctd" == 2.* ]] || die "check: apt-cache madison containerd.io shows '$v_ctd', want 2.*"
	"${ac[@]}" madison kubeadm kubelet kubectl cri-tools kubernetes-cni containerd.io >&2

	log "check: resolving the guest's install with only the repos and the preinstalled packages"
	"${a[@]}" install -s --no-install-recommends "kubelet=$v_k8s" "kubeadm=$v_k8s" "kubectl=$v_k8s" "containerd.io=$v_ctd" \
		>"$t/sim.log" 2>&1 || die "check: apt-get install -s failed: $(cat "$t/sim.log")"
	grep '^Inst ' "$t/sim.log" >&2
	for p in kubelet kubeadm kubectl cri-tools kubernetes-cni containerd.io; do
		grep -q "^Inst $p " "$t/sim.log" || die "check: the simulated install does not install $p"
	done
	[ "$(grep -c '^Inst ' "$t/sim.log")" -eq 6 ] || die "check: the simulated install pulls packages beyond the six expected"

	log "check: downloading the packages (hash checks against the signed indexes)"
	"${a[@]}" install -y --download-only --no-install-recommends "kubelet=$v_k8s" "kubeadm=$v_k8s" "kubectl=$v_k8s" \
		"containerd.io=$v_ctd" >"$t/dl.log" 2>&1 || die "check: apt-get install --download-only failed: $(cat "$t/dl.log")"
	[ "$(find "$t/cache/archives" -name '*.deb' | wc -l)" -eq 6 ] || die "check: expected 6 downloaded debs"

	log "check: unpacking the downloaded debs and running their binaries"
	local root="$t/root" d
	for d in "$t"/cache/archives/*.deb; do
		dpkg-deb -x "$d" "$root"
	done
	for f in usr/bin/kubelet usr/bin/kubeadm usr/bin/kubectl usr/bin/crictl usr/bin/containerd usr/bin/containerd-shim-runc-v2 \
		usr/bin/ctr usr/bin/runc opt/cni/bin/bridge opt/cni/bin/host-local opt/cni/bin/loopback opt/cni/bin/portmap \
		usr/lib/systemd/system/kubelet.service usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf \
		usr/lib/systemd/system/containerd.service; do
		[ -e "$root/$f" ] || die "check: /$f is missing from the packages"
	done
	out_has "^Kubernetes $tag$" "$root/usr/bin/kubelet" --version || die "check: kubelet does not report $tag"
	out_has "^$tag$" "$root/usr/bin/kubeadm" version -o short || die "check: kubeadm does not report $tag"
	out_has "^Client Version: $tag$" "$root/usr/bin/kubectl" version --client || die "check: kubectl does not report $tag"
	out_has " v${v_ctd%-*} " "$root/usr/bin/containerd" --version || die "check: containerd does not report v${v_ctd%-*}"
	out_has "^runc version ${runc_tag#v}$" "$root/usr/bin/runc" --version || die "check: runc does not report ${runc_tag#v}"
	{
		"$root/usr/bin/kubelet" --version
		"$root/usr/bin/kubeadm" version -o short
		"$root/usr/bin/kubectl" version --client
		"$root/usr/bin/crictl" --version
		"$root/usr/bin/containerd" --version
		"$root/usr/bin/ctr" --version
		"$root/usr/bin/containerd-shim-runc-v2" -v
		"$root/usr/bin/runc" --version
		CNI_COMMAND=VERSION "$root/opt/cni/bin/portmap" </dev/null
		echo
	} >&2
	if command -v systemd-analyze >/dev/null 2>&1; then
		# systemd-analyze verify resolves ExecStart paths on this host; check syntax only.
		for u in kubelet.service containerd.service; do
			systemd-analyze verify --man=no "$root/usr/lib/systemd/system/$u" 2>&1 | grep -v 'is not executable\|No such file\|Command .* is not' >&2 || true
		done
	fi
	log "check: OK (kubeadm $v_k8s, containerd.io $v_ctd)"
}

if [ "$check" -eq 1 ]; then
	command -v python3 >/dev/null 2>&1 || die "check: python3 is not on PATH"
	command -v curl >/dev/null 2>&1 || die "check: curl is not on PATH"
	run_check
fi

echo "$repo"
