package spec

import "testing"

// nodesSpec has one control plane and one worker with labels and taints; the
// line numbers below are its own.
const nodesSpec = `name: n
kubernetesVersion: "1.34.0"
os: ubuntu-24.04
components:
  kubelet:
    extraArgs:
      node-labels: topology.kubernetes.io/zone=a
nodes:
  - name: cp
    role: control-plane
    ip: 192.168.1.11
  - name: w1
    role: worker
    ip: 192.168.1.21
    labels:
      tier: storage
      node.kubernetes.io/pool: storage
    taints:
      - key: dedicated
        value: storage
        effect: NoSchedule
`

// TestNodeLabelsAndTaints: labels are checked as the kubelet checks
// --node-labels (the restricted kubernetes.io namespaces included) and must
// agree with the cluster's node-labels; taints need a qualified key, a label
// value and a known effect, once per key and effect.
func TestNodeLabelsAndTaints(t *testing.T) {
	if _, probs := check(nodesSpec); len(probs) != 0 {
		t.Fatalf("the spec is refused:\n%s", dump(probs))
	}
	for _, tc := range []struct {
		name string
		src  string
		w    want
	}{
		{"node role label", editOf(t, nodesSpec, "      tier: storage\n", "      node-role.kubernetes.io/worker: \"\"\n"),
			want{"nodes[1].labels", 15, []string{"the kubelet refuses to start with the label node-role.kubernetes.io/worker", "kubectl label"}}},
		{"bad label value", editOf(t, nodesSpec, "tier: storage", "tier: \"-x\""),
			want{"nodes[1].labels", 15, []string{`"tier=-x" is not a valid label`}}},
		{"conflict with the cluster", editOf(t, nodesSpec, "      tier: storage\n", "      topology.kubernetes.io/zone: b\n"),
			want{"nodes[1].labels", 15, []string{"topology.kubernetes.io/zone=b conflicts with topology.kubernetes.io/zone=a", "node-labels"}}},
		{"node kubelet flag unknown", editOf(t, nodesSpec, "    labels:\n", "    kubeletExtraArgs:\n      max-pod: \"20\"\n    labels:\n"),
			want{"nodes[1].kubeletExtraArgs.max-pod", 16, []string{"kubelet 1.34 has no flag --max-pod", "did you mean max-pods?"}}},
		{"node kubelet managed", editOf(t, nodesSpec, "    labels:\n", "    kubeletExtraArgs:\n      node-ip: 192.168.1.21\n    labels:\n"),
			want{"nodes[1].kubeletExtraArgs.node-ip", 16, []string{"node-ip cannot be an extra argument"}}},
		{"node kubelet labels", editOf(t, nodesSpec, "    labels:\n", "    kubeletExtraArgs:\n      node-labels: a=b\n    labels:\n"),
			want{"nodes[1].kubeletExtraArgs.node-labels", 16, []string{"use nodes[1].labels"}}},
		{"hostname label", editOf(t, nodesSpec, "      tier: storage\n", "      kubernetes.io/hostname: other\n"),
			want{"nodes[1].labels", 15, []string{"kubernetes.io/hostname is the node's name"}}},
		{"node feature gates", editOf(t, nodesSpec, "    labels:\n", "    kubeletExtraArgs:\n      feature-gates: NoSuchGate=true\n    labels:\n"),
			want{"nodes[1].kubeletExtraArgs.feature-gates", 16, []string{"use featureGates"}}},
		{"effect", editOf(t, nodesSpec, "effect: NoSchedule", "effect: NoScheduling"),
			want{"nodes[1].taints[0].effect", 21, []string{`"NoScheduling" is not a taint effect`, "PreferNoSchedule"}}},
		{"no effect", editOf(t, nodesSpec, "        effect: NoSchedule\n", ""),
			want{"nodes[1].taints[0].effect", 19, []string{"required"}}},
		{"key", editOf(t, nodesSpec, "key: dedicated", "key: \"-dedicated\""),
			want{"nodes[1].taints[0].key", 19, []string{`"-dedicated" is not a taint key`}}},
		{"value", editOf(t, nodesSpec, "value: storage", "value: \"storage$(id)\""),
			want{"nodes[1].taints[0].value", 20, []string{"is not a taint value"}}},
		{"duplicate", editOf(t, nodesSpec, "        effect: NoSchedule\n", "        effect: NoSchedule\n      - key: dedicated\n        effect: NoSchedule\n"),
			want{"nodes[1].taints[1]", 22, []string{"dedicated:NoSchedule is already nodes[1].taints[0]"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, probs := check(tc.src)
			expect(t, probs.Errors(), false, tc.w)
		})
	}
}

// TestCertSANs: each extra name is an IP address or a DNS name (a leading "*."
// allowed), once.
func TestCertSANs(t *testing.T) {
	base := editOf(t, nodesSpec, "nodes:\n", "certSANs: [api.example.com, 10.0.0.5, \"*.k8s.example.com\"]\nnodes:\n")
	if _, probs := check(base); len(probs) != 0 {
		t.Fatalf("the spec is refused:\n%s", dump(probs))
	}
	for _, tc := range []struct {
		name, from, to string
		w              want
	}{
		{"not a name", "api.example.com", "\"api example\"", want{"certSANs[0]", 8, []string{"holds whitespace"}}},
		{"upper case", "api.example.com", "API.example.com", want{"certSANs[0]", 8, []string{"neither an IP address nor a DNS name"}}},
		{"shell", "api.example.com", "\"$(id)\"", want{"certSANs[0]", 8, []string{"neither an IP address nor a DNS name"}}},
		{"duplicate", "10.0.0.5", "api.example.com", want{"certSANs[1]", 8, []string{`"api.example.com" is already certSANs[0]`}}},
		{"zone", "10.0.0.5", "\"fe80::1%eth0\"", want{"certSANs[1]", 8, []string{"has an IPv6 zone"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, probs := check(editOf(t, base, tc.from, tc.to))
			expect(t, probs.Errors(), false, tc.w)
		})
	}
}
