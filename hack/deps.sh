#!/usr/bin/env bash
# Installs the external tools the consumer checks need (cloud-init, shellcheck,
# haproxy and keepalived for their configuration and failover tests, with curl and
# iproute2's ip for the latter; gcc and libblkid-dev to build ignition-apply,
# hack/ignition.sh, netplan.io, whose parser checks every rendered
# network-config, and genisoimage for isoinfo, which reads every seed.iso back)
# when missing.
set -euo pipefail

missing=()
command -v cloud-init >/dev/null 2>&1 || missing+=(cloud-init)
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
command -v keepalived >/dev/null 2>&1 || missing+=(keepalived)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
[ -f /usr/include/blkid/blkid.h ] || missing+=(libblkid-dev)
command -v netplan >/dev/null 2>&1 || missing+=(netplan.io)
command -v isoinfo >/dev/null 2>&1 || missing+=(genisoimage)

if [ "${#missing[@]}" -eq 0 ]; then
	exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps.sh: missing ${missing[*]} and apt-get is unavailable; install them manually" >&2
	exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo=(sudo)
	else
		echo "deps.sh: missing ${missing[*]}; need root (or sudo) to install" >&2
		exit 1
	fi
fi

echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq >&2
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2

for tool in "${missing[@]}"; do
	case $tool in
	iproute2) tool=ip ;;
	netplan.io) tool=netplan ;;
	genisoimage) tool=isoinfo ;;
	libblkid-dev)
		[ -f /usr/include/blkid/blkid.h ] || { echo "deps.sh: libblkid-dev still missing after install" >&2; exit 1; }
		continue
		;;
	esac
	command -v "$tool" >/dev/null 2>&1 || { echo "deps.sh: $tool still missing after install" >&2; exit 1; }
done
