#!/usr/bin/env bash
# lab/deps.sh: installs the host tools the boot lab needs (Debian/Ubuntu host, root).
# Only packages whose command is missing are installed, with --no-install-recommends.
# Usage: lab/deps.sh            (no flags; exits 0 when everything is present)
set -euo pipefail
LAB_PROG=deps.sh
# shellcheck source=lab/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# command -> Debian package providing it
pairs=(
  qemu-system-x86_64:qemu-system-x86
  qemu-img:qemu-utils
  debootstrap:debootstrap
  cloud-localds:cloud-image-utils
  genisoimage:genisoimage
  ip:iproute2
  mkfs.ext4:e2fsprogs
  flock:util-linux
  tar:tar
  curl:curl
  sha256sum:coreutils
  shellcheck:shellcheck
  dnsmasq:dnsmasq-base
)

missing=()
for pair in "${pairs[@]}"; do
  cmd=${pair%%:*} pkg=${pair#*:}
  if ! command -v "$cmd" >/dev/null 2>&1; then
    missing+=("$pkg")
  fi
done
# QEMU's virtio NIC boots from the network through iPXE's ROM (vm.sh start --pxe).
if [ ! -e /usr/lib/ipxe/qemu/efi-virtio.rom ] && [ ! -e /usr/share/qemu/efi-virtio.rom ]; then
  missing+=(ipxe-qemu)
fi
# The debian archive keyring is needed by debootstrap to check Release signatures.
if [ ! -e /usr/share/keyrings/debian-archive-keyring.gpg ]; then
  missing+=(debian-archive-keyring)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
lab_require_root
command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install ${missing[*]} by hand"
log "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || die "apt-get update failed"
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
  || die "apt-get install ${missing[*]} failed"
