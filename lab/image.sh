#!/usr/bin/env bash
# lab/image.sh: prints the directory of the cached Debian 12 (bookworm, amd64) boot lab
# guest image, building it first when it is missing.
#
# Usage: lab/image.sh            (root; no arguments)
# Env:   K8SGEN_CACHE            cache root (default ~/.cache/k8sgen)
#        LAB_MIRROR              Debian mirror to debootstrap from (default: deb.debian.org
#                                if reachable, else the host's apt sources)
#
# Output: $K8SGEN_CACHE/lab/image/debian-12-<hash>/ with
#   root.img    raw ext4, 10 GiB sparse, label "root" (boot with root=/dev/vda)
#   vmlinuz     Debian cloud kernel
#   initrd.img  its initramfs
#   build.log   the build's log;  packages.txt  dpkg -l of the guest
# <hash> covers the package list, this script and lab/guest/*: change any of them
# and the next call builds a new image. Builds run in a temporary directory under a
# lock and are renamed into place, so concurrent callers wait and reuse one build.
#
# The guest is an air-gapped machine: no apt sources, no SSH server, root locked, no
# systemd-resolved. Networking: systemd-networkd, configured by cloud-init's networkd
# renderer from the NoCloud network-config (lab/guest/90-k8sgen-lab.cfg);
# k8sgen-lab-resolv copies networkd's DNS servers into /etc/resolv.conf. The boot lab
# probe (lab/guest/k8sgen-lab-probe*) runs after cloud-final.service.
# /var/cache/k8sgen-lab/ holds the systemd-timesyncd package, downloaded, not installed.
set -euo pipefail
LAB_PROG=image.sh
# shellcheck source=lab/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SUITE=bookworm
IMAGE_SIZE=10G
# Everything k8sgen's bootstrap and the Kubernetes/containerd packages need, since the
# guest has no apt sources once built.
PACKAGES=(
  linux-image-cloud-amd64 systemd-sysv udev dbus cloud-init python3-cffi-backend
  iproute2 iputils-ping kmod procps util-linux mount e2fsprogs
  curl ca-certificates gnupg gpgv chrony
  iptables ebtables conntrack ethtool socat ipset ipvsadm
  locales
)
GUEST_FILES=(k8sgen-lab-probe k8sgen-lab-probe.service k8sgen-lab-probe-early.service k8sgen-lab-resolv k8sgen-lab-resolv.service 90-k8sgen-lab.cfg)

# build_rootfs ROOT MIRROR: runs in a private mount namespace (see main), so nothing it
# mounts can outlive it or show on the host.
build_rootfs() {
  local root=$1 mirror=$2 f
  log "debootstrap $SUITE from $mirror"
  debootstrap --variant=minbase --arch=amd64 --components=main "$SUITE" "$root" "$mirror" \
    || die "debootstrap failed (see build.log)"

  {
    echo "deb $mirror $SUITE main"
    echo "deb $mirror $SUITE-updates main"
    if [ -n "${SECURITY_MIRROR:-}" ]; then
      echo "deb $SECURITY_MIRROR $SUITE-security main"
    fi
  } > "$root/etc/apt/sources.list"
  # No daemon may start inside the chroot.
  printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
  chmod 0755 "$root/usr/sbin/policy-rc.d"

  mount -t proc proc "$root/proc"
  mount -t sysfs sysfs "$root/sys"
  mount --bind /dev "$root/dev"
  mount --bind /dev/pts "$root/dev/pts"
  mount -t tmpfs tmpfs "$root/run"

  log "installing ${#PACKAGES[@]} packages"
  chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C apt-get update -q \
    || die "apt-get update in the guest failed"
  chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C \
    apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" \
    || die "apt-get install in the guest failed"
  chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C apt-get -y -q dist-upgrade \
    || die "apt-get dist-upgrade in the guest failed"
  if chroot "$root" dpkg -l | awk '/^.[^i]/ && NR > 5 { bad = 1 } END { exit !bad }'; then
    chroot "$root" dpkg -l | awk 'NR > 5 && /^.[^i]/' >&2
    die "some guest packages are not fully installed"
  fi
  chroot "$root" dpkg -s systemd-resolved >/dev/null 2>&1 && die "systemd-resolved got installed"
  # Not installed (it conflicts with chrony): the Ignition stage (lab/hostprep.sh with
  # LAB_OS=flatcar) swaps chrony for it, since Flatcar keeps time with timesyncd. Same
  # sources and moment as systemd itself, so its version matches.
  mkdir -p "$root/var/cache/k8sgen-lab"
  chroot "$root" sh -c 'cd /var/cache/k8sgen-lab && LC_ALL=C apt-get download -q systemd-timesyncd' \
    || die "apt-get download systemd-timesyncd in the guest failed"

  log "configuring the guest"
  echo "en_US.UTF-8 UTF-8" > "$root/etc/locale.gen"
  chroot "$root" locale-gen >/dev/null
  echo "LANG=en_US.UTF-8" > "$root/etc/default/locale"

  echo "LABEL=root / ext4 defaults,errors=remount-ro 0 1" > "$root/etc/fstab"
  # A swap file, as many installed machines have: k8sgen must turn it off for good.
  # Not zeros: mkfs.ext4 -d stores all-zero blocks as holes, and swapon refuses a swap
  # file with holes ("skipping - it appears to have holes").
  dd if=/dev/zero bs=1M count=64 status=none | tr '\0' '\377' > "$root/swapfile"
  chmod 0600 "$root/swapfile"
  mkswap "$root/swapfile" >/dev/null
  echo "/swapfile none swap sw 0 0" >> "$root/etc/fstab"
  echo localhost > "$root/etc/hostname"
  printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' > "$root/etc/hosts"
  chroot "$root" passwd -l root >/dev/null

  for f in "${GUEST_FILES[@]}"; do
    case $f in
      *.service) install -m 0644 "$LAB_DIR/guest/$f" "$root/etc/systemd/system/$f" ;;
      *.cfg) install -m 0644 "$LAB_DIR/guest/$f" "$root/etc/cloud/cloud.cfg.d/$f" ;;
      *) install -m 0755 "$LAB_DIR/guest/$f" "$root/usr/local/sbin/$f" ;;
    esac
  done
  chroot "$root" systemctl enable systemd-networkd.service k8sgen-lab-resolv.service \
    k8sgen-lab-probe.service k8sgen-lab-probe-early.service >/dev/null 2>&1 || die "systemctl enable failed"
  chroot "$root" systemctl mask apt-daily.timer apt-daily-upgrade.timer >/dev/null 2>&1 \
    || die "systemctl mask failed"

  chroot "$root" dpkg -l > "$root/../packages.txt"

  # Air gap: no sources, no lists, no caches; unique identity per boot.
  rm -f "$root/etc/apt/sources.list" "$root/usr/sbin/policy-rc.d"
  find "$root/etc/apt/sources.list.d" -mindepth 1 -delete
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin \
    "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old \
    "$root"/var/log/apt/* "$root"/var/log/dpkg.log "$root"/var/log/bootstrap.log \
    "$root"/var/lib/cloud "$root"/tmp/* "$root"/var/tmp/*
  : > "$root/etc/machine-id"
  rm -f "$root/var/lib/dbus/machine-id" "$root/etc/resolv.conf"
  : > "$root/etc/resolv.conf"
}

# pick_mirror prints a reachable Debian mirror for $SUITE.
pick_mirror() {
  local m uris
  if [ -n "${LAB_MIRROR:-}" ]; then
    printf '%s\n' "${LAB_MIRROR%/}"
    return
  fi
  # deb.debian.org first, then what the host's apt uses.
  uris=$(
    echo http://deb.debian.org/debian
    { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } \
      | awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; break } }'
    { cat /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } \
      | awk '$1 == "URIs:" { for (i = 2; i <= NF; i++) print $i }'
  )
  for m in $uris; do
    m=${m%/}
    case $m in *-security) continue ;; esac
    if curl -fsS -o /dev/null --max-time 15 "$m/dists/$SUITE/Release" 2>/dev/null; then
      printf '%s\n' "$m"
      return
    fi
  done
  die "no reachable Debian mirror with $SUITE (tried: $(echo "$uris" | tr '\n' ' ')); set LAB_MIRROR"
}

inputs_hash() {
  local f
  {
    printf 'suite=%s size=%s packages=%s\n' "$SUITE" "$IMAGE_SIZE" "${PACKAGES[*]}"
    printf '== image.sh\n'
    cat "$LAB_DIR/image.sh"
    for f in "${GUEST_FILES[@]}"; do
      [ -f "$LAB_DIR/guest/$f" ] || die "missing guest file lab/guest/$f"
      printf '== guest/%s\n' "$f"
      cat "$LAB_DIR/guest/$f"
    done
  } | sha256sum | cut -c1-12
}

main() {
  local cache hash final tmp mirror start
  cache=$(lab_cache)/image
  mkdir -p "$cache"
  hash=$(inputs_hash)
  final="$cache/debian-12-$hash"
  if [ -f "$final/root.img" ]; then
    printf '%s\n' "$final"
    return
  fi

  lab_require_root
  "$LAB_DIR/deps.sh"
  lab_need debootstrap mkfs.ext4 flock unshare chroot curl
  exec 9>"$cache/.build.lock"
  if ! flock -n 9; then
    log "waiting for another image build to finish"
    flock 9
  fi
  if [ -f "$final/root.img" ]; then
    printf '%s\n' "$final"
    return
  fi
  # Left over by builds that died: nobody else builds while we hold the lock.
  find "$cache" -maxdepth 1 -name '.tmp-*' -exec rm -rf {} +

  start=$(date +%s)
  tmp=$(mktemp -d "$cache/.tmp-debian-12-$hash.XXXXXX")
  # shellcheck disable=SC2064 # expand now: tmp is local
  trap "rm -rf '$tmp'" EXIT
  mirror=$(pick_mirror)
  SECURITY_MIRROR=""
  case $mirror in
    */debian)
      if curl -fsS -o /dev/null --max-time 15 "${mirror}-security/dists/$SUITE-security/Release" 2>/dev/null; then
        SECURITY_MIRROR="${mirror}-security"
      fi
      ;;
  esac
  export SECURITY_MIRROR
  log "building $final (log: $tmp/build.log)"
  if ! unshare --mount --propagation private -- "$LAB_DIR/image.sh" __build "$tmp/rootfs" "$mirror" \
    > "$tmp/build.log" 2>&1; then
    tail -n 30 "$tmp/build.log" >&2
    die "image build failed; full log above was $tmp/build.log (removed)"
  fi

  log "making root.img"
  truncate -s "$IMAGE_SIZE" "$tmp/root.img"
  mkfs.ext4 -q -F -L root -d "$tmp/rootfs" "$tmp/root.img" >> "$tmp/build.log" 2>&1 \
    || die "mkfs.ext4 -d failed"
  # shellcheck disable=SC2012 # one kernel, plain names
  cp "$(ls -1 "$tmp"/rootfs/boot/vmlinuz-* | sort -V | tail -n1)" "$tmp/vmlinuz"
  # shellcheck disable=SC2012
  cp "$(ls -1 "$tmp"/rootfs/boot/initrd.img-* | sort -V | tail -n1)" "$tmp/initrd.img"
  rm -rf "$tmp/rootfs"
  chmod 0444 "$tmp/root.img" "$tmp/vmlinuz" "$tmp/initrd.img"
  chmod 0755 "$tmp"
  echo "built in $(($(date +%s) - start))s from $mirror" >> "$tmp/build.log"
  mv -T "$tmp" "$final" || die "cannot rename $tmp to $final"
  trap - EXIT
  log "built $final in $(($(date +%s) - start))s"
  printf '%s\n' "$final"
}

if [ "${1:-}" = __build ]; then
  [ $# -eq 3 ] || die "usage: image.sh __build ROOTFS MIRROR (internal)"
  build_rootfs "$2" "$3"
  exit 0
fi
[ $# -eq 0 ] || die "usage: image.sh (no arguments; prints the image directory)"
main
