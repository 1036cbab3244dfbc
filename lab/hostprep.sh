#!/usr/bin/env bash
# lab/hostprep.sh: boot lab stage 1. Renders a lab cluster spec with k8sgen, boots a
# Debian 12 worker from k8sgen's own seed.iso alone (its user-data, meta-data and a
# network-config with the worker's static address, found by its MAC), and checks from
# inside the guest what the
# bootstrap did to the host: hostname, /etc/hosts, swap, kernel modules and sysctls,
# containerd (version series, systemd cgroups, registry mirror, CA and credentials,
# a pull through them), chrony, kubelet/kubeadm/kubectl at the pinned version, held and
# enabled, the kubeadm config (0600), the log and the status file.
#
# Usage: lab/hostprep.sh [TIMEOUT]    (root; TIMEOUT for the guest in seconds, default 1800)
# Env:   K8SGEN_CACHE; LAB_NETNS (default k8sgen-lab-hostprep, or -ignition, or -pxe);
#        LAB_VERSION (default 1.32.0); LAB_OS: debian-12 (default) or flatcar;
#        LAB_BOOT: seed (default) or pxe (debian-12 only)
#
# LAB_BOOT=pxe (make lab-pxe) boots the same worker from the network instead: the spec
# asks for network boot (bootMedia.pxe) and the addresses come from DHCP. In the lab
# namespace dnsmasq answers DHCP with a reservation for the worker's MAC and sends iPXE
# to k8sgen serve's boot.ipxe, and k8sgen serve serves the render's output. The guest's
# firmware runs the iPXE ROM of QEMU's NIC (Debian's ipxe-qemu), which fetches boot.ipxe,
# chains to the worker's own script by MAC, loads the image's kernel and initrd from
# labserve and boots them with root=/dev/vda and ds=nocloud-net;s=<serve>/w1/, so
# cloud-init fetches the worker's user-data and meta-data from k8sgen serve. The same
# checks run, and six more from the host: dnsmasq leased the reserved address to an
# iPXE client, and k8sgen serve's log shows the worker fetching boot.ipxe, its script,
# user-data and meta-data.
#
# LAB_OS=flatcar (make lab-ignition) renders the same spec with "os: flatcar" and boots
# the same Debian image from k8sgen's config.ign instead of user-data, since the lab has
# no Flatcar image. The first boot gives the guest what a Flatcar image has and Debian's
# lacks (containerd from the lab repository, systemd-timesyncd instead of chrony), has
# the real Ignition (ignition-apply, hack/ignition.sh) write config.ign's files and units
# to the root, applies Ignition's unit presets as Flatcar's first boot does, and powers
# off (lab/hostprep/ignition.sh). The second boot is the node's: systemd starts
# k8sgen-bootstrap.service, which fetches the Kubernetes sysext image from labserve
# (built here from the lab's own Kubernetes builds, laid out like the Flatcar sysext
# bakery's), merges it and prepares the host. The checks then run as for Debian, with
# Flatcar's expectations (timesyncd, the sysext, the containerd drop-in).
#
# The guest is air-gapped: its only network is the lab namespace, where labserve serves
# the signed apt repositories of lab/pkgs.sh over HTTP (10.77.0.1:80) and an OCI registry
# "harbor:443" (TLS from the lab CA, basic auth) holding the pause image. The worker
# waits for a control plane that is never booted: the checks run once its status file
# says "running step=kubeadm-join", i.e. host preparation is over.
# Results (checks.txt, logs, the guest's journal) are left in $K8SGEN_CACHE/lab/hostprep/results.
set -euo pipefail
LAB_PROG=hostprep.sh
# shellcheck source=lab/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

timeout=${1:-1800}
[[ $timeout =~ ^[1-9][0-9]*$ ]] || die "usage: hostprep.sh [TIMEOUT-SECONDS]"
lab_require_root
VERSION=${LAB_VERSION:-1.32.0}
OS=${LAB_OS:-debian-12}
BOOT=${LAB_BOOT:-seed}
case $BOOT in
  seed) ;;
  pxe) [ "$OS" = debian-12 ] || die "LAB_BOOT=pxe boots debian-12 only" ;;
  *) die "LAB_BOOT must be seed or pxe, not '$BOOT'" ;;
esac
case $OS in
  debian-12)
    if [ "$BOOT" = pxe ]; then
      export LAB_NETNS=${LAB_NETNS:-k8sgen-lab-pxe}
      WORK=$(lab_cache)/hostprep-pxe
    else
      export LAB_NETNS=${LAB_NETNS:-k8sgen-lab-hostprep}
      WORK=$(lab_cache)/hostprep
    fi
    ;;
  flatcar)
    export LAB_NETNS=${LAB_NETNS:-k8sgen-lab-ignition}
    WORK=$(lab_cache)/hostprep-flatcar
    ;;
  *) die "LAB_OS must be debian-12 or flatcar, not '$OS'" ;;
esac
export LAB_WORK=$WORK/vms
ROOT=$(cd "$LAB_DIR/.." && pwd)
NODE=w1

cleanup() {
  local rc=$?
  "$LAB_DIR/vm.sh" stop "$NODE" > /dev/null 2>&1 || true
  "$LAB_DIR/net.sh" down > /dev/null 2>&1 || true
  if [ "$rc" -ne 0 ]; then
    log "FAILED (exit $rc); guest logs and checks: $WORK/results, serial console: $LAB_WORK/$NODE/serial.log"
  fi
  exit "$rc"
}
trap cleanup EXIT

# build_sysext FILE writes a Kubernetes sysext image for the Debian guest, laid out like
# the Flatcar sysext bakery's: kubeadm, kubelet and kubectl of $VERSION in /usr/bin,
# kubelet's unit and kubeadm's drop-in, and an extension-release for Debian 12 (the
# bakery's names Flatcar). The binaries are the lab's own builds (hack/kubebin.sh); the
# file system is ext4 (mkfs.ext4 -d, already a lab tool) where the bakery uses squashfs:
# systemd-sysext takes either.
build_sysext() {
  local file=$1 tree c mib
  tree=$(mktemp -d)
  install -d "$tree/usr/bin" "$tree/usr/lib/systemd/system/kubelet.service.d" "$tree/usr/lib/extension-release.d"
  for c in kubeadm kubelet kubectl; do
    install -m 0755 "$(cd "$ROOT" && hack/kubebin.sh "$VERSION" "$c")" "$tree/usr/bin/$c"
  done
  install -m 0644 "$LAB_DIR/debian/systemd/kubelet.service" "$tree/usr/lib/systemd/system/kubelet.service"
  install -m 0644 "$LAB_DIR/debian/systemd/10-kubeadm.conf" "$tree/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"
  printf 'ID=debian\nVERSION_ID=12\n' > "$tree/usr/lib/extension-release.d/extension-release.kubernetes"
  mib=$(($(du -sm "$tree" | cut -f1) * 5 / 4 + 16))
  rm -f "$file"
  truncate -s "${mib}M" "$file"
  mkfs.ext4 -q -F -L kubernetes -O ^has_journal -d "$tree" "$file" || die "mkfs.ext4 of the sysext image failed"
  rm -rf "$tree"
}

"$LAB_DIR/deps.sh" >&2
start=$(date +%s)
image=$("$LAB_DIR/image.sh")
repo=$("$LAB_DIR/pkgs.sh" "$VERSION")
bin=$(lab_build_tools)
prep_done=$(date +%s)

rm -rf "$WORK/render" "$WORK/results"
mkdir -p "$WORK/render" "$WORK/results"
lab_registry_password
ca_cert=$("$bin/labserve" ca)
minor=${VERSION%.*}
pause_tag=$("$(cd "$ROOT" && hack/kubeadm.sh "$VERSION")" config images list --kubernetes-version "v$VERSION" 2> /dev/null | sed -n 's|.*/pause:||p')
[ -n "$pause_tag" ] || die "kubeadm $VERSION lists no pause image"

# What labserve serves: the lab's apt repositories and, for Flatcar, the sysext image.
serve=$WORK/serve
rm -rf "$serve"
mkdir -p "$serve"
ln -s "$repo/kubernetes" "$repo/docker" "$serve/"
if [ "$BOOT" = pxe ]; then
  # The kernel and initrd the network boot loads: the image's own.
  mkdir -p "$serve/boot"
  ln -s "$image/vmlinuz" "$image/initrd.img" "$serve/boot/"
fi
if [ "$OS" = flatcar ]; then
  sysext_name=kubernetes-v$VERSION-x86-64.raw
  mkdir -p "$serve/sysext"
  build_sysext "$serve/sysext/$sysext_name"
  sysext_sha256=$(sha256sum "$serve/sysext/$sysext_name" | cut -d' ' -f1)
fi

spec=$WORK/render/cluster.yaml
{
  cat << SPEC
# Boot lab stage 1: an air-gapped $OS cluster on the lab network.
name: hostprep
kubernetesVersion: "$VERSION"
os: $OS
imageRepository: harbor:443/k8s
ntp:
  servers: [10.77.0.1]
network:
  cni: flannel
  kubeProxyMode: ipvs
kernel:
  modules: [xt_conntrack]
  sysctls:
    net.netfilter.nf_conntrack_max: "262144"
extraHosts:
  - name: harbor
    ip: 10.77.0.1
SPEC
  if [ "$OS" = flatcar ]; then
    cat << SPEC
packages:
  kubernetesSysext:
    url: http://10.77.0.1/sysext/$sysext_name
    sha256: "$sysext_sha256"
SPEC
  else
    cat << SPEC
packages:
  kubernetes:
    baseURL: http://10.77.0.1/kubernetes/
  runtime:
    baseURL: http://10.77.0.1/docker
SPEC
  fi
  cat << SPEC
registries:
  - host: docker.io
    mirrors: [https://harbor:443]
  - host: harbor:443
    username: lab
    passwordEnv: LAB_REGISTRY_PASSWORD
    ca: |
SPEC
  sed 's/^/      /' "$ca_cert"
  if [ "$BOOT" = pxe ]; then
    # The worker boots from the network; its address comes from DHCP.
    cat << SPEC
bootMedia:
  pxe:
    baseURL: http://10.77.0.1:8080
    kernel: http://10.77.0.1/boot/vmlinuz
    initrd: [http://10.77.0.1/boot/initrd.img]
    args: [root=/dev/vda, rw, console=ttyS0, net.ifnames=0, panic=-1]
SPEC
  elif [ "$OS" != flatcar ]; then
    # The worker boots from k8sgen's own seed.iso, with its network-config's
    # static address (the lab network has no DHCP).
    cat << SPEC
addressing:
  mode: static
  interface: eth0
  prefixLength: 24
  gateway: 10.77.0.1
  nameservers: [10.77.0.1]
bootMedia:
  seedISO: true
SPEC
  fi
  cat << SPEC
nodes:
  - name: cp
    role: control-plane
    ip: 10.77.0.10
    mac: "52:54:00:00:00:10"
  - name: $NODE
    role: worker
    ip: 10.77.0.11
    mac: "$("$LAB_DIR/vm.sh" mac "$NODE")"
SPEC
} > "$spec"
"$bin/k8sgen" render -f "$spec" -o "$WORK/render/out" --secrets "$WORK/render/secrets.yaml" --force >&2

# The pause image, built from lab/cmd/pause, is what the guest pulls through the
# mirror/CA/credentials path.
tools=$WORK/render/tools
mkdir -p "$tools"
cp "$LAB_DIR/hostprep/run.sh" "$tools/run.sh"
cp "$LAB_DIR/hostprep/checks.sh" "$tools/checks.sh"
if [ "$OS" = flatcar ]; then
  cp "$LAB_DIR/hostprep/ignition.sh" "$tools/ignition.sh"
  cp "$WORK/render/out/$NODE/config.ign" "$tools/config.ign"
  cp "$(cd "$ROOT" && hack/ignition.sh)" "$tools/ignition-apply"
  cp "$repo"/docker/pool/stable/c/containerd.io/containerd.io_*.deb "$tools/containerd.io.deb"
  # The checks' own crictl (a Flatcar node has none): from the lab's cri-tools package.
  mkdir -p "$tools/bin"
  dpkg-deb --fsys-tarfile "$repo/kubernetes/v$minor/deb/"cri-tools_*.deb | tar -xO ./usr/bin/crictl > "$tools/bin/crictl"
  chmod 0755 "$tools/bin/crictl"
  # No user-data of k8sgen's reaches this instance: cloud-init only brings up the network.
  printf '#cloud-config\npreserve_hostname: true\n' > "$WORK/render/user-data"
  printf 'instance-id: %s\n' "lab-$NODE" > "$WORK/render/meta-data"
  user_data=$WORK/render/user-data meta_data=$WORK/render/meta-data
fi
echo $((timeout - 60)) > "$tools/run.timeout"
touch "$tools/run.early"
cat > "$tools/expect.env" << ENV
NODE_NAME=$NODE
NODE_ADDRESS=10.77.0.11/24
GATEWAY=10.77.0.1
WAIT_STEP=kubeadm-join
WAIT_LIMIT=$((timeout - 120))
HOSTS_LINES=("10.77.0.10 cp" "10.77.0.11 $NODE" "10.77.0.1 harbor")
MODULES=(overlay br_netfilter ip_vs ip_vs_rr ip_vs_wrr ip_vs_sh nf_conntrack xt_conntrack)
SYSCTLS=(net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1 net.netfilter.nf_conntrack_max=262144)
NTP_SERVER=10.77.0.1
CONTAINERD_SERIES=2
PAUSE_IMAGE=harbor:443/k8s/pause:$pause_tag
PULL_IMAGE=harbor:443/k8s/pause:$pause_tag
REGISTRY_USER=lab
REGISTRY_HOST=harbor:443
K8S_VERSION=$VERSION
EXTRA_PACKAGES=(ipvsadm ipset cri-tools kubernetes-cni)
KUBEADM_CONFIG=/etc/k8sgen/kubeadm/join.yaml
ENV
if [ "$OS" = flatcar ]; then
  cat >> "$tools/expect.env" << ENV
FLATCAR=1
SYSEXT_FILE=/opt/extensions/kubernetes/$sysext_name
EXTRA_PACKAGES=()
ENV
fi

"$LAB_DIR/net.sh" up
regdir=$WORK/registry
rm -rf "$regdir"
mkdir -p "$regdir"
"$LAB_DIR/net.sh" exec "$bin/labserve" --http 10.77.0.1:80 --root "$serve" \
  --registry 10.77.0.1:443 --registry-dir "$regdir" --san harbor --san 10.77.0.1 \
  --user lab --log "$WORK/labserve.log" > "$WORK/labserve.out" 2>&1 &
for _ in $(seq 50); do
  "$LAB_DIR/net.sh" exec curl -fsS -o /dev/null "http://10.77.0.1/kubernetes/v$minor/deb/Release" 2> /dev/null && break
  sleep 0.2
done
"$LAB_DIR/net.sh" exec curl -fsS -o /dev/null "http://10.77.0.1/kubernetes/v$minor/deb/Release" \
  || die "labserve did not come up: $(tail -n 5 "$WORK/labserve.out")"
"$LAB_DIR/net.sh" exec "$bin/labimage" --file "$bin/pause:/pause:0755" --entrypoint /pause \
  --push "10.77.0.1:443/k8s/pause:$pause_tag" --ca "$ca_cert" --username lab >&2

boot=$(date +%s)
keep=()
if [ "$OS" = flatcar ]; then
  # Boot 1 applies config.ign and powers off; boot 2 (below) is the node's first as Flatcar.
  "$LAB_DIR/vm.sh" start --name "$NODE" --ip 10.77.0.11 --user-data "$user_data" \
    --meta-data "$meta_data" --tools "$tools" --image "$image"
  rc=0
  secs=$("$LAB_DIR/vm.sh" wait "$NODE" "$timeout") || rc=$?
  mkdir -p "$WORK/results/apply"
  "$LAB_DIR/vm.sh" results "$NODE" "$WORK/results/apply" || log "no results disk content from the apply boot"
  [ "$rc" -eq 0 ] || die "the apply boot did not power off cleanly (vm.sh wait exit $rc)"
  grep -q '^applied ' "$WORK/results/apply/ignition.txt" 2> /dev/null \
    || die "the apply boot did not apply config.ign (see $WORK/results/apply/run.log)"
  log "boot 1 (apply) powered off after ${secs}s: $(grep '^applied ' "$WORK/results/apply/ignition.txt")"
  keep=(--keep-disk)
fi
if [ "$BOOT" = pxe ]; then
  seed=(--pxe)
  rm -f "$WORK/dnsmasq.log" "$WORK/dnsmasq.leases" "$WORK/dnsmasq.out" "$WORK/serve.log"
  # DHCP for iPXE only: the reserved address for the worker's MAC, the lab's router
  # and DNS, and iPXE (DHCP option 175) sent to the cluster's boot.ipxe. No DNS
  # service (port 0), no TFTP: QEMU's NIC ROM is iPXE already.
  "$LAB_DIR/net.sh" exec dnsmasq --keep-in-foreground --port=0 --interface=br0 --bind-interfaces \
    --dhcp-range=10.77.0.100,10.77.0.150,255.255.255.0,1h \
    --dhcp-host="$("$LAB_DIR/vm.sh" mac "$NODE"),10.77.0.11" \
    --dhcp-option=option:router,10.77.0.1 --dhcp-option=option:dns-server,10.77.0.1 \
    --dhcp-match=set:ipxe,175 --dhcp-boot=tag:ipxe,http://10.77.0.1:8080/boot.ipxe \
    --dhcp-leasefile="$WORK/dnsmasq.leases" --log-dhcp --log-facility="$WORK/dnsmasq.log" \
    --pid-file="$WORK/dnsmasq.pid" --conf-file=/dev/null --user=root > "$WORK/dnsmasq.out" 2>&1 &
  "$LAB_DIR/net.sh" exec "$bin/k8sgen" serve -o "$WORK/render/out" --listen 10.77.0.1:8080 \
    > "$WORK/serve.log" 2>&1 &
  for _ in $(seq 50); do
    "$LAB_DIR/net.sh" exec curl -fsS -o /dev/null http://10.77.0.1:8080/boot.ipxe 2> /dev/null && break
    sleep 0.2
  done
  "$LAB_DIR/net.sh" exec curl -fsS -o /dev/null http://10.77.0.1:8080/boot.ipxe \
    || die "k8sgen serve did not come up: $(tail -n 5 "$WORK/serve.log")"
  log "booting $NODE from the network: iPXE, dnsmasq's reservation (10.77.0.11), k8sgen serve"
elif [ "$OS" = flatcar ]; then
  seed=(--user-data "$user_data" --meta-data "$meta_data")
else
  seed=(--seed "$WORK/render/out/$NODE/seed.iso")
  log "booting $NODE from k8sgen's seed.iso (sha256 $(sha256sum "$WORK/render/out/$NODE/seed.iso" | cut -c1-16)...), whose network-config gives it 10.77.0.11/24"
fi
"$LAB_DIR/vm.sh" start "${keep[@]}" --name "$NODE" --ip 10.77.0.11 "${seed[@]}" --tools "$tools" --image "$image"
rc=0
secs=$("$LAB_DIR/vm.sh" wait "$NODE" "$timeout") || rc=$?
"$LAB_DIR/vm.sh" results "$NODE" "$WORK/results" || log "no results disk content"
cp -f "$LAB_WORK/$NODE/serial.log" "$WORK/results/" 2> /dev/null || true
[ "$rc" -eq 0 ] || die "guest did not power off cleanly (vm.sh wait exit $rc)"

checks=$WORK/results/checks.txt
[ -s "$checks" ] || die "the guest wrote no checks (see $WORK/results/run.log)"
if [ "$BOOT" = pxe ]; then
  # What the host saw of the network boot.
  host_check() { # NAME COMMAND...
    local name=$1
    shift
    if "$@" > /dev/null 2>&1; then echo "ok $name"; else echo "FAIL $name"; fi >> "$checks"
  }
  mac=$("$LAB_DIR/vm.sh" mac "$NODE")
  host_check dhcp-reserved-address grep -qE "DHCPACK\(br0\) 10\.77\.0\.11 $mac" "$WORK/dnsmasq.log"
  host_check dhcp-ipxe-client grep -qE "tags: (.*, )?ipxe(,|$)" "$WORK/dnsmasq.log"
  for f in boot.ipxe "$NODE/boot.ipxe" "$NODE/meta-data" "$NODE/user-data"; do
    # Fetched by the guest (10.77.0.11), not by this script's readiness probe.
    host_check "served-$f" grep -qE "^[^ ]+ 10\.77\.0\.11:[0-9]+ node=\"[^\"]*\" GET \"/${f//./\\.}\" 200 " "$WORK/serve.log"
  done
  cp -f "$WORK/dnsmasq.log" "$WORK/serve.log" "$WORK/results/" 2> /dev/null || true
fi
cat "$checks" >&2
# shellcheck source=/dev/null
. <(grep -E '^uptime_at_(start|host_prep_done)=' "$WORK/results/status.txt" "$WORK/results/probe.txt" 2> /dev/null | cut -d: -f2-)
log "image, packages and tools ready in $((prep_done - start))s; boot to power-off ${secs}s; host prep finished at guest uptime ${uptime_at_host_prep_done:-?}s; $(grep -c '^ok ' "$checks") checks passed"
if grep -q '^FAIL' "$checks"; then
  die "$(grep -c '^FAIL' "$checks") checks failed"
fi
log "stage 1 passed in $(($(date +%s) - boot))s of guest time"
