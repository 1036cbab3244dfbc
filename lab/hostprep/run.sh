#!/usr/bin/env bash
# Boot lab stage 1, inside the guest: waits until k8sgen's bootstrap has finished host
# preparation (its status reaches the kubeadm step, fails, or is done), then checks what
# the node looks like. Run by the image's k8sgen-lab-probe with OUT (results directory)
# and TOOLS (this disk); expectations come from $TOOLS/expect.env, written by
# lab/hostprep.sh from the spec it rendered. One line per check goes to $OUT/checks.txt:
# "ok NAME" or "FAIL NAME: detail".
#
# With FLATCAR=1 in expect.env (LAB_OS=flatcar), the machine's first boot only applies
# k8sgen's config.ign (ignition.sh) and powers off; the checks run on the second boot.
set -uo pipefail

# shellcheck source=/dev/null
. "$TOOLS/expect.env"
if [ "${FLATCAR:-0}" = 1 ] && [ ! -e /var/lib/k8sgen-lab/ignition-applied ]; then
  exec bash "$TOOLS/ignition.sh"
fi
# The lab's crictl, for the checks, where the node has none.
if ! command -v crictl > /dev/null && [ -x "$TOOLS/bin/crictl" ]; then
  PATH=$PATH:$TOOLS/bin
fi
checks="$OUT/checks.txt"
: > "$checks"

ok() { echo "ok $1" >> "$checks"; }
fail() { echo "FAIL $1: $2" >> "$checks"; }
# check NAME COMMAND... records whether COMMAND succeeds.
check() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then
    ok "$name"
  else
    fail "$name" "$(printf '%s' "$out" | tr '\n' ' ' | cut -c1-300)"
  fi
}

# The parsers of structured output (JSON, TOML), tested by lab/hostprep/checks_test.go.
# shellcheck source=lab/hostprep/checks.sh
. "$TOOLS/checks.sh"

status_file=/var/lib/k8sgen/status
deadline=$(($(cut -d. -f1 /proc/uptime) + ${WAIT_LIMIT:-1500}))
status=""
while :; do
  status=$(cat "$status_file" 2> /dev/null || true)
  case $status in
    "running step=$WAIT_STEP" | done | failed*) break ;;
  esac
  if (($(cut -d. -f1 /proc/uptime) >= deadline)); then
    break
  fi
  sleep 5
done
echo "status=$status" > "$OUT/status.txt"
echo "uptime_at_host_prep_done=$(cut -d' ' -f1 /proc/uptime)" >> "$OUT/status.txt"

check status test "$status" = "running step=$WAIT_STEP"
check bootstrap-log test -s /var/log/k8sgen-bootstrap.log

check hostname test "$(hostname)" = "$NODE_NAME"
# The lab network has no DHCP: the address and the default route come from the seed's
# network-config (k8sgen's own for Debian).
check address sh -c "ip -4 -o addr show dev eth0 | grep -qF ' $NODE_ADDRESS '"
check default-route sh -c "ip -4 route show default | grep -q '^default via $GATEWAY '"
for line in "${HOSTS_LINES[@]}"; do
  check "etc-hosts $line" grep -qxF "$line" /etc/hosts
done
check etc-hosts-block grep -qx '# BEGIN k8sgen' /etc/hosts

check swap-off test -z "$(swapon --noheadings --show)"
check swap-fstab-commented sh -c '! grep -Eq "^[^#[:space:]]\S*\s+\S+\s+swap\s" /etc/fstab'
check swap-fstab-kept grep -q "^#k8sgen# /swapfile" /etc/fstab

for m in "${MODULES[@]}"; do
  check "module $m" test -d "/sys/module/$m"
done
for kv in "${SYSCTLS[@]}"; do
  key=${kv%%=*} want=${kv#*=}
  check "sysctl $key=$want" test "$(sysctl -n "$key")" = "$want"
done

check firewall-none sh -c '! systemctl is-active --quiet ufw && ! systemctl is-active --quiet firewalld'
if [ "${FLATCAR:-0}" = 1 ]; then
  check timesyncd-active systemctl is-active --quiet systemd-timesyncd
  check timesyncd-servers grep -qx "NTP=$NTP_SERVER" /etc/systemd/timesyncd.conf.d/k8sgen.conf
  # systemd started the bootstrap at boot from Ignition's preset; it waits in kubeadm join.
  check bootstrap-unit-enabled test "$(systemctl is-enabled k8sgen-bootstrap.service)" = enabled
  check bootstrap-unit-running test "$(systemctl show -p ActiveState --value k8sgen-bootstrap.service)" = activating
  check locksmithd-masked test "$(readlink /etc/systemd/system/locksmithd.service)" = /dev/null
  check containerd-drop-in sh -c "systemctl show -p DropInPaths --value containerd | grep -q 10-k8sgen-config.conf"
  check sysext-link test "$(readlink /etc/extensions/kubernetes.raw)" = "$SYSEXT_FILE"
  check sysext-merged sh -c "systemd-sysext list --no-legend | grep -q '^kubernetes ' && findmnt -n -o FSTYPE /usr | grep -qx overlay"
else
  check chrony-active systemctl is-active --quiet chrony
  check chrony-servers grep -qx "server $NTP_SERVER iburst" /etc/chrony/chrony.conf
fi

check containerd-active systemctl is-active --quiet containerd
check containerd-version sh -c "dpkg-query -W -f '\${Version}' containerd.io | grep -q '^$CONTAINERD_SERIES\\.'"
dump=$OUT/containerd-config-dump.toml
containerd config dump > "$dump" 2>&1
check containerd-systemd-cgroup toml_has "$dump" runtimes.runc.options.SystemdCgroup true
# containerd 2.x pins the sandbox image under pinned_images; 1.7 calls it sandbox_image.
sandbox_is() { toml_has "$dump" pinned_images.sandbox "\"$1\"" > /dev/null || toml_has "$dump" sandbox_image "\"$1\""; }
check containerd-sandbox sandbox_is "$PAUSE_IMAGE"
check containerd-config-0600 test "$(stat -c %a /etc/containerd/config.toml)" = 600
check containerd-registry-auth toml_has /etc/containerd/config.toml auth.username "\"$REGISTRY_USER\""
check certs-d-mirror grep -qF "$REGISTRY_HOST" /etc/containerd/certs.d/docker.io/hosts.toml
check certs-d-ca test -s "/etc/containerd/certs.d/$REGISTRY_HOST/ca.crt"
check crictl-runtime-ready json_cmd_check '[c["status"] for c in d["status"]["conditions"] if c["type"] == "RuntimeReady"] == [True]' crictl info
if [ -n "${PULL_IMAGE:-}" ]; then
  check "pull $PULL_IMAGE" crictl pull "$PULL_IMAGE"
fi

check kubelet-version test "$(kubelet --version)" = "Kubernetes v$K8S_VERSION"
check kubeadm-version test "$(kubeadm version -o short)" = "v$K8S_VERSION"
check kubectl-version json_cmd_check "d['clientVersion']['gitVersion'] == 'v$K8S_VERSION'" kubectl version --client -o json
check kubelet-enabled test "$(systemctl is-enabled kubelet)" = enabled
if [ "${FLATCAR:-0}" != 1 ]; then
  for p in kubelet kubeadm kubectl containerd.io; do
    check "held $p" sh -c "apt-mark showhold | grep -qx '$p'"
  done
fi
for p in "${EXTRA_PACKAGES[@]}"; do
  check "package $p" dpkg -s "$p"
done
check kubeadm-config-0600 test "$(stat -c %a "$KUBEADM_CONFIG")" = 600
check kubeadm-config-node grep -q "name: \"$NODE_NAME\"" "$KUBEADM_CONFIG"

{
  dpkg-query -W kubelet kubeadm kubectl containerd.io cri-tools kubernetes-cni
  systemctl status containerd kubelet --no-pager
  crictl info
  ls -laR /etc/containerd /etc/k8sgen
  systemd-sysext status
  systemctl status k8sgen-bootstrap --no-pager
} > "$OUT/state.txt" 2>&1

grep -c '^ok ' "$checks" > "$OUT/passed"
! grep -q '^FAIL' "$checks"
