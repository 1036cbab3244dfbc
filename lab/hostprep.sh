#!/usr/bin/env bash
# lab/hostprep.sh: boot lab stage 1. Renders a lab cluster spec with k8sgen, boots a
# Debian 12 worker from its user-data alone, and checks from inside the guest what the
# bootstrap did to the host: hostname, /etc/hosts, swap, kernel modules and sysctls,
# containerd (version series, systemd cgroups, registry mirror, CA and credentials,
# a pull through them), chrony, kubelet/kubeadm/kubectl at the pinned version, held and
# enabled, the kubeadm config (0600), the log and the status file.
#
# Usage: lab/hostprep.sh [TIMEOUT]    (root; TIMEOUT for the guest in seconds, default 1800)
# Env:   K8SGEN_CACHE; LAB_NETNS (default k8sgen-lab-hostprep); LAB_VERSION (default 1.32.0)
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
export LAB_NETNS=${LAB_NETNS:-k8sgen-lab-hostprep}
WORK=$(lab_cache)/hostprep
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

spec=$WORK/render/cluster.yaml
{
  cat << SPEC
# Boot lab stage 1: an air-gapped Debian 12 cluster on the lab network.
name: hostprep
kubernetesVersion: "$VERSION"
os: debian-12
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
packages:
  kubernetes:
    baseURL: http://10.77.0.1/kubernetes/
  runtime:
    baseURL: http://10.77.0.1/docker
registries:
  - host: docker.io
    mirrors: [https://harbor:443]
  - host: harbor:443
    username: lab
    passwordEnv: LAB_REGISTRY_PASSWORD
    ca: |
SPEC
  sed 's/^/      /' "$ca_cert"
  cat << SPEC
nodes:
  - name: cp
    role: control-plane
    ip: 10.77.0.10
  - name: $NODE
    role: worker
    ip: 10.77.0.11
SPEC
} > "$spec"
"$bin/k8sgen" render -f "$spec" -o "$WORK/render/out" --secrets "$WORK/render/secrets.yaml" --force >&2

# The pause image, built from lab/cmd/pause, is what the guest pulls through the
# mirror/CA/credentials path.
tools=$WORK/render/tools
mkdir -p "$tools"
cp "$LAB_DIR/hostprep/run.sh" "$tools/run.sh"
cp "$LAB_DIR/hostprep/checks.sh" "$tools/checks.sh"
echo $((timeout - 60)) > "$tools/run.timeout"
touch "$tools/run.early"
cat > "$tools/expect.env" << ENV
NODE_NAME=$NODE
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

"$LAB_DIR/net.sh" up
regdir=$WORK/registry
rm -rf "$regdir"
mkdir -p "$regdir"
"$LAB_DIR/net.sh" exec "$bin/labserve" --http 10.77.0.1:80 --root "$repo" \
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
"$LAB_DIR/vm.sh" start --name "$NODE" --ip 10.77.0.11 --user-data "$WORK/render/out/$NODE/user-data" \
  --meta-data "$WORK/render/out/$NODE/meta-data" --tools "$tools" --image "$image"
rc=0
secs=$("$LAB_DIR/vm.sh" wait "$NODE" "$timeout") || rc=$?
"$LAB_DIR/vm.sh" results "$NODE" "$WORK/results" || log "no results disk content"
cp -f "$LAB_WORK/$NODE/serial.log" "$WORK/results/" 2> /dev/null || true
[ "$rc" -eq 0 ] || die "guest did not power off cleanly (vm.sh wait exit $rc)"

checks=$WORK/results/checks.txt
[ -s "$checks" ] || die "the guest wrote no checks (see $WORK/results/run.log)"
cat "$checks" >&2
# shellcheck source=/dev/null
. <(grep -E '^uptime_at_(start|host_prep_done)=' "$WORK/results/status.txt" "$WORK/results/probe.txt" 2> /dev/null | cut -d: -f2-)
log "image, packages and tools ready in $((prep_done - start))s; boot to power-off ${secs}s; host prep finished at guest uptime ${uptime_at_host_prep_done:-?}s; $(grep -c '^ok ' "$checks") checks passed"
if grep -q '^FAIL' "$checks"; then
  die "$(grep -c '^FAIL' "$checks") checks failed"
fi
log "stage 1 passed in $(($(date +%s) - boot))s of guest time"
