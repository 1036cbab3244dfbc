package spec

import (
	"strings"
	"testing"
)

// TestNodeVersions: a worker's kubernetesVersion follows the kubelet skew
// policy (never newer than the cluster, at most three minors older), control
// planes keep the cluster's release, and the OS must be able to install a
// second release; the kubelet's settings are checked against the older kubelet.
func TestNodeVersions(t *testing.T) {
	worker := func(ver string) string {
		return editOf(t, nodesSpec, "    ip: 192.168.1.21\n", "    ip: 192.168.1.21\n    kubernetesVersion: "+ver+"\n")
	}
	for _, ok := range []string{"1.31.0", "v1.33.4", "1.34.0"} {
		if _, probs := check(worker(ok)); len(probs) != 0 {
			t.Errorf("worker at %s refused:\n%s", ok, dump(probs))
		}
	}
	for _, tc := range []struct {
		name string
		src  string
		w    want
	}{
		{"control plane", editOf(t, nodesSpec, "    ip: 192.168.1.11\n", "    ip: 192.168.1.11\n    kubernetesVersion: 1.33.0\n"),
			want{"nodes[0].kubernetesVersion", 12, []string{"a control plane runs the cluster's kubernetesVersion (1.34.0)", "kubeadm upgrade"}}},
		{"newer minor", worker("1.35.0"),
			want{"nodes[1].kubernetesVersion", 15, []string{"1.35.0 is newer than the cluster's kubernetesVersion 1.34.0", "never be newer than kube-apiserver"}}},
		{"newer patch", worker("1.34.2"),
			want{"nodes[1].kubernetesVersion", 15, []string{"1.34.2 is newer"}}},
		{"four minors older", worker("1.30.0"),
			want{"nodes[1].kubernetesVersion", 15, []string{"1.30.0 is 4 minors older", "at most 3 minors", "the oldest is 1.31"}}},
		{"not a version", worker("latest"),
			want{"nodes[1].kubernetesVersion", 15, []string{`"latest"`}}},
		{"sysext", editOf(t, worker("1.33.0"), "os: ubuntu-24.04", "os: flatcar"),
			want{"nodes[1].kubernetesVersion", 15, []string{"flatcar installs Kubernetes from one sysext image", "the cluster's 1.34.0"}}},
		{"binaries url", editOf(t, worker("1.33.0"), "os: ubuntu-24.04\n", "os: fcos\npackages:\n  kubernetesBinaries:\n    url: https://mirror.example/k8s/v1.34.0/\n"),
			want{"nodes[1].kubernetesVersion", 18, []string{"packages.kubernetesBinaries.url names the binaries of the cluster's release only"}}},
		// The gate exists from 1.32: the worker's 1.31 kubelet refuses to start with it.
		{"gate the old kubelet lacks", editOf(t, worker("1.31.0"), "components:\n", "featureGates:\n  KubeletCrashLoopBackOffMax: true\ncomponents:\n"),
			want{"featureGates.KubeletCrashLoopBackOffMax", 5, []string{"1.31", "(nodes[1] (w1) run kubelet 1.31)"}}},
		// The node's own flag, against its own kubelet: --fail-cgroupv1 is new in 1.31.
		{"node flag the old kubelet lacks", editOf(t, worker("1.30.0"), `kubernetesVersion: "1.34.0"`, `kubernetesVersion: "1.33.0"`, "    labels:\n", "    kubeletExtraArgs:\n      fail-cgroupv1: \"true\"\n    labels:\n"),
			want{"nodes[1].kubeletExtraArgs.fail-cgroupv1", 17, []string{"kubelet 1.30 has no flag --fail-cgroupv1", "(nodes[1] (w1) runs kubelet 1.30)"}}},
		{"cluster flag the old kubelet lacks", editOf(t, worker("1.30.0"), `kubernetesVersion: "1.34.0"`, `kubernetesVersion: "1.33.0"`, "      node-labels:", "      fail-cgroupv1: \"true\"\n      node-labels:"),
			want{"components.kubelet.extraArgs.fail-cgroupv1", 7, []string{"kubelet 1.30 has no flag --fail-cgroupv1", "run kubelet 1.30)"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, probs := check(tc.src)
			expect(t, probs.Errors(), true, tc.w)
		})
	}

	// A field the old kubelet does not know: it decodes leniently and drops it.
	src := editOf(t, worker("1.31.0"), "components:\n", "kubeletConfiguration:\n  crashLoopBackOff:\n    maxContainerRestartPeriod: 1m\ncomponents:\n")
	_, probs := check(src)
	if errs := probs.Errors(); len(errs) != 0 {
		t.Fatalf("errors:\n%s", dump(errs))
	}
	found := false
	for _, p := range probs {
		if p.Warning && p.Path == "kubeletConfiguration.crashLoopBackOff" && p.Line == 5 &&
			strings.Contains(p.Msg, "KubeletConfiguration of Kubernetes 1.31 has no field crashLoopBackOff") &&
			strings.Contains(p.Msg, "ignores the field (nodes[1] (w1) run kubelet 1.31)") {
			found = true
		}
	}
	if !found {
		t.Errorf("no lenient-decoding warning:\n%s", dump(probs))
	}
}
