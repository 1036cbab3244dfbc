#!/usr/bin/env bash
# Boot lab stage 2, inside each guest (run by the final probe, after cloud-final): records
# how the bootstrap ended and keeps the node running; the host checks the cluster itself
# through the admin kubeconfig k8sgen wrote.
set -uo pipefail
{
  echo "status=$(cat /var/lib/k8sgen/status 2> /dev/null)"
  echo "uptime_at_bootstrap_end=$(cut -d' ' -f1 /proc/uptime)"
} > "$OUT/status.txt"
{
  crictl ps -a
  crictl images
  systemctl status kubelet containerd --no-pager
} > "$OUT/state.txt" 2>&1
journalctl -u kubelet -b --no-pager 2>&1 | tail -n 3000 > "$OUT/kubelet.txt"
touch "$OUT/.keep-running"
