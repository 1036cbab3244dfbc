#!/usr/bin/env bash
# Prints the writable sysctl keys of the running kernel that k8sgen's table of
# known keys (render/spec/kernel_tables.go) lacks, for a person to review: the
# table is curated, not generated, so that it stays small and names the keys
# Kubernetes nodes are tuned with. Per-interface keys are shown for "default".
#
# Usage: hack/sysctl-keys.sh [PREFIX]   (e.g. net.netfilter.; default: every key)
# Reads /proc/sys only; writes nothing.
set -euo pipefail

prefix=${1:-}
table="$(dirname "${BASH_SOURCE[0]}")/../render/spec/kernel_tables.go"
[ -r "$table" ] || {
	echo "sysctl-keys.sh: cannot read $table" >&2
	exit 1
}

known=$(sed -n '/^var knownSysctls/,/^}/p' "$table" | sed -n 's/^[[:space:]]*"\([^"]*\)",$/\1/p' | sort -u)

find /proc/sys -type f -perm -u+w 2>/dev/null |
	sed -e 's|^/proc/sys/||' -e 's|/|.|g' |
	sed -E 's/^(net\.ipv[46]\.(conf|neigh))\.[^.]+\.([^.]+)$/\1.default.\3/' |
	awk -v p="$prefix" 'index($0, p) == 1' |
	sort -u |
	comm -23 - <(printf '%s\n' "$known")
