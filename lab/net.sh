#!/usr/bin/env bash
# lab/net.sh: the boot lab's private network, a network namespace holding a bridge.
#
# Usage (root):
#   lab/net.sh up           create namespace $LAB_NETNS with lo up and bridge br0
#                           (10.77.0.1/24, the guests' gateway and DNS address); idempotent
#   lab/net.sh tap NAME     create tap NAME inside the namespace, attached to br0 and up
#                           (runs "up" first); idempotent. NAME: at most 15 characters
#   lab/net.sh down         kill every process still inside the namespace, delete it;
#                           idempotent
#   lab/net.sh exec CMD...  run CMD inside the namespace (e.g. a server on 10.77.0.1)
#   lab/net.sh status       print the namespace's links and addresses (exit 1 if absent)
# Env: LAB_NETNS (default k8sgen-lab).
#
# Nothing here touches the host's root network namespace except creating and deleting
# the namespace itself: no route, no NAT, no veth to the outside. Guests can reach
# 10.77.0.0/24 and nothing else.
set -euo pipefail
LAB_PROG=net.sh
# shellcheck source=lab/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NS=$(lab_netns)
BRIDGE=br0
BRIDGE_ADDR=10.77.0.1/24

ns_exists() {
  ip netns list | awk '{print $1}' | grep -qxF "$NS"
}

in_ns() {
  ip netns exec "$NS" "$@"
}

link_exists() {
  in_ns ip link show dev "$1" >/dev/null 2>&1
}

net_up() {
  if ! ns_exists; then
    ip netns add "$NS" || die "cannot create network namespace $NS"
  fi
  in_ns ip link set lo up
  if ! link_exists "$BRIDGE"; then
    in_ns ip link add "$BRIDGE" type bridge || die "cannot create bridge $BRIDGE in $NS"
  fi
  # No STP, no forwarding delay: a guest's first packets must not be dropped.
  in_ns ip link set "$BRIDGE" type bridge stp_state 0 forward_delay 0
  in_ns ip addr replace "$BRIDGE_ADDR" dev "$BRIDGE"
  in_ns ip link set "$BRIDGE" up
}

net_tap() {
  local name=$1
  if [ -z "$name" ] || [ ${#name} -gt 15 ]; then
    die "tap name '$name' must be 1 to 15 characters"
  fi
  case $name in
    */* | *' '* | lo | "$BRIDGE") die "bad tap name '$name'" ;;
  esac
  net_up
  if ! link_exists "$name"; then
    in_ns ip tuntap add dev "$name" mode tap || die "cannot create tap $name in $NS"
  fi
  in_ns ip link set "$name" master "$BRIDGE"
  in_ns ip link set "$name" up
}

net_down() {
  local pids pid _
  ns_exists || return 0
  pids=$(ip netns pids "$NS" || true)
  if [ -n "$pids" ]; then
    log "stopping processes in $NS: $(echo "$pids" | tr '\n' ' ')"
    for pid in $pids; do
      kill -TERM "$pid" 2>/dev/null || true
    done
    for _ in $(seq 1 20); do
      pids=$(ip netns pids "$NS" || true)
      [ -z "$pids" ] && break
      sleep 0.25
    done
    for pid in $pids; do
      kill -KILL "$pid" 2>/dev/null || true
    done
    for _ in $(seq 1 20); do
      [ -z "$(ip netns pids "$NS" || true)" ] && break
      sleep 0.25
    done
  fi
  ip netns delete "$NS" || die "cannot delete network namespace $NS"
}

[ $# -ge 1 ] || die "usage: net.sh up|down|tap NAME|exec CMD...|status"
cmd=$1
shift
case $cmd in
  up | down | tap | exec) lab_require_root; lab_need ip ;;
esac
case $cmd in
  up)
    [ $# -eq 0 ] || die "usage: net.sh up"
    net_up
    ;;
  down)
    [ $# -eq 0 ] || die "usage: net.sh down"
    net_down
    ;;
  tap)
    [ $# -eq 1 ] || die "usage: net.sh tap NAME"
    net_tap "$1"
    ;;
  exec)
    [ $# -ge 1 ] || die "usage: net.sh exec CMD..."
    ns_exists || die "namespace $NS does not exist: run net.sh up"
    exec ip netns exec "$NS" "$@"
    ;;
  status)
    ns_exists || { log "namespace $NS does not exist"; exit 1; }
    in_ns ip -br link
    in_ns ip -br addr
    ;;
  *) die "unknown command '$cmd' (usage: net.sh up|down|tap NAME|exec CMD...|status)" ;;
esac
