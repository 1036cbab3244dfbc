#!/usr/bin/env bash
# lab/cluster.sh: boot lab stage 2. An air-gapped cluster like tutorial "001" on the lab
# network, built from k8sgen's rendered files alone: one control plane and LAB_WORKERS
# workers (default 1) boot Debian 12 from their user-data; inside the namespace labserve
# serves the signed apt repositories (lab/pkgs.sh), the Flannel manifest and a TLS
# registry "harbor:443" with basic auth holding the control-plane, pause, CoreDNS, etcd,
# kube-proxy and Flannel images built from source (lab/images.sh), with the lab's own
# CNI plugin (lab/cmd/labcni). Every build and download happens first, outside the
# namespace; inside it nothing routes anywhere, and the images are pushed there from an
# OCI layout.
#
# Success: with the admin kubeconfig k8sgen wrote on the host, every node is Ready,
# CoreDNS runs, every node has room for kubeletConfiguration's 90 pods, the client
# worker carries its label and taint, the add-on's pod runs (applied by the control
# plane after the CNI), and a pod pinned to a worker fetches a page from a Service whose pod runs
# on the control plane (CoreDNS name resolution, kube-proxy in ipvs mode, Flannel's
# vxlan between the nodes). Boot-to-Ready time is printed per node.
#
# With LAB_CONTROL_PLANES=3 (make lab-ha) three control planes and one worker boot behind
# kube-vip's VIP 10.77.0.100 (kube-vip built from its Go module), powered on one at a
# time, each once the one before is Ready (the host's two cores, not the nodes, need
# that); once the cluster passes, the control plane holding the VIP is powered off (its qemu killed)
# and the API must answer through the VIP again and schedule and run a new pod.
#
# Usage: lab/cluster.sh [TIMEOUT]    (root; seconds until everything must be up, default 3600,
#                                     7200 with three control planes)
# Env:   K8SGEN_CACHE; LAB_NETNS (default k8sgen-lab-cluster); LAB_VERSION (1.32.0);
#        LAB_WORKERS (1 or 2); LAB_CONTROL_PLANES (1 or 3); LAB_KEEP=1 leaves the VMs and
#        the namespace running.
# Everything is stopped and the namespace deleted at the end (also on failure); results,
# the guests' logs (cloud-init, k8sgen status and log, kubelet) and the serial consoles
# are in $K8SGEN_CACHE/lab/cluster/results.
set -euo pipefail
LAB_PROG=cluster.sh
# shellcheck source=lab/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CPS=${LAB_CONTROL_PLANES:-1}
[[ $CPS =~ ^[13]$ ]] || die "LAB_CONTROL_PLANES must be 1 or 3"
default_timeout=3600
[ "$CPS" = 3 ] && default_timeout=7200
timeout=${1:-$default_timeout}
[[ $timeout =~ ^[1-9][0-9]*$ ]] || die "usage: cluster.sh [TIMEOUT-SECONDS]"
lab_require_root
VERSION=${LAB_VERSION:-1.32.0}
WORKERS=${LAB_WORKERS:-1}
[[ $WORKERS =~ ^[12]$ ]] || die "LAB_WORKERS must be 1 or 2"
export LAB_NETNS=${LAB_NETNS:-k8sgen-lab-cluster}
STAGE=cluster
[ "$CPS" = 3 ] && STAGE=ha
WORK=$(lab_cache)/$STAGE
export LAB_WORK=$WORK/vms
ROOT=$(cd "$LAB_DIR/.." && pwd)
FLANNEL_VERSION=v0.26.7
KUBE_VIP_VERSION=v1.0.0
VIP=10.77.0.100
if [ "$CPS" = 3 ]; then
  NODES=(cp1 cp2 cp3 w1)
  IPS=(10.77.0.10 10.77.0.11 10.77.0.12 10.77.0.13)
else
  NODES=(cp w1)
  IPS=(10.77.0.10 10.77.0.11)
fi
if [ "$WORKERS" = 2 ]; then
  NODES+=(w2)
  IPS+=("10.77.0.$((10 + ${#IPS[@]}))")
fi
# The web pod runs on the first control plane, the client on the first worker.
WEB_NODE=${NODES[0]}
CLIENT_NODE=${NODES[$CPS]}
RESULTS=$WORK/results

collect() {
  local n
  mkdir -p "$RESULTS"
  for n in "${NODES[@]}"; do
    mkdir -p "$RESULTS/$n"
    "$LAB_DIR/vm.sh" results "$n" "$RESULTS/$n" > /dev/null 2>&1 || true
    cp -f "$LAB_WORK/$n/serial.log" "$RESULTS/$n/" 2> /dev/null || true
  done
}

cleanup() {
  local rc=$? n
  if [ "${LAB_KEEP:-0}" = 1 ]; then
    log "LAB_KEEP=1: VMs and namespace $LAB_NETNS left running; lab/net.sh down stops them"
    exit "$rc"
  fi
  for n in "${NODES[@]}"; do
    "$LAB_DIR/vm.sh" stop "$n" > /dev/null 2>&1 || true
  done
  collect
  "$LAB_DIR/net.sh" down > /dev/null 2>&1 || true
  if [ "$rc" -ne 0 ]; then
    log "FAILED (exit $rc); per-node logs (cloud-init, k8sgen status and log, serial console): $RESULTS/<node>/"
  fi
  exit "$rc"
}
trap cleanup EXIT

"$LAB_DIR/deps.sh" >&2
t0=$(date +%s)
image=$("$LAB_DIR/image.sh")
repo=$("$LAB_DIR/pkgs.sh" "$VERSION")
bin=$(lab_build_tools)
kubectl=$(cd "$ROOT" && hack/kubebin.sh "$VERSION" kubectl)

rm -rf "$WORK/render" "$WORK/www" "$RESULTS"
mkdir -p "$WORK/render" "$WORK/www/manifests" "$RESULTS"
lab_registry_password
ca_cert=$("$bin/labserve" ca)

# The web root: the repositories (hard links, no copy) and Flannel's manifest in
# upstream's form (ghcr.io images, 10.244.0.0/16), which k8sgen rewrites on the node.
cp -al "$repo/kubernetes" "$repo/docker" "$WORK/www/"
sed -e 's|@IMAGE_PREFIX@|ghcr.io/flannel-io|g' -e 's|@POD_SUBNET@|10.244.0.0/16|g' \
  -e "s|@FLANNEL_VERSION@|$FLANNEL_VERSION|g" \
  "$LAB_DIR/manifests/flannel.yaml.tmpl" > "$WORK/www/manifests/kube-flannel.yml"

# Every image, built here (where the Go module proxy and Debian's archive are) into an
# OCI layout; they are pushed to the registry inside the namespace below.
layout=$WORK/images
rm -rf "$layout"
kube_vip=""
[ "$CPS" = 3 ] && kube_vip=$KUBE_VIP_VERSION
LAB_OCI_LAYOUT=$layout LAB_FLANNEL_VERSION=$FLANNEL_VERSION LAB_KUBE_VIP_VERSION=$kube_vip \
  "$LAB_DIR/images.sh" "$VERSION" harbor:443/k8s >&2
busybox_layer=$(find "$(lab_cache)/layers" -maxdepth 1 -name 'busybox-*.tar' | head -n 1)
[ -n "$busybox_layer" ] || die "no busybox layer in $(lab_cache)/layers (lab/images.sh makes it)"
"$bin/labimage" --layer "$busybox_layer" --entrypoint /bin/busybox \
  --layout "$layout" --tag harbor:443/lab/busybox:1 >&2

spec=$WORK/render/cluster.yaml
{
  cat << SPEC
# Boot lab stage 2: tutorial "001" on Debian 12, air-gapped.
name: lab
kubernetesVersion: "$VERSION"
os: debian-12
runtime: containerd
imageRepository: harbor:443/k8s
ntp:
  servers: [10.77.0.1]
extraHosts:
  - name: harbor
    ip: 10.77.0.1
network:
  podSubnet: 10.244.0.0/16
  serviceSubnet: 10.245.0.0/16
  cni: flannel
  cniVersion: $FLANNEL_VERSION
  cniManifest: http://10.77.0.1/manifests/kube-flannel.yml
  cniImageRepository: harbor:443/flannel-io
  kubeProxyMode: ipvs
SPEC
  if [ "$CPS" = 1 ]; then
    cat << SPEC
# One control plane has nothing to elect a leader from. Under TCG, etcd's slow
# fsyncs make the 5 s lease renewals time out; the controller-manager and the
# scheduler then exit on the lost lease, again and again, and no Deployment ever
# gets its endpoints. Without election they simply run.
components:
  controllerManager:
    extraArgs:
      leader-elect: "false"
  scheduler:
    extraArgs:
      leader-elect: "false"
SPEC
  else
    cat << SPEC
# Three control planes behind kube-vip (its image from Harbor under imageRepository,
# k8sgen's default). Leader election must stay on with several control planes,
# so its leases are long enough for TCG's slow etcd writes (60 s still lost the
# controller manager three times while the second control plane joined), and
# etcd's own timeouts are raised for the same reason.
loadBalancer:
  kind: kube-vip
  vip: $VIP
  prefixLength: 24
  interface: eth0
  kubeVIP:
    version: $KUBE_VIP_VERSION
    # kube-vip gives the VIP up and restarts when a renewal takes longer than
    # 3/5 of its lease; under TCG the default 5 s lease flaps all the time, and
    # 30 s still lost it while the second control plane joined (third run).
    leaseSeconds: 60
components:
  controllerManager:
    extraArgs:
      leader-elect-lease-duration: 120s
      leader-elect-renew-deadline: 90s
      leader-elect-retry-period: 15s
  scheduler:
    extraArgs:
      leader-elect-lease-duration: 120s
      leader-elect-renew-deadline: 90s
      leader-elect-retry-period: 15s
  etcd:
    extraArgs:
      heartbeat-interval: "500"
      election-timeout: "5000"
SPEC
  fi
  cat << SPEC
# Issue 14's settings, shown on the live nodes: every kubelet takes at most 90
# pods (a KubeletConfiguration field), the client worker registers with a label
# and a taint, and after the CNI the control plane applies an add-on of ours
# (a file beside the spec) whose pod must run.
kubeletConfiguration:
  maxPods: 90
addons:
  - name: idle
    file: addons/idle.yaml
kernel:
  modules: [xt_conntrack]
  sysctls:
    net.netfilter.nf_conntrack_max: "262144"
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
  echo "nodes:"
  for i in "${!NODES[@]}"; do
    role=worker
    [ "$i" -lt "$CPS" ] && role=control-plane
    printf '  - name: %s\n    role: %s\n    ip: %s\n' "${NODES[$i]}" "$role" "${IPS[$i]}"
    if [ "${NODES[$i]}" = "$CLIENT_NODE" ]; then
      printf '    labels:\n      lab.k8sgen.io/role: client\n'
      printf '    taints:\n      - key: lab.k8sgen.io/dedicated\n        value: client\n        effect: PreferNoSchedule\n'
    fi
  done
} > "$spec"
mkdir -p "$WORK/render/addons"
cat > "$WORK/render/addons/idle.yaml" << 'MANIFEST'
apiVersion: v1
kind: Namespace
metadata:
  name: lab-addon
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: idle
  namespace: lab-addon
spec:
  replicas: 1
  selector:
    matchLabels: {app: idle}
  template:
    metadata:
      labels: {app: idle}
    spec:
      tolerations: [{operator: Exists}]
      containers:
        - name: idle
          image: harbor:443/lab/busybox:1
          command: [/bin/busybox, sleep, "1000000"]
MANIFEST
"$bin/k8sgen" render -f "$spec" -o "$WORK/render/out" --secrets "$WORK/render/secrets.yaml" --force >&2
kubeconfig=$WORK/render/lab.kubeconfig
[ -s "$kubeconfig" ] || die "k8sgen wrote no admin kubeconfig at $kubeconfig"

"$LAB_DIR/net.sh" up
"$LAB_DIR/net.sh" exec "$bin/labserve" --http 10.77.0.1:80 --root "$WORK/www" \
  --registry 10.77.0.1:443 --registry-dir "$(lab_cache)/cluster-registry" --san harbor --san 10.77.0.1 \
  --user lab --log "$RESULTS/labserve.log" > "$WORK/labserve.out" 2>&1 &
# Waited for by asking it, not by a fixed sleep; a minute is far more than it needs.
for _ in $(seq 300); do
  "$LAB_DIR/net.sh" exec curl -fsS -o /dev/null http://10.77.0.1/manifests/kube-flannel.yml 2> /dev/null && break
  sleep 0.2
done
"$LAB_DIR/net.sh" exec curl -fsS -o /dev/null http://10.77.0.1/manifests/kube-flannel.yml \
  || die "labserve did not come up: $(tail -n 5 "$WORK/labserve.out")"
log "pushing the images"
"$LAB_DIR/net.sh" exec "$bin/labimage" --push-layout "$layout" --registry 10.77.0.1:443 \
  --ca "$ca_cert" --username lab >&2
t_ready=$(date +%s)
log "inputs ready in $((t_ready - t0))s"

k() { "$LAB_DIR/net.sh" exec "$kubectl" --kubeconfig "$kubeconfig" --request-timeout=20s "$@"; }

mkdir -p "$WORK/tools"
cp "$LAB_DIR/cluster/run.sh" "$WORK/tools/run.sh"
start_node() {
  local i=$1 mem=3072 cpus=1 niceness=10
  # kubeadm wants 2 CPUs on a control plane; workers get one and a lower CPU
  # priority, so that the emulated vCPUs do not starve the control plane. With
  # one vCPU, the first of three control planes ran its core at 100% and kubeadm
  # init's requests through the VIP timed out (addon/coredns), so each control
  # plane keeps two: the host's two cores go to whichever is busy.
  if [ "$i" -lt "$CPS" ]; then
    mem=4096 cpus=2 niceness=0
    [ "$CPS" = 3 ] && mem=3584
  fi
  started_at[${NODES[$i]}]=$(($(date +%s) - boot))
  "$LAB_DIR/vm.sh" start --name "${NODES[$i]}" --ip "${IPS[$i]}" --memory "$mem" --cpus "$cpus" --nice "$niceness" \
    --user-data "$WORK/render/out/${NODES[$i]}/user-data" --meta-data "$WORK/render/out/${NODES[$i]}/meta-data" \
    --tools "$WORK/tools" --image "$image"
}

# One pass over the nodes not yet Ready; records when each became Ready.
check_ready() {
  local n now
  now=$(date +%s)
  for n in "${NODES[@]}"; do
    [ -n "${started_at[$n]:-}" ] || continue
    [ -n "${ready_at[$n]:-}" ] && continue
    if [ "$(k get node "$n" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2> /dev/null)" = True ]; then
      ready_at[$n]=$((now - boot))
      log "$n Ready ${ready_at[$n]}s after the first boot ($((ready_at[$n] - started_at[$n]))s after its own)"
    fi
  done
}

declare -A ready_at=() started_at=()
boot=$(date +%s)
deadline=$((boot + timeout))
if [ "$CPS" = 3 ]; then
  # With three control planes the nodes are powered on one after the other, each
  # once the one before is Ready. The nodes need no such order (each joining
  # control plane waits for the previous one by itself, and workers wait for the
  # API); the host does: two cores emulating every guest at once starved the first
  # control plane while the second joined etcd, kube-vip dropped the VIP, and the
  # join failed (the third run, see README). The order changes only when each
  # guest's CPU work happens, not what any node does.
  for i in "${!NODES[@]}"; do
    start_node "$i"
    while [ -z "${ready_at[${NODES[$i]}]:-}" ]; do
      (($(date +%s) < deadline)) || die "${NODES[$i]} not Ready after ${timeout}s: $(k get nodes --no-headers 2>&1 | tr '\n' ';')"
      sleep 15
      check_ready
    done
  done
else
  for i in "${!NODES[@]}"; do
    start_node "$i"
  done
fi
while :; do
  (($(date +%s) < deadline)) || die "not every node Ready after ${timeout}s: $(k get nodes --no-headers 2>&1 | tr '\n' ';')"
  check_ready
  [ "${#ready_at[@]}" = "${#NODES[@]}" ] && break
  sleep 15
done

log "waiting for CoreDNS"
until k -n kube-system rollout status deployment/coredns --timeout=30s > /dev/null 2>&1; do
  (($(date +%s) < deadline)) || die "CoreDNS not running: $(k -n kube-system get pods -o wide 2>&1 | tr '\n' ';')"
done
t_dns=$(($(date +%s) - boot))

log "checking $CLIENT_NODE's label, taint and pod capacity, and the add-on's pod"
k get node "$CLIENT_NODE" -o yaml > "$RESULTS/node-$CLIENT_NODE.yaml"
[ "$(k get node "$CLIENT_NODE" -o 'jsonpath={.metadata.labels.lab\.k8sgen\.io/role}')" = client ] \
  || die "$CLIENT_NODE lacks the label lab.k8sgen.io/role=client (see $RESULTS/node-$CLIENT_NODE.yaml)"
[ "$(k get node "$CLIENT_NODE" -o 'jsonpath={.spec.taints[?(@.key=="lab.k8sgen.io/dedicated")].effect}')" = PreferNoSchedule ] \
  || die "$CLIENT_NODE lacks the taint lab.k8sgen.io/dedicated=client:PreferNoSchedule"
for n in "${NODES[@]}"; do
  pods=$(k get node "$n" -o 'jsonpath={.status.capacity.pods}')
  [ "$pods" = 90 ] || die "$n has room for $pods pods, not kubeletConfiguration's maxPods 90"
done
until k -n lab-addon rollout status deployment/idle --timeout=30s > /dev/null 2>&1; do
  (($(date +%s) < deadline)) || die "the add-on's pod is not running: $(k -n lab-addon get pods -o wide 2>&1 | tr '\n' ';')"
done
k -n lab-addon get pods -o wide | tee "$RESULTS/addon-pods.txt" >&2

log "checking pod-to-service traffic from $CLIENT_NODE to a pod on $WEB_NODE"
# The Service first, so that the client knows the ClusterIP that CoreDNS must answer
# with. busybox-static's wget crashes in these pods (glibc static resolver), so the
# client speaks HTTP through nc. It retries until it succeeds; the deadline is this
# script's, not a count of attempts in the pod.
sed "s/@WEB_NODE@/$WEB_NODE/g" > "$WORK/render/web.yaml" << 'MANIFEST'
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  nodeName: "@WEB_NODE@"
  tolerations: [{operator: Exists}]
  containers:
    - name: httpd
      image: harbor:443/lab/busybox:1
      command: [/bin/busybox, sh, -c, 'mkdir -p /www && echo "served by $(hostname) on @WEB_NODE@" > /www/index.html && exec busybox httpd -f -p 8080 -h /www']
      ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
MANIFEST
k apply -f "$WORK/render/web.yaml" > /dev/null
cluster_ip=$(k get service web -o 'jsonpath={.spec.clusterIP}')
[[ $cluster_ip =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "service web has no ClusterIP: '$cluster_ip'"
sed -e "s/@WORKER@/$CLIENT_NODE/" -e "s/@CLUSTER_IP@/$cluster_ip/" > "$WORK/render/client.yaml" << 'MANIFEST'
apiVersion: v1
kind: Pod
metadata:
  name: client
spec:
  nodeName: "@WORKER@"
  restartPolicy: Never
  containers:
    - name: http-get
      image: harbor:443/lab/busybox:1
      command:
        - /bin/busybox
        - sh
        - -c
        - |
          mkdir -p /tmp
          ip=@CLUSTER_IP@
          until busybox nslookup web.default.svc.cluster.local > /tmp/dns 2>&1 && busybox grep -qwF "$ip" /tmp/dns &&
            printf 'GET / HTTP/1.0\r\n\r\n' | busybox nc -w 5 "$ip" 80 > /tmp/reply && busybox grep -q 'served by' /tmp/reply; do
            sleep 5
          done
          echo "service web.default.svc.cluster.local is $ip"
          busybox tail -n 1 /tmp/reply
MANIFEST
k apply -f "$WORK/render/client.yaml" > /dev/null
until [ "$(k get pod client -o 'jsonpath={.status.phase}' 2> /dev/null)" = Succeeded ]; do
  phase=$(k get pod client -o 'jsonpath={.status.phase}' 2> /dev/null || true)
  [ "$phase" = Failed ] && die "the client pod failed: $(k logs client 2>&1 | tail -n 5 | tr '\n' ';')"
  (($(date +%s) < deadline)) || die "the client pod did not finish: $(k get pods -o wide 2>&1 | tr '\n' ';'); its last DNS answer and reply: $(k exec client -- busybox cat /tmp/dns /tmp/reply 2>&1 | tr '\n' ';')"
  sleep 10
done
k logs client | tee "$RESULTS/client.log" >&2
reply=$(k logs client | tail -n 1)
[[ $reply == "served by web on $WEB_NODE" ]] || die "unexpected reply from the service: $reply"
t_svc=$(($(date +%s) - boot))

if [ "$CPS" = 3 ]; then
  # Failover: power off the control plane that holds the VIP (kube-vip's lease
  # names it), then the API must answer through the VIP again, from another
  # control plane, and a new pod must be scheduled and run.
  server=$(k config view --minify -o 'jsonpath={.clusters[0].cluster.server}')
  [ "$server" = "https://$VIP:6443" ] || die "the admin kubeconfig points at $server, not the VIP $VIP:6443"
  holder=$(k -n kube-system get lease plndr-cp-lock -o 'jsonpath={.spec.holderIdentity}')
  [[ " ${NODES[*]:0:$CPS} " == *" $holder "* ]] || die "kube-vip's lease holder is '$holder', not a control plane"
  log "the VIP is on $holder; powering it off"
  k get nodes -o wide > "$RESULTS/before-failover.txt" 2>&1 || true
  off=$(date +%s)
  "$LAB_DIR/vm.sh" stop "$holder" > /dev/null
  until [ "$(k get --raw /readyz 2> /dev/null)" = ok ]; do
    (($(date +%s) < deadline)) || die "the API did not answer through the VIP after $holder went off"
    sleep 5
  done
  t_api=$(($(date +%s) - off))
  new_holder=""
  until [ -n "$new_holder" ] && [ "$new_holder" != "$holder" ]; do
    (($(date +%s) < deadline)) || die "no other control plane took kube-vip's lease from $holder"
    new_holder=$(k -n kube-system get lease plndr-cp-lock -o 'jsonpath={.spec.holderIdentity}' 2> /dev/null || true)
    sleep 5
  done
  log "the API answers through the VIP ${t_api}s after $holder went off; the VIP is on $new_holder"
  sed "s/@WORKER@/$CLIENT_NODE/" > "$WORK/render/after.yaml" << 'MANIFEST'
apiVersion: v1
kind: Pod
metadata:
  name: after-failover
spec:
  restartPolicy: Never
  containers:
    - name: hello
      image: harbor:443/lab/busybox:1
      command: [/bin/busybox, sh, -c, 'echo "scheduled after failover on $(busybox hostname)"']
MANIFEST
  until k apply -f "$WORK/render/after.yaml" > /dev/null 2>&1; do
    (($(date +%s) < deadline)) || die "could not create a pod after the failover"
    sleep 5
  done
  until [ "$(k get pod after-failover -o 'jsonpath={.status.phase}' 2> /dev/null)" = Succeeded ]; do
    (($(date +%s) < deadline)) || die "the pod created after the failover did not run: $(k get pod after-failover -o wide 2>&1 | tr '\n' ';')"
    sleep 5
  done
  t_pod=$(($(date +%s) - off))
  k logs after-failover | tee "$RESULTS/after-failover.log" >&2
  after_node=$(k get pod after-failover -o 'jsonpath={.spec.nodeName}')
  log "a new pod was scheduled on $after_node and ran ${t_pod}s after $holder went off"
fi

{
  k get nodes -o wide
  k get pods -A -o wide
} | tee "$RESULTS/cluster.txt" >&2
{
  for n in "${NODES[@]}"; do
    echo "started_${n}_s=${started_at[$n]}"
    echo "ready_${n}_s=${ready_at[$n]}"
  done
  echo "coredns_s=$t_dns"
  echo "service_reply_s=$t_svc"
  echo "inputs_s=$((t_ready - t0))"
  if [ "$CPS" = 3 ]; then
    echo "failover_powered_off=$holder"
    echo "failover_new_vip_holder=$new_holder"
    echo "failover_api_via_vip_s=$t_api"
    echo "failover_new_pod_ran_s=$t_pod"
  fi
} | tee "$RESULTS/timings.txt" >&2
log "stage $STAGE passed: ${#NODES[@]} nodes Ready, CoreDNS up, $CLIENT_NODE -> Service -> $WEB_NODE pod: \"$reply\"${holder:+; $holder powered off, the VIP moved to $new_holder and the API answered ${t_api}s later, a new pod ran after ${t_pod}s}"
