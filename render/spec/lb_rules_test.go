package spec

import (
	"strings"
	"testing"
)

// haBase is three control planes and a worker on 192.168.99.0/24; lbBlock
// lines follow it.
const haBase = `name: ha
kubernetesVersion: "1.33.0"
os: rocky-9
nodes:
  - name: m1
    role: control-plane
    ip: 192.168.99.201
  - name: m2
    role: control-plane
    ip: 192.168.99.206
  - name: m3
    role: control-plane
    ip: 192.168.99.204
  - name: w1
    role: worker
    ip: 192.168.99.202
`

// Lines after haBase.
const (
	lHA1 = 17 + iota
	lHA2
	lHA3
	lHA4
	lHA5
	lHA6
)

func haCheck(t *testing.T, extra string) Problems {
	t.Helper()
	_, probs := check(haBase + extra)
	return probs
}

func TestLoadBalancerKindsValid(t *testing.T) {
	for name, extra := range map[string]string{
		"keepalived":          "loadBalancer:\n  kind: keepalived\n  vip: 192.168.99.100\n  prefixLength: 24\n  interface: eth0\n",
		"keepalived endpoint": "controlPlaneEndpoint: 192.168.99.100:9443\nloadBalancer:\n  kind: keepalived\n  vip: 192.168.99.100\n  prefixLength: 24\n  interface: eth0\n  port: 9443\n  unicast: true\n",
		"kube-vip":            "loadBalancer:\n  kind: kube-vip\n  vip: 192.168.99.100\n  prefixLength: 24\n  interface: ens192\n",
		"kube-vip name":       "controlPlaneEndpoint: api.lab.internal:6443\nextraHosts: [{name: api.lab.internal, ip: 192.168.99.100}]\nloadBalancer:\n  kind: kube-vip\n  vip: 192.168.99.100\n  prefixLength: 24\n  interface: ens192\n",
		"node-local":          "loadBalancer:\n  kind: node-local\n",
		"external":            "controlPlaneEndpoint: lb.corp.internal:6443\nloadBalancer:\n  kind: external\n",
	} {
		t.Run(name, func(t *testing.T) {
			if errs := haCheck(t, extra).Errors(); len(errs) > 0 {
				t.Errorf("valid spec refused:\n%s", dump(errs))
			}
		})
	}
}

// The four validation errors, each with field and line.
func TestLoadBalancerRefusals(t *testing.T) {
	kv := func(vip, prefix, endpoint string) string {
		s := ""
		if endpoint != "" {
			s = "controlPlaneEndpoint: " + endpoint + "\n"
		}
		return s + "loadBalancer:\n  kind: keepalived\n  vip: " + vip + "\n  prefixLength: " + prefix + "\n  interface: eth0\n"
	}
	t.Run("even count", func(t *testing.T) {
		src := strings.Replace(haBase, "  - name: w1\n    role: worker", "  - name: m4\n    role: control-plane", 1)
		_, probs := check(src + kv("192.168.99.100", "24", ""))
		expect(t, probs, false, want{"nodes[3].role", 15, []string{"4 control planes", "majority", "use 3 or 5"}})
	})
	t.Run("vip is a node address", func(t *testing.T) {
		expect(t, haCheck(t, kv("192.168.99.204", "24", "")), false,
			want{"loadBalancer.vip", lHA3, []string{"address of nodes[2] (m3)", "free address"}})
	})
	t.Run("vip outside the control planes' subnet", func(t *testing.T) {
		expect(t, haCheck(t, kv("192.168.98.100", "24", "")), true,
			want{"loadBalancer.vip", lHA3, []string{"192.168.98.100/24 does not hold control plane nodes[0] (m1"}},
			want{"loadBalancer.vip", lHA3, []string{"nodes[1] (m2"}},
			want{"loadBalancer.vip", lHA3, []string{"nodes[2] (m3"}})
	})
	t.Run("endpoint disagrees with the vip", func(t *testing.T) {
		expect(t, haCheck(t, kv("192.168.99.100", "24", "192.168.99.101:8443")), true,
			want{"controlPlaneEndpoint", lHA1, []string{"192.168.99.101 disagrees with loadBalancer.vip 192.168.99.100", "use 192.168.99.100:8443"}})
	})
	t.Run("endpoint name not tied to the vip", func(t *testing.T) {
		expect(t, haCheck(t, kv("192.168.99.100", "24", "api.lab.internal:8443")), true,
			want{"controlPlaneEndpoint", lHA1, []string{"cannot tie to loadBalancer.vip", "extraHosts"}})
	})
	t.Run("vip in the pod subnet", func(t *testing.T) {
		expect(t, haCheck(t, kv("10.244.0.5", "8", "")), false,
			want{"loadBalancer.vip", lHA3, []string{"inside network.podSubnet"}})
	})
	t.Run("vip in the service subnet", func(t *testing.T) {
		expect(t, haCheck(t, kv("10.96.0.5", "8", "")), false,
			want{"loadBalancer.vip", lHA3, []string{"inside network.serviceSubnet"}})
	})
	t.Run("keepalived port is the API's", func(t *testing.T) {
		expect(t, haCheck(t, "loadBalancer:\n  kind: keepalived\n  vip: 192.168.99.100\n  prefixLength: 24\n  interface: eth0\n  port: 6443\n"), false,
			want{"loadBalancer.port", lHA6, []string{"API servers' port", "8443"}})
	})
	t.Run("kube-vip endpoint on another port", func(t *testing.T) {
		expect(t, haCheck(t, "controlPlaneEndpoint: 192.168.99.100:8443\nloadBalancer:\n  kind: kube-vip\n  vip: 192.168.99.100\n  prefixLength: 24\n  interface: eth0\n"), true,
			want{"controlPlaneEndpoint", lHA1, []string{"kube-vip moves the address only", "192.168.99.100:6443"}})
	})
	t.Run("missing vip fields", func(t *testing.T) {
		expect(t, haCheck(t, "loadBalancer:\n  kind: kube-vip\n"), true,
			want{"loadBalancer.interface", lHA1, []string{"required"}},
			want{"loadBalancer.prefixLength", lHA1, []string{"required"}},
			want{"loadBalancer.vip", lHA1, []string{"required"}},
			want{"controlPlaneEndpoint", 0, []string{"required with loadBalancer.kind kube-vip"}})
	})
	t.Run("node-local needs a name", func(t *testing.T) {
		expect(t, haCheck(t, "controlPlaneEndpoint: 192.168.99.100:8443\nloadBalancer:\n  kind: node-local\n"), true,
			want{"controlPlaneEndpoint", lHA1, []string{"node-local mode needs a host name"}})
	})
	t.Run("external is a node", func(t *testing.T) {
		expect(t, haCheck(t, "controlPlaneEndpoint: 192.168.99.201:6443\nloadBalancer:\n  kind: external\n"), false,
			want{"controlPlaneEndpoint", lHA1, []string{"is nodes[0] (m1), not an external load balancer"}})
	})
	t.Run("external without an address", func(t *testing.T) {
		expect(t, haCheck(t, "loadBalancer:\n  kind: external\n"), true,
			want{"controlPlaneEndpoint", 0, []string{"required with loadBalancer.kind external"}})
	})
	t.Run("fields of another kind", func(t *testing.T) {
		expect(t, haCheck(t, "loadBalancer:\n  kind: node-local\n  vip: 192.168.99.100\n  unicast: true\n"), true,
			want{"loadBalancer.vip", lHA3, []string{"only with kind kube-vip or keepalived"}},
			want{"loadBalancer.unicast", lHA4, []string{"only with kind keepalived"}})
	})
	t.Run("kube-vip lease", func(t *testing.T) {
		expect(t, haCheck(t, "loadBalancer:\n  kind: kube-vip\n  vip: 192.168.99.100\n  prefixLength: 24\n  interface: eth0\n  kubeVIP:\n    leaseSeconds: 3\n    version: v0.6.4\n"), true,
			want{"loadBalancer.kubeVIP.leaseSeconds", lHA6 + 1, []string{"must be from 5 to 300"}},
			want{"loadBalancer.kubeVIP.version", lHA6 + 2, []string{"older than v0.8.0"}})
	})
	t.Run("haproxy ports that are taken", func(t *testing.T) {
		for _, port := range []string{"22", "2380", "10256", "30080", "70000"} {
			expect(t, haCheck(t, "loadBalancer:\n  kind: node-local\n  port: "+port+"\n"), false,
				want{"loadBalancer.port", lHA3, []string{port}})
		}
	})
	t.Run("loopback interface", func(t *testing.T) {
		expect(t, haCheck(t, "loadBalancer:\n  kind: keepalived\n  vip: 192.168.99.100\n  prefixLength: 24\n  interface: lo\n"), true,
			want{"loadBalancer.interface", lHA5, []string{"loopback"}})
	})
	t.Run("no kind", func(t *testing.T) {
		expect(t, haCheck(t, "loadBalancer:\n  vip: 192.168.99.100\n"), false,
			want{"loadBalancer.vip", lHA2, []string{"needs loadBalancer.kind"}})
	})
	t.Run("unknown kind", func(t *testing.T) {
		expect(t, haCheck(t, "loadBalancer:\n  kind: lvscare\n"), true,
			want{"loadBalancer.kind", lHA2, []string{"lvscare", "kube-vip, keepalived, node-local, external"}})
	})
}

func TestBootstrapTokenTTL(t *testing.T) {
	for _, tc := range []struct {
		ttl, msg string
		warning  bool
	}{
		{"24h", "", false},
		{"2h30m", "", false},
		{"0", "never expires", true},
		{"0s", "never expires", true},
		{"-1h", "must not be negative", false},
		{"1m", "shorter than the 10m", false},
		{"1d", "must be a duration", false},
		{"90m0.5s", "whole seconds", false},
	} {
		_, probs := check(haBase + "bootstrapTokenTTL: \"" + tc.ttl + "\"\n")
		var got []Problem
		for _, p := range probs {
			if p.Path == "bootstrapTokenTTL" {
				got = append(got, p)
			}
		}
		switch {
		case tc.msg == "" && len(got) > 0:
			t.Errorf("%s: unexpected %s", tc.ttl, dump(got))
		case tc.msg != "" && (len(got) != 1 || !strings.Contains(got[0].Msg, tc.msg) || got[0].Warning != tc.warning || got[0].Line != lHA1):
			t.Errorf("%s: want one problem at line %d containing %q (warning %v), got %s", tc.ttl, lHA1, tc.msg, tc.warning, dump(got))
		}
	}
}
