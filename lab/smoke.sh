#!/usr/bin/env bash
# lab/smoke.sh: proves the boot lab harness end to end with one small guest.
#
# Usage: lab/smoke.sh [TIMEOUT]     (root; TIMEOUT for the guest in seconds, default 900)
# Env:   K8SGEN_CACHE; LAB_NETNS (default k8sgen-lab-smoke, its own namespace so that it
#        never stops another lab run); LAB_WORK (default $K8SGEN_CACHE/lab/smoke).
#
# Builds or reuses the image (lab/image.sh), brings the namespace up, boots guest
# "lab-smoke" at 10.77.0.10 with a hand-written user-data (write_files + a runcmd that
# sleeps) and a tools dir whose run.sh records what the guest sees, waits for the
# power-off, extracts and checks the results, and always tears the namespace down.
# Results stay in $LAB_WORK/results. Prints boot-to-poweroff seconds.
set -euo pipefail
LAB_PROG=smoke.sh
# shellcheck source=lab/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

timeout=${1:-900}
[[ $timeout =~ ^[1-9][0-9]*$ ]] || die "usage: smoke.sh [TIMEOUT-SECONDS]"
lab_require_root
export LAB_NETNS=${LAB_NETNS:-k8sgen-lab-smoke}
export LAB_WORK=${LAB_WORK:-$(lab_cache)/smoke}
NAME=lab-smoke
IP=10.77.0.10

waiter=""
cleanup() {
  local rc=$?
  if [ -n "$waiter" ]; then
    kill "$waiter" 2>/dev/null || true
  fi
  "$LAB_DIR/vm.sh" stop "$NAME" || true
  "$LAB_DIR/net.sh" down || true
  if [ "$rc" -ne 0 ]; then
    log "FAILED (exit $rc); console: $LAB_WORK/$NAME/serial.log"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$LAB_DIR/deps.sh"
t0=$(date +%s)
image=$("$LAB_DIR/image.sh")
log "image: $image ($(($(date +%s) - t0))s)"

inputs="$LAB_WORK/inputs"
results="$LAB_WORK/results"
rm -rf "$inputs" "$results"
mkdir -p "$inputs/tools"

cat > "$inputs/user-data" <<'EOF'
#cloud-config
write_files:
  - path: /etc/k8sgen-smoke.txt
    content: "written by write_files\n"
runcmd:
  - [sh, -c, "sleep 20; date +%s > /var/lib/k8sgen-smoke-runcmd"]
EOF
cat > "$inputs/meta-data" <<EOF
instance-id: $NAME-$(date +%s)
local-hostname: $NAME
EOF
cat > "$inputs/tools/run.sh" <<'EOF'
#!/usr/bin/env bash
# Runs inside the guest (k8sgen-lab-probe) with OUT=<results dir>, TOOLS=<this dir>.
set -u
hostname > "$OUT/hostname.txt"
ip -j -4 addr show dev eth0 > "$OUT/ip-addr.json"
ip -j -4 route show default > "$OUT/ip-route.json"
ping -c1 -W5 10.77.0.1 > "$OUT/ping.txt" 2>&1
echo $? > "$OUT/ping.rc"
cp /etc/k8sgen-smoke.txt "$OUT/smoke-file.txt"
cp /var/lib/k8sgen-smoke-runcmd "$OUT/runcmd-done.txt"
cp /etc/resolv.conf "$OUT/resolv.conf"
apt-get update > "$OUT/apt-update.txt" 2>&1
echo $? > "$OUT/apt-update.rc"
exit 0
EOF

"$LAB_DIR/net.sh" down
"$LAB_DIR/net.sh" up
"$LAB_DIR/vm.sh" start --name "$NAME" --ip "$IP" --image "$image" \
  --user-data "$inputs/user-data" --meta-data "$inputs/meta-data" --tools "$inputs/tools"
# In the background so that a signal to this script is handled at once.
"$LAB_DIR/vm.sh" wait "$NAME" "$timeout" > "$LAB_WORK/wait.out" &
waiter=$!
if ! wait "$waiter"; then
  waiter=""
  die "the guest did not power off cleanly within ${timeout}s"
fi
waiter=""
elapsed=$(cat "$LAB_WORK/wait.out")
"$LAB_DIR/vm.sh" results "$NAME" "$results"

fails=0
check() {
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then
    log "ok   $what"
  else
    log "FAIL $what"
    fails=$((fails + 1))
  fi
}
kv() { sed -n "s/^$2=//p" "$results/$1"; }

check "run.sh exited 0" grep -qx 0 "$results/run.rc"
check "hostname is $NAME" grep -qx "$NAME" "$results/hostname.txt"
# ip's JSON, not its text: parsed, so a change of column order or spacing cannot fail it.
jcheck() { python3 -c "import json, sys; d = json.load(open(sys.argv[1])); sys.exit(not ($2))" "$results/$1"; }
check "eth0 has $IP/24" jcheck ip-addr.json "any(a['local'] == '$IP' and a['prefixlen'] == 24 for i in d for a in i['addr_info'])"
check "default route via 10.77.0.1" jcheck ip-route.json "[(r.get('gateway'), r.get('dev')) for r in d] == [('10.77.0.1', 'eth0')]"
check "ping 10.77.0.1 answered" grep -qx 0 "$results/ping.rc"
check "write_files file present" grep -qx "written by write_files" "$results/smoke-file.txt"
check "runcmd finished" test -s "$results/runcmd-done.txt"
check "probe started after runcmd finished" \
  test "$(kv probe.txt probe_start)" -ge "$(cat "$results/runcmd-done.txt" 2>/dev/null || echo 9999999999)"
check "resolv.conf names 10.77.0.1" grep -qx "nameserver 10.77.0.1" "$results/resolv.conf"
check "apt-get update succeeds with no sources" grep -qx 0 "$results/apt-update.rc"
check "cloud-init status done" grep -q "^status: done" "$results/cloud-init-status.txt"
check "cloud-init.log collected" test -s "$results/cloud-init.log"
check "cloud-init-output.log collected" test -s "$results/cloud-init-output.log"
check "journal collected" test -s "$results/journal.txt"
empty_file() { [ -e "$1" ] && [ ! -s "$1" ]; }
check "no failed units" empty_file "$results/failed-units.txt"

[ "$fails" -eq 0 ] || die "$fails check(s) failed; results in $results"
log "all checks passed; results in $results"
log "boot-to-poweroff ${elapsed}s"
echo "boot-to-poweroff seconds: $elapsed"
