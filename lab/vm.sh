#!/usr/bin/env bash
# lab/vm.sh: boots one boot lab guest (qemu, TCG) inside the lab network namespace.
#
# Usage (root):
#   lab/vm.sh start --name NAME --ip 10.77.0.N[/24] (--user-data FILE --meta-data FILE | --seed FILE | --pxe)
#                   [--tools DIR] [--memory MIB] [--cpus N] [--nice N] [--image DIR] [--append ARGS]
#                   [--keep-disk]
#       Daemonizes qemu and returns. NAME: lowercase RFC 1123 label (also the work dir
#       name); N in 2..254; gateway and DNS are 10.77.0.1. --user-data/--meta-data are
#       k8sgen's out/<node>/user-data and meta-data. --tools DIR is packed into an ISO9660
#       disk labelled LABTOOLS whose run.sh the guest's probe runs once cloud-init is done
#       (see lab/guest/k8sgen-lab-probe). --memory defaults to 4096, --cpus to 2, --image to
#       the output of lab/image.sh. --append adds kernel command line arguments.
#       --seed FILE attaches FILE (k8sgen's out/<node>/seed.iso) as the NoCloud seed instead
#       of one made here from --user-data, --meta-data and the lab's network-config: the
#       guest's network then comes from the seed's own network-config (give the node the MAC
#       that vm.sh mac NAME prints, the address --ip, gateway and DNS 10.77.0.1).
#       --pxe boots through the firmware's network boot instead (SeaBIOS runs the iPXE ROM
#       of QEMU's virtio NIC, from Debian's ipxe-qemu), with no kernel of the image's and
#       no seed: the lab's DHCP server and the scripts it sends iPXE to give the kernel,
#       its command line and the NoCloud data (the root disk is still /dev/vda).
#       Refuses to start a NAME whose qemu still runs; otherwise starts from a fresh work dir,
#       or with --keep-disk boots NAME again from the root disk its last boot left (a reboot).
#   lab/vm.sh wait NAME TIMEOUT
#       Waits up to TIMEOUT seconds for NAME's qemu to exit (the guest powered off; -no-reboot
#       makes a reboot or a panic exit too). Prints the seconds from start to exit on stdout.
#       Exit 0: powered off; 3: qemu exited without a guest power-off (panic, reboot, crash);
#       1: timeout (qemu is then killed) or error.
#   lab/vm.sh results NAME DIR
#       Extracts the guest's results disk (a tar written by the probe) into DIR.
#   lab/vm.sh stop NAME      kills NAME's qemu if it runs (no guest shutdown).
#   lab/vm.sh info NAME      prints name, mac, tap, ip, work dir.
#   lab/vm.sh mac NAME       prints the MAC address NAME's NIC gets.
#
# Env: K8SGEN_CACHE (cache root), LAB_WORK (work root, default $K8SGEN_CACHE/lab/work),
#      LAB_NETNS (namespace, default k8sgen-lab).
#
# $LAB_WORK/NAME/ holds: root.qcow2 (overlay; the cached root.img is only its read-only
# backing file), seed.iso (NoCloud cidata: user-data, meta-data, network-config),
# network-config, tools.iso, results.img (64 MiB raw), serial.log (serial console),
# qemu.log (qemu's own messages), qemu.pid, start.epoch, info.
# The MAC is 52:54:00 plus 3 bytes of sha256(NAME); the tap is lab-NAME (or lab-<hash>
# for names over 11 characters). The guest's NIC is eth0 (net.ifnames=0).
set -euo pipefail
LAB_PROG=vm.sh
# shellcheck source=lab/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RESULTS_SIZE=64M

work_root() {
  if [ -n "${LAB_WORK:-}" ]; then
    printf '%s\n' "$LAB_WORK"
  else
    printf '%s/work\n' "$(lab_cache)"
  fi
}

check_name() {
  [[ $1 =~ ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$ ]] \
    || die "bad NAME '$1': use a lowercase RFC 1123 label (a-z, 0-9, '-')"
}

vm_mac() {
  local h
  h=$(printf '%s' "$1" | sha256sum | cut -c1-6)
  printf '52:54:00:%s:%s:%s\n' "${h:0:2}" "${h:2:2}" "${h:4:2}"
}

vm_tap() {
  if [ ${#1} -le 11 ]; then
    printf 'lab-%s\n' "$1"
  else
    printf 'lab-%s\n' "$(printf '%s' "$1" | sha256sum | cut -c1-11)"
  fi
}

# qemu_pid NAME prints the pid of NAME's qemu when it runs, else nothing.
qemu_pid() {
  local pidfile pid
  pidfile="$(work_root)/$1/qemu.pid"
  # qemu removes its pidfile when it exits: the file may vanish between the two reads.
  pid=$(tr -cd '0-9' 2>/dev/null < "$pidfile") || return 0
  [ -n "$pid" ] || return 0
  # A killed qemu leaves its pidfile, and its zombie can outlive it until reaped.
  if kill -0 "$pid" 2>/dev/null && grep -q '^qemu-system' "/proc/$pid/comm" 2>/dev/null \
    && ! awk '{ exit $3 != "Z" }' "/proc/$pid/stat" 2>/dev/null; then
    printf '%s\n' "$pid"
  fi
}

# optarg OPTION VALUE...: prints VALUE, or dies when the option has none.
optarg() {
  if [ $# -lt 2 ] || [ -z "$2" ]; then
    die "start: $1 needs a value"
  fi
  printf '%s\n' "$2"
}

cmd_start() {
  local name="" ip="" user_data="" meta_data="" seed="" pxe=no tools="" memory=4096 cpus=2 niceness=0 image="" append="" keep=no
  while [ $# -gt 0 ]; do
    case $1 in
      --name) name=$(optarg "$@"); shift 2 ;;
      --ip) ip=$(optarg "$@"); shift 2 ;;
      --user-data) user_data=$(optarg "$@"); shift 2 ;;
      --meta-data) meta_data=$(optarg "$@"); shift 2 ;;
      --seed) seed=$(optarg "$@"); shift 2 ;;
      --pxe) pxe=yes; shift ;;
      --tools) tools=$(optarg "$@"); shift 2 ;;
      --memory) memory=$(optarg "$@"); shift 2 ;;
      --cpus) cpus=$(optarg "$@"); shift 2 ;;
      --nice) niceness=$(optarg "$@"); shift 2 ;;
      --image) image=$(optarg "$@"); shift 2 ;;
      --append) append=$(optarg "$@"); shift 2 ;;
      --keep-disk) keep=yes; shift ;;
      *) die "start: unknown argument '$1'" ;;
    esac
  done
  [ -n "$name" ] || die "start: --name is required"
  check_name "$name"
  [ -n "$ip" ] || die "start: --ip is required"
  ip=${ip%/24}
  if ! [[ $ip =~ ^10\.77\.0\.([1-9][0-9]{0,2})$ ]] || [ "${BASH_REMATCH[1]}" -lt 2 ] \
    || [ "${BASH_REMATCH[1]}" -gt 254 ]; then
    die "start: --ip must be 10.77.0.N/24 with N in 2..254, not '$ip'"
  fi
  if [ "$pxe" = yes ]; then
    [ -z "$user_data$meta_data$seed$append" ] || die "start: --pxe takes its kernel, command line and NoCloud data from the network; give no --seed, --user-data, --meta-data or --append"
  elif [ -n "$seed" ]; then
    [ -z "$user_data$meta_data" ] || die "start: --seed carries user-data and meta-data; give either --seed or both of those"
    [ -f "$seed" ] || die "start: --seed '$seed' is not a file"
  else
    [ -f "$user_data" ] || die "start: --user-data '$user_data' is not a file"
    [ -f "$meta_data" ] || die "start: --meta-data '$meta_data' is not a file"
  fi
  if [ -n "$tools" ]; then
    [ -d "$tools" ] || die "start: --tools '$tools' is not a directory"
    [ -f "$tools/run.sh" ] || log "warning: $tools has no run.sh"
  fi
  if ! [[ $memory =~ ^[1-9][0-9]*$ ]] || [ "$memory" -lt 256 ]; then
    die "start: --memory must be MiB >= 256, not '$memory'"
  fi
  [[ $cpus =~ ^[1-9][0-9]*$ ]] || die "start: --cpus must be >= 1, not '$cpus'"
  [[ $niceness =~ ^([0-9]|1[0-9])$ ]] || die "start: --nice must be 0..19, not '$niceness'"

  lab_require_root
  "$LAB_DIR/deps.sh"
  lab_need qemu-system-x86_64 qemu-img cloud-localds genisoimage ip
  if [ -z "$image" ]; then
    image=$("$LAB_DIR/image.sh") || die "start: lab/image.sh failed"
  fi
  for f in root.img vmlinuz initrd.img; do
    [ -f "$image/$f" ] || die "start: image dir '$image' has no $f"
  done
  image=$(cd "$image" && pwd)

  local pid work mac tap
  pid=$(qemu_pid "$name")
  [ -z "$pid" ] || die "start: $name is already running (qemu pid $pid); vm.sh stop $name first"
  work="$(work_root)/$name"
  mac=$(vm_mac "$name")
  tap=$(vm_tap "$name")
  if [ "$keep" = yes ]; then
    # A second boot of the same machine: its root disk stays, the rest is made anew;
    # the console logs of the boot before are kept as *.prev.log.
    [ -f "$work/root.qcow2" ] || die "start: --keep-disk: $name has no root disk from an earlier boot"
    grep -qxF "image=$image" "$work/info" 2>/dev/null || die "start: --keep-disk: $name was booted from another image"
    for f in serial qemu; do
      if [ -f "$work/$f.log" ]; then mv -f "$work/$f.log" "$work/$f.prev.log"; fi
    done
    rm -f "$work/seed.iso" "$work/tools.iso" "$work/results.img"
  else
    rm -rf "$work"
    mkdir -p "$work"
    qemu-img create -q -f qcow2 -b "$image/root.img" -F raw "$work/root.qcow2" \
      || die "start: cannot create the overlay"
  fi
  if [ "$pxe" = yes ]; then
    :
  elif [ -n "$seed" ]; then
    cp "$seed" "$work/seed.iso"
  else
    cat > "$work/network-config" <<EOF
version: 2
ethernets:
  eth0:
    match:
      macaddress: "$mac"
    set-name: eth0
    addresses: [$ip/24]
    gateway4: 10.77.0.1
    nameservers:
      addresses: [10.77.0.1]
EOF
    cloud-localds --network-config="$work/network-config" "$work/seed.iso" "$user_data" "$meta_data" \
      || die "start: cloud-localds failed"
  fi
  truncate -s "$RESULTS_SIZE" "$work/results.img"

  # Disk order = PCI order = vda, vdb, ...: the root disk must come first (root=/dev/vda).
  # The guest finds the others by serial (/dev/disk/by-id/virtio-<serial>) or label.
  local drives=()
  # CACHE is qemu's cache mode: the root disk is a throwaway overlay, so its flushes
  # need not reach the host disk ("unsafe"); honouring them made etcd's fdatasync take
  # over a second under load, and the API server then missed controller-manager's
  # 5 s lease updates. The results disk keeps qemu's default.
  add_disk() { # FILE FORMAT SERIAL [readonly] [CACHE]
    drives+=(-drive "file=$1,format=$2,if=none,id=$3${4:+,readonly=on}${5:+,cache=$5}"
      -device "virtio-blk-pci,drive=$3,serial=$3")
  }
  add_disk "$work/root.qcow2" qcow2 labroot "" unsafe
  if [ "$pxe" = no ]; then
    add_disk "$work/seed.iso" raw labseed ro
  fi
  add_disk "$work/results.img" raw labresults
  if [ -n "$tools" ]; then
    genisoimage -quiet -V LABTOOLS -r -J -o "$work/tools.iso" "$tools" \
      || die "start: genisoimage of $tools failed"
    add_disk "$work/tools.iso" raw labtools ro
  fi
  {
    echo "name=$name"
    echo "ip=$ip/24"
    echo "mac=$mac"
    echo "tap=$tap"
    echo "netns=$(lab_netns)"
    echo "image=$image"
  } > "$work/info"

  local boot=(-kernel "$image/vmlinuz" -initrd "$image/initrd.img"
    -append "root=/dev/vda rw console=ttyS0 net.ifnames=0 panic=-1 $append")
  if [ "$pxe" = yes ]; then
    boot=(-boot order=n)
  fi
  "$LAB_DIR/net.sh" tap "$tap"
  date +%s.%N > "$work/start.epoch"
  # --nice lowers the emulator's CPU priority: on a host with fewer cores than vCPUs,
  # a worker must not starve the control plane's API server.
  if ! ip netns exec "$(lab_netns)" nice -n "$niceness" qemu-system-x86_64 \
    -name "$name" -nodefaults -accel tcg -cpu max -machine q35 -smp "$cpus" -m "$memory" \
    -display none -vga none -monitor none -serial "file:$work/serial.log" -no-reboot \
    "${boot[@]}" \
    "${drives[@]}" \
    -netdev "tap,id=net0,ifname=$tap,script=no,downscript=no" \
    -device "virtio-net-pci,netdev=net0,mac=$mac" \
    -device virtio-rng-pci \
    -daemonize -pidfile "$work/qemu.pid" > "$work/qemu.log" 2>&1; then
    cat "$work/qemu.log" >&2
    die "start: qemu failed to start $name"
  fi
  log "started $name ($ip, $mac, tap $tap, pid $(cat "$work/qemu.pid")); console: $work/serial.log"
}

cmd_wait() {
  [ $# -eq 2 ] || die "usage: vm.sh wait NAME TIMEOUT"
  local name=$1 timeout=$2 work pid start now elapsed
  check_name "$name"
  [[ $timeout =~ ^[0-9]+$ ]] || die "wait: TIMEOUT must be seconds"
  work="$(work_root)/$name"
  [ -f "$work/start.epoch" ] || die "wait: $name was never started (no $work/start.epoch)"
  start=$(date +%s)
  while pid=$(qemu_pid "$name") && [ -n "$pid" ]; do
    now=$(date +%s)
    if [ $((now - start)) -ge "$timeout" ]; then
      log "wait: $name still running after ${timeout}s: killing qemu $pid; serial console tail:"
      tail -n 25 "$work/serial.log" >&2 || true
      kill -TERM "$pid" 2>/dev/null || true
      sleep 2
      kill -KILL "$pid" 2>/dev/null || true
      return 1
    fi
    sleep 1
  done
  elapsed=$(awk -v s="$(cat "$work/start.epoch")" -v e="$(date +%s.%N)" 'BEGIN { printf "%.0f", e - s }')
  echo "$elapsed" > "$work/elapsed"
  if grep -q 'reboot: Power down' "$work/serial.log" 2>/dev/null; then
    log "wait: $name powered off ${elapsed}s after start"
    echo "$elapsed"
    return 0
  fi
  log "wait: $name's qemu exited after ${elapsed}s without a guest power-off; serial console tail:"
  tail -n 25 "$work/serial.log" >&2 || true
  echo "$elapsed"
  return 3
}

cmd_results() {
  [ $# -eq 2 ] || die "usage: vm.sh results NAME DIR"
  local name=$1 dir=$2 work pid
  check_name "$name"
  work="$(work_root)/$name"
  [ -f "$work/results.img" ] || die "results: $name has no results disk ($work/results.img)"
  pid=$(qemu_pid "$name")
  [ -z "$pid" ] || die "results: $name is still running (pid $pid); vm.sh wait first"
  mkdir -p "$dir"
  tar -xf "$work/results.img" -C "$dir" || die "results: $work/results.img holds no readable tar"
  [ -f "$dir/probe.txt" ] || die "results: the results disk of $name is empty (the probe never wrote it)"
}

cmd_stop() {
  [ $# -eq 1 ] || die "usage: vm.sh stop NAME"
  local pid
  check_name "$1"
  pid=$(qemu_pid "$1")
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    [ -z "$(qemu_pid "$1")" ] && return 0
    sleep 0.5
  done
  kill -KILL "$pid" 2>/dev/null || true
}

cmd_info() {
  [ $# -eq 1 ] || die "usage: vm.sh info NAME"
  check_name "$1"
  if [ -f "$(work_root)/$1/info" ]; then
    cat "$(work_root)/$1/info"
  else
    printf 'name=%s\nmac=%s\ntap=%s\n' "$1" "$(vm_mac "$1")" "$(vm_tap "$1")"
  fi
  printf 'work=%s\n' "$(work_root)/$1"
}

cmd_mac() {
  [ $# -eq 1 ] || die "usage: vm.sh mac NAME"
  check_name "$1"
  vm_mac "$1"
}

[ $# -ge 1 ] || die "usage: vm.sh start|wait|results|stop|info|mac ... (see the header of lab/vm.sh)"
cmd=$1
shift
case $cmd in
  start) cmd_start "$@" ;;
  wait) cmd_wait "$@" ;;
  results) cmd_results "$@" ;;
  stop) cmd_stop "$@" ;;
  info) cmd_info "$@" ;;
  mac) cmd_mac "$@" ;;
  *) die "unknown command '$cmd' (start|wait|results|stop|info|mac)" ;;
esac
