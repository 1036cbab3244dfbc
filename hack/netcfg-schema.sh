#!/usr/bin/env bash
# Prints the path of cloud-init's JSON schema for network-config version 2,
# which the consumer tests check every rendered network-config against.
# Debian 12's cloud-init (22.4) has no such schema, so it comes from the
# cloud-init package of Debian 13 (trixie), downloaded from Debian's archive
# with apt (which checks the archive's signature) into a private apt state,
# without installing it.
#
# Usage: hack/netcfg-schema.sh
# Cache: ${K8SGEN_CACHE:-$HOME/.cache/k8sgen}/schemas/cloud-init-trixie/ (the
# file, and the package it came from in "source"); logs go to stderr, stdout
# is only the path.
set -euo pipefail

die() {
	echo "netcfg-schema.sh: $*" >&2
	exit 1
}

cache="${K8SGEN_CACHE:-$HOME/.cache/k8sgen}"
dir="$cache/schemas/cloud-init-trixie"
out="$dir/schema-network-config-v2.json"
member=./usr/lib/python3/dist-packages/cloudinit/config/schemas/schema-network-config-v2.json

for tool in apt-get dpkg-deb tar flock; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is not on PATH"
done
mkdir -p "$dir" "$cache/locks"
exec 9>"$cache/locks/netcfg-schema.lock"
flock 9
if [ -s "$out" ]; then
	echo "$out"
	exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/pkg"
echo "deb http://deb.debian.org/debian trixie main" > "$work/sources.list"
opts=(-o "Dir::Etc::sourcelist=$work/sources.list" -o Dir::Etc::sourceparts=/dev/null
	-o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o Debug::NoLocking=1
	-o APT::Sandbox::User=root)
echo "netcfg-schema.sh: downloading cloud-init from Debian trixie for its network-config schema" >&2
apt-get "${opts[@]}" update -qq >&2 || die "apt-get update (trixie) failed"
(cd "$work/pkg" && apt-get "${opts[@]}" download cloud-init >&2) || die "apt-get download cloud-init failed"
deb=$(find "$work/pkg" -name 'cloud-init_*_all.deb' | head -n 1)
[ -n "$deb" ] || die "no cloud-init package was downloaded"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/pkg" "$member" || die "$(basename "$deb") has no $member"
install -m 0644 "$work/pkg/$member" "$out.tmp"
basename "$deb" > "$dir/source"
mv "$out.tmp" "$out"
echo "$out"
