package spec

import (
	"strings"
	"testing"
)

// configSpec appends a document field holding body (indented by the caller
// with two spaces); body's first line is lAfterBase+1.
func configSpec(field, body string) string {
	return base + field + ":\n" + body
}

func TestConfigDocumentsRefused(t *testing.T) {
	const l = lAfterBase + 1
	tests := []struct {
		name, field, body string
		want              want
	}{
		{"unknown field", "kubeletConfiguration", "  maxPod: 10\n",
			want{"kubeletConfiguration.maxPod", l, []string{"KubeletConfiguration of Kubernetes 1.32 has no field maxPod", "did you mean maxPods?"}}},
		{"unknown nested field", "kubeletConfiguration", "  logging:\n    formats: json\n",
			want{"kubeletConfiguration.logging.formats", l + 1, []string{"no field logging.formats", "did you mean format?"}}},
		{"field of a later release", "kubeletConfiguration", "  imagePullCredentialsVerificationPolicy: NeverVerify\n",
			want{"kubeletConfiguration.imagePullCredentialsVerificationPolicy", l, []string{"Kubernetes 1.32 has no field"}}},
		{"cgroup driver", "kubeletConfiguration", "  cgroupDriver: cgroupfs\n",
			want{"kubeletConfiguration.cgroupDriver", l, []string{"set by k8sgen or kubeadm", "systemd"}}},
		{"feature gates", "kubeletConfiguration", "  featureGates: {AllAlpha: true}\n",
			want{"kubeletConfiguration.featureGates", l, []string{"featureGates at the top of cluster.yaml"}}},
		{"nested managed field", "kubeletConfiguration", "  authorization:\n    mode: AlwaysAllow\n",
			want{"kubeletConfiguration.authorization.mode", l + 1, []string{"kubeadm sets Webhook"}}},
		{"cluster domain", "kubeletConfiguration", "  clusterDomain: corp.local\n",
			want{"kubeletConfiguration.clusterDomain", l, []string{"CoreDNS"}}},
		{"taints for all", "kubeletConfiguration", "  registerWithTaints: []\n",
			want{"kubeletConfiguration.registerWithTaints", l, []string{"nodes[].taints"}}},
		{"string for a number", "kubeletConfiguration", "  maxPods: \"110\"\n",
			want{"kubeletConfiguration.maxPods", l, []string{"maxPods takes a whole number", `the string "110"`}}},
		{"number out of range", "kubeletConfiguration", "  maxPods: 4294967296\n",
			want{"kubeletConfiguration.maxPods", l, []string{"32-bit integer", "4294967296 is out of its range"}}},
		{"negative unsigned", "kubeletConfiguration", "  logging: {verbosity: -1}\n",
			want{"kubeletConfiguration.logging.verbosity", l, []string{"32-bit unsigned integer"}}},
		{"fraction for an integer", "kubeletConfiguration", "  maxPods: 1.5\n",
			want{"kubeletConfiguration.maxPods", l, []string{"takes a whole number"}}},
		{"bad duration", "kubeletConfiguration", "  shutdownGracePeriod: 30x\n",
			want{"kubeletConfiguration.shutdownGracePeriod", l, []string{"a duration such as 30s", `"30x"`}}},
		{"number for a duration", "kubeletConfiguration", "  shutdownGracePeriod: 30\n",
			want{"kubeletConfiguration.shutdownGracePeriod", l, []string{"a duration such as 30s", "the number 30"}}},
		{"list for a map", "kubeletConfiguration", "  systemReserved: [cpu]\n",
			want{"kubeletConfiguration.systemReserved", l, []string{"takes a mapping, found a list"}}},
		{"scalar for an object", "kubeletConfiguration", "  logging: json\n",
			want{"kubeletConfiguration.logging", l, []string{"takes a mapping of fields"}}},
		{"map value of the wrong kind", "kubeletConfiguration", "  evictionHard:\n    memory.available: [1]\n",
			want{"kubeletConfiguration.evictionHard.memory.available", l + 1, []string{"evictionHard.* takes a string"}}},
		{"list item of the wrong kind", "kubeletConfiguration", "  clusterDNS: [10.96.0.10, true]\n",
			want{"kubeletConfiguration.clusterDNS[1]", l, []string{"clusterDNS[] takes a string", "found true"}}},
		{"DNS server not an address", "kubeletConfiguration", "  clusterDNS: [kube-dns]\n",
			want{"kubeletConfiguration.clusterDNS[0]", l, []string{`"kube-dns" is not an IP address`}}},
		{"relative plugin directory", "kubeletConfiguration", "  volumePluginDir: plugins\n",
			want{"kubeletConfiguration.volumePluginDir", l, []string{"not an absolute, clean path"}}},
		{"plugin directory among the certificates", "kubeletConfiguration", "  volumePluginDir: /etc/kubernetes/flex\n",
			want{"kubeletConfiguration.volumePluginDir", l, []string{"lies in /etc/kubernetes"}}},
		{"bool for a string", "kubeletConfiguration", "  cpuManagerPolicy: yes\n",
			want{"kubeletConfiguration.cpuManagerPolicy", l, []string{}}}, // yaml.v3 reads yes as a string: accepted
		{"proxy mode", "kubeProxyConfiguration", "  mode: ipvs\n",
			want{"kubeProxyConfiguration.mode", l, []string{"network.kubeProxyMode"}}},
		{"proxy cluster CIDR", "kubeProxyConfiguration", "  clusterCIDR: 10.0.0.0/8\n",
			want{"kubeProxyConfiguration.clusterCIDR", l, []string{"network.podSubnet"}}},
		{"proxy kubeconfig", "kubeProxyConfiguration", "  clientConnection: {kubeconfig: /x}\n",
			want{"kubeProxyConfiguration.clientConnection.kubeconfig", l, []string{"kubeadm mounts"}}},
		{"proxy unknown", "kubeProxyConfiguration", "  conntrack: {maxPerCores: 1}\n",
			want{"kubeProxyConfiguration.conntrack.maxPerCores", l, []string{"KubeProxyConfiguration of Kubernetes 1.32 has no field conntrack.maxPerCores", "did you mean maxPerCore?"}}},
		{"proxy float", "kubeProxyConfiguration", "  clientConnection: {qps: fast}\n",
			want{"kubeProxyConfiguration.clientConnection.qps", l, []string{"takes a number"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, probs := check(configSpec(tc.field, tc.body))
			if len(tc.want.msg) == 0 {
				expect(t, probs.Errors(), true)
				return
			}
			expect(t, probs.Errors(), true, tc.want)
		})
	}
}

// The loader refuses what a configuration value cannot be before any table is read.
func TestConfigDocumentsLoad(t *testing.T) {
	const l = lAfterBase + 1
	tests := []struct {
		name, body string
		want       want
	}{
		{"null", "  maxPods:\n", want{"kubeletConfiguration.maxPods", l, []string{"no value"}}},
		{"timestamp", "  maxPods: 2001-12-14\n", want{"kubeletConfiguration.maxPods", l, []string{"tag !!timestamp is not allowed"}}},
		{"binary", "  maxPods: !!binary aGk=\n", want{"kubeletConfiguration.maxPods", l, []string{"tag !!binary is not allowed"}}},
		{"infinity", "  memoryThrottlingFactor: .inf\n", want{"kubeletConfiguration.memoryThrottlingFactor", l, []string{"not a finite number"}}},
		{"huge integer", "  maxPods: 123456789012345678901234567890\n", want{"kubeletConfiguration.maxPods", l, []string{}}},
		{"control character", "  cpuManagerPolicy: \"a\\u0085b\"\n", want{"kubeletConfiguration.cpuManagerPolicy", l, []string{"control character"}}},
		{"key with a newline", "  \"a\\nb\": 1\n", want{"kubeletConfiguration", l, []string{"key holds the control character"}}},
		{"alias", "  x: &a 1\n  y: *a\n", want{"kubeletConfiguration.y", l + 1, []string{"alias"}}},
		{"non-string key", "  logging: {1: a}\n", want{"kubeletConfiguration.logging", l, []string{"a key must be plain text"}}},
		{"deep", "  a: " + strings.Repeat("{a: ", 9) + "1" + strings.Repeat("}", 9) + "\n", want{"kubeletConfiguration.a.a.a.a.a.a.a.a.a", l, []string{"nested more than 8 levels"}}},
		{"long list", "  clusterDNS: [" + strings.Repeat("a, ", 256) + "a]\n", want{"kubeletConfiguration.clusterDNS", l, []string{"more than 256 entries"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, probs := check(configSpec("kubeletConfiguration", tc.body))
			if len(tc.want.msg) == 0 {
				if len(probs.Errors()) == 0 {
					t.Fatal("accepted")
				}
				return
			}
			expect(t, probs.Errors(), false, tc.want)
		})
	}
}

// Every field of every release's table is reachable, and the example values
// of the golden cases pass in every release that has their fields.
func TestConfigDocumentsAccepted(t *testing.T) {
	body := `  maxPods: 150
  systemReserved: {cpu: 500m, memory: 1Gi}
  evictionHard: {memory.available: 300Mi, nodefs.available: "10%"}
  shutdownGracePeriod: 60s
  logging: {format: json, verbosity: 2, flushFrequency: 5s}
  reservedMemory: [{numaNode: 0, limits: {memory: 1Gi}}]
  memoryThrottlingFactor: 0.9
  clusterDNS: [169.254.20.10]
kubeProxyConfiguration:
  conntrack: {maxPerCore: 65536, tcpCloseWaitTimeout: 1h0m0s}
  ipvs: {scheduler: rr}
  nodePortAddresses: [primary]
`
	for _, minor := range []string{"1.30.0", "1.32.0", "1.37.0"} {
		src := strings.Replace(configSpec("kubeletConfiguration", body), `"1.32.0"`, `"`+minor+`"`, 1)
		_, probs := check(src)
		expect(t, probs.Errors(), true)
	}
}

func TestFieldTablesHoldTheDocuments(t *testing.T) {
	tables, err := FieldTables()
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != MaxMinor-MinMinor+1 {
		t.Fatalf("field tables for %d minors, want %d", len(tables), MaxMinor-MinMinor+1)
	}
	for minor, docs := range tables {
		for field, program := range configPrograms {
			f := docs[program]
			if f["maxPods"] == "" && f["conntrack"] == "" {
				t.Errorf("%s: %s (%s) lacks its known fields", minor, program, field)
			}
			for path, kind := range f {
				if kind == "map" && f[path+".*"] == "" || kind == "list" && f[path+"[]"] == "" {
					t.Errorf("%s %s: %s is a %s without its element's kind", minor, program, path, kind)
				}
			}
			for tp := range configDocs[field].managed {
				if f[tp] == "" {
					t.Errorf("%s %s: the managed field %s is not in the table", minor, program, tp)
				}
			}
		}
	}
}
