package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// base is a valid spec; the table edits single lines of it, so the line numbers
// in the table refer to this listing.
const base = `name: lab
kubernetesVersion: "1.32.0"
os: ubuntu-24.04
network:
  podSubnet: 10.244.0.0/16
  serviceSubnet: 10.96.0.0/12
  cni: calico
  kubeProxyMode: iptables
runtime: containerd
nodes:
  - name: cp-1
    role: control-plane
    ip: 192.168.1.11
  - name: worker-1
    role: worker
    ip: 192.168.1.12
`

// Lines of base, for readable expectations.
const (
	lName          = 1
	lVersion       = 2
	lOS            = 3
	lPodSubnet     = 5
	lServiceSubnet = 6
	lCNI           = 7
	lProxyMode     = 8
	lRuntime       = 9
	lNodes         = 10
	lNode0Name     = 11
	lNode0Role     = 12
	lNode0IP       = 13
	lNode1Name     = 14
	lNode1Role     = 15
	lNode1IP       = 16
	lAfterBase     = 17
)

// edit returns base with each old string (which must occur exactly once) replaced.
func edit(t *testing.T, pairs ...string) string {
	t.Helper()
	return editOf(t, base, pairs...)
}

// editOf is edit on another listing.
func editOf(t *testing.T, s string, pairs ...string) string {
	t.Helper()
	if len(pairs)%2 != 0 {
		t.Fatal("edit needs old/new pairs")
	}
	for i := 0; i < len(pairs); i += 2 {
		if n := strings.Count(s, pairs[i]); n != 1 {
			t.Fatalf("edit: %q occurs %d times in the spec", pairs[i], n)
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return s
}

// check runs the pipeline the CLI runs: Load, then Defaults and Validate on success.
func check(src string) (*Document, Problems) {
	return Check([]byte(src))
}

// want is one expected problem.
type want struct {
	path string
	line int
	msg  []string // substrings of Msg
}

func (w want) matches(p Problem) bool {
	if p.Path != w.path || p.Line != w.line || p.Warning {
		return false
	}
	for _, m := range w.msg {
		if !strings.Contains(p.Msg, m) {
			return false
		}
	}
	return true
}

func (w want) String() string {
	return fmt.Sprintf("line %d: %s: (containing %q)", w.line, w.path, w.msg)
}

// expect checks that every wanted problem is reported and, when exact, that
// nothing else is.
func expect(t *testing.T, probs Problems, exact bool, wants ...want) {
	t.Helper()
	used := make([]bool, len(probs))
	for _, w := range wants {
		found := false
		for i, p := range probs {
			if !used[i] && w.matches(p) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("missing problem %v\ngot:\n%s", w, dump(probs))
		}
	}
	if exact {
		for i, p := range probs {
			if !used[i] {
				t.Errorf("unexpected problem %s", p)
			}
		}
	}
	for _, p := range probs {
		if p.Msg == "" {
			t.Errorf("problem without a message: %#v", p)
		}
	}
}

func dump(ps Problems) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "  %#v\n", p)
	}
	return b.String()
}

func TestBaseIsValid(t *testing.T) {
	doc, probs := check(base)
	if doc == nil || len(probs) != 0 {
		t.Fatalf("base spec: doc=%v problems:\n%s", doc != nil, dump(probs))
	}
}

func TestBadSpecs(t *testing.T) {
	unsupportedLow := fmt.Sprintf("1.%d.0", MinMinor-1)  // 1.29.0 today
	unsupportedHigh := fmt.Sprintf("1.%d.0", MaxMinor+1) // 1.38.0 today
	supported := []string{"not supported", fmt.Sprintf("1.%d.0", MinMinor), fmt.Sprintf("1.%d", MaxMinor)}
	rfc := []string{"lowercase RFC 1123"}

	tests := []struct {
		name string
		src  string
		want want
	}{
		// Unknown keys, with a hint when a known field is close.
		{"unknown top-level key", edit(t, "runtime: containerd", "runtme: containerd"),
			want{"runtme", lRuntime, []string{"unknown field", `did you mean "runtime"`}}},
		{"unknown node key", edit(t, "    role: worker", "    rol: worker"),
			want{"nodes[1].rol", lNode1Role, []string{"unknown field", `did you mean "role"`}}},
		{"unknown network key", edit(t, "  cni: calico", "  cnii: calico"),
			want{"network.cnii", lCNI, []string{`did you mean "cni"`}}},
		{"unknown key wrong case", edit(t, "  podSubnet: 10.244.0.0/16", "  podsubnet: 10.244.0.0/16"),
			want{"network.podsubnet", lPodSubnet, []string{`did you mean "podSubnet"`}}},
		{"unknown key far from any field", edit(t, "runtime: containerd", "colour: blue"),
			want{"colour", lRuntime, []string{"unknown field", "known fields:", "kubernetesVersion", "nodes"}}},
		{"field given twice", base + "name: again\n",
			want{"name", lAfterBase, []string{"given twice"}}},

		// Node names.
		{"node name with underscore", edit(t, "worker-1", "worker_1"),
			want{"nodes[1].name", lNode1Name, append(rfc, `"worker_1"`, "use '-' instead of '_'")}},
		{"node name uppercase", edit(t, "cp-1", "CP-1"),
			want{"nodes[0].name", lNode0Name, append(rfc, `"CP-1"`)}},
		{"node name with an empty label", edit(t, "cp-1", "cp..lab"),
			want{"nodes[0].name", lNode0Name, rfc}},
		{"node name ending in a dot", edit(t, "cp-1", "cp.lab."),
			want{"nodes[0].name", lNode0Name, rfc}},
		{"node name label ends with dash", edit(t, "cp-1", "cp-.lab"),
			want{"nodes[0].name", lNode0Name, rfc}},
		{"node name of 64 characters", edit(t, "cp-1", "cp."+strings.Repeat("a", 61)),
			want{"nodes[0].name", lNode0Name, append(rfc, "at most 63 characters")}},
		{"node name ends with dash", edit(t, "cp-1", "cp-"),
			want{"nodes[0].name", lNode0Name, rfc}},
		{"node name too long", edit(t, "cp-1", strings.Repeat("a", 64)),
			want{"nodes[0].name", lNode0Name, append(rfc, "63 characters")}},
		{"node name missing", edit(t, "  - name: worker-1\n    role: worker", "  - role: worker"),
			want{"nodes[1].name", lNode1Name, []string{"required"}}},
		{"duplicate node names", edit(t, "worker-1", "cp-1"),
			want{"nodes[1].name", lNode1Name, []string{`"cp-1" is already used by nodes[0]`}}},

		// Node addresses.
		{"duplicate node IPs", edit(t, "192.168.1.12", "192.168.1.11"),
			want{"nodes[1].ip", lNode1IP, []string{"192.168.1.11 is already used by nodes[0]"}}},
		{"IP octet out of range", edit(t, "192.168.1.12", "300.1.1.1"),
			want{"nodes[1].ip", lNode1IP, []string{`"300.1.1.1"`, "must be an IPv4 address"}}},
		{"IP too short", edit(t, "192.168.1.12", "192.168.1"),
			want{"nodes[1].ip", lNode1IP, []string{"must be an IPv4 address"}}},
		{"IP is a host name", edit(t, "192.168.1.12", "worker-1.lab"),
			want{"nodes[1].ip", lNode1IP, []string{"must be an IPv4 address"}}},
		{"IP with prefix length", edit(t, "192.168.1.12", "192.168.1.12/24"),
			want{"nodes[1].ip", lNode1IP, []string{"must be an IPv4 address"}}},
		{"IPv6 address", edit(t, "192.168.1.12", `"fd00::12"`),
			want{"nodes[1].ip", lNode1IP, []string{"must be an IPv4 address"}}},
		{"unspecified address", edit(t, "192.168.1.12", "0.0.0.0"),
			want{"nodes[1].ip", lNode1IP, []string{"must be an IPv4 address"}}},
		{"loopback address", edit(t, "192.168.1.12", "127.0.0.1"),
			want{"nodes[1].ip", lNode1IP, []string{"must be an IPv4 address"}}},
		{"multicast address", edit(t, "192.168.1.12", "224.0.0.1"),
			want{"nodes[1].ip", lNode1IP, []string{"must be an IPv4 address"}}},
		{"IP missing: reported at the node", edit(t, "    role: worker\n    ip: 192.168.1.12\n", "    role: worker\n"),
			want{"nodes[1].ip", lNode1Name, []string{"required"}}},
		{"node IP inside the pod CIDR", edit(t, "192.168.1.12", "10.244.3.7"),
			want{"nodes[1].ip", lNode1IP, []string{"10.244.3.7 lies inside network.podSubnet 10.244.0.0/16"}}},
		{"node IP inside the service CIDR", edit(t, "192.168.1.11", "10.96.0.10"),
			want{"nodes[0].ip", lNode0IP, []string{"10.96.0.10 lies inside network.serviceSubnet 10.96.0.0/12"}}},
		{"node IP inside the default pod CIDR",
			"name: lab\nkubernetesVersion: 1.32.0\nos: debian-12\nnodes:\n  - name: a\n    role: control-plane\n    ip: 10.244.0.1\n",
			want{"nodes[0].ip", 7, []string{"inside network.podSubnet 10.244.0.0/16"}}},

		// CIDRs.
		{"pod and service CIDRs overlap", edit(t, "10.96.0.0/12", "10.244.128.0/20"),
			want{"network.serviceSubnet", lServiceSubnet, []string{"10.244.128.0/20 overlaps network.podSubnet 10.244.0.0/16"}}},
		{"service CIDR contains pod CIDR", edit(t, "10.96.0.0/12", "10.0.0.0/8"),
			want{"network.serviceSubnet", lServiceSubnet, []string{"overlaps network.podSubnet"}}},
		{"pod CIDR without a length", edit(t, "10.244.0.0/16", "10.244.0.0"),
			want{"network.podSubnet", lPodSubnet, []string{"must be an IPv4 CIDR"}}},
		{"pod CIDR IPv6", edit(t, "10.244.0.0/16", `"fd00::/64"`),
			want{"network.podSubnet", lPodSubnet, []string{"must be an IPv4 CIDR"}}},
		{"pod CIDR with host bits", edit(t, "10.244.0.0/16", "10.244.0.1/16"),
			want{"network.podSubnet", lPodSubnet, []string{"host bits set", "did you mean 10.244.0.0/16"}}},
		{"service CIDR too small", edit(t, "10.96.0.0/12", "10.96.0.0/29"),
			want{"network.serviceSubnet", lServiceSubnet, []string{"too small"}}},

		// Roles.
		{"no control-plane node", edit(t, "role: control-plane", "role: worker"),
			want{"nodes", lNodes, []string{"at least one node needs role control-plane"}}},
		{"no nodes at all", edit(t, "nodes:\n  - name: cp-1\n    role: control-plane\n    ip: 192.168.1.11\n  - name: worker-1\n    role: worker\n    ip: 192.168.1.12\n", "nodes: []\n"),
			want{"nodes", lNodes, []string{"required"}}},
		{"unknown role", edit(t, "role: worker", "role: master"),
			want{"nodes[1].role", lNode1Role, []string{`unknown value "master"`, "control-plane, worker"}}},

		// Enumerations.
		{"unknown os", edit(t, "os: ubuntu-24.04", "os: centos-9"),
			want{"os", lOS, []string{`unknown os "centos-9"`, "ubuntu-24.04", "debian-12"}}},
		{"unknown cni", edit(t, "cni: calico", "cni: canal"),
			want{"network.cni", lCNI, []string{`unknown value "canal"`, "calico, flannel, weave, cilium, custom, none"}}},
		{"cilium without a manifest", edit(t, "cni: calico", "cni: cilium"),
			want{"network.cni", lCNI, []string{"Cilium publishes no static manifest", "ipam.mode=kubernetes", "network.cniManifest"}}},
		{"unknown runtime", edit(t, "runtime: containerd", "runtime: cri-o"),
			want{"runtime", lRuntime, []string{`unknown value "cri-o"`, "containerd"}}},
		{"unknown kubeProxyMode", edit(t, "kubeProxyMode: iptables", "kubeProxyMode: userspace"),
			want{"network.kubeProxyMode", lProxyMode, []string{`unknown value "userspace"`, "iptables, ipvs, nftables"}}},
		{"bad cniVersion", edit(t, "  cni: calico\n", "  cni: calico\n  cniVersion: \"3.29\"\n"),
			want{"network.cniVersion", lCNI + 1, []string{"v1.2.3"}}},

		// Versions.
		{"version without patch", edit(t, `"1.32.0"`, `"1.32"`),
			want{"kubernetesVersion", lVersion, []string{`"1.32"`, "MAJOR.MINOR.PATCH"}}},
		{"version without patch, unquoted float", edit(t, `"1.32.0"`, `1.32`),
			want{"kubernetesVersion", lVersion, []string{"MAJOR.MINOR.PATCH"}}},
		{"version latest", edit(t, `"1.32.0"`, `latest`),
			want{"kubernetesVersion", lVersion, []string{`"latest"`, "MAJOR.MINOR.PATCH"}}},
		{"version pre-release", edit(t, `"1.32.0"`, `1.32.0-rc.1`),
			want{"kubernetesVersion", lVersion, []string{"MAJOR.MINOR.PATCH"}}},
		{"version missing", edit(t, "kubernetesVersion: \"1.32.0\"\n", ""),
			want{"kubernetesVersion", 0, []string{"required"}}},
		{"version too old", edit(t, `"1.32.0"`, `"`+unsupportedLow+`"`),
			want{"kubernetesVersion", lVersion, append([]string{unsupportedLow}, supported...)}},
		{"version too new", edit(t, `"1.32.0"`, `"`+unsupportedHigh+`"`),
			want{"kubernetesVersion", lVersion, append([]string{unsupportedHigh}, supported...)}},
		{"major version 2", edit(t, `"1.32.0"`, `"2.0.0"`),
			want{"kubernetesVersion", lVersion, supported}},

		// Cluster-level fields.
		{"cluster name uppercase", edit(t, "name: lab", "name: Lab"),
			want{"name", lName, []string{"RFC 1123 label"}}},
		{"cluster name missing", edit(t, "name: lab\n", ""),
			want{"name", 0, []string{"required"}}},
		{"endpoint without port", edit(t, "runtime: containerd", "controlPlaneEndpoint: 192.168.1.11"),
			want{"controlPlaneEndpoint", lRuntime, []string{"host:port"}}},
		{"endpoint port out of range", edit(t, "runtime: containerd", "controlPlaneEndpoint: 192.168.1.11:70000"),
			want{"controlPlaneEndpoint", lRuntime, []string{"1 to 65535"}}},
		{"endpoint IPv6", edit(t, "runtime: containerd", `controlPlaneEndpoint: "[fd00::1]:6443"`),
			want{"controlPlaneEndpoint", lRuntime, []string{"host:port"}}},
		{"endpoint bad host name", edit(t, "runtime: containerd", "controlPlaneEndpoint: api_lab:6443"),
			want{"controlPlaneEndpoint", lRuntime, []string{"host:port"}}},
		{"bad NTP server", base + "ntp:\n  servers: [pool.ntp.org, \"not_a_host!\"]\n",
			want{"ntp.servers[1]", lAfterBase + 1, []string{`"not_a_host!"`, "host name or IP"}}},

		// The document as a whole.
		{"empty file", "", want{"", 0, []string{"empty"}}},
		{"whitespace-only file", "  \n\t\n   \n", want{"", 0, []string{"empty"}}},
		{"broken YAML: mapping value in a scalar", edit(t, "os: ubuntu-24.04", "os: ubuntu: 24.04"),
			want{"", lOS, []string{"invalid YAML", "mapping values are not allowed"}}},
		{"broken YAML: unterminated quote", edit(t, `"1.32.0"`, `"1.32.0`),
			want{"", lVersion, []string{"invalid YAML"}}},
		{"a list where the document mapping is expected", "- name: lab\n- os: debian-12\n",
			want{"", 1, []string{"must be a mapping"}}},
		{"a scalar document", "just words\n",
			want{"", 1, []string{"must be a mapping"}}},
		{"a list where the network mapping is expected", edit(t, "network:\n  podSubnet: 10.244.0.0/16\n", "network:\n  - podSubnet: 10.244.0.0/16\n", "  serviceSubnet: 10.96.0.0/12\n  cni: calico\n  kubeProxyMode: iptables\n", "  - cni: calico\n\n\n"),
			want{"network", lPodSubnet, []string{"expected a mapping of fields, found a list"}}},
		{"a scalar node where a node mapping is expected", edit(t, "  - name: worker-1\n    role: worker\n    ip: 192.168.1.12\n", "  - worker-1\n"),
			want{"nodes[1]", lNode1Name, []string{"expected a mapping of fields"}}},
		{"a mapping where the node list is expected", "name: lab\nnodes:\n  cp-1: {role: control-plane}\n",
			want{"nodes", 3, []string{"expected a list, found a mapping"}}},
		{"a list where a string is expected", edit(t, "os: ubuntu-24.04", "os: [ubuntu-24.04]"),
			want{"os", lOS, []string{"expected a string, found a list"}}},
		{"a word where a boolean is expected", base + "registries:\n  - host: docker.io\n    insecureSkipVerify: maybe\n",
			want{"registries[0].insecureSkipVerify", lAfterBase + 2, []string{`expected true or false, found "maybe"`}}},
		{"a list where an optional boolean is expected", base + "packages:\n  kubernetes:\n    gpgCheck: [false]\n",
			want{"packages.kubernetes.gpgCheck", lAfterBase + 2, []string{"expected true or false, found a list"}}},
		{"multiple documents", base + "---\nname: other\n",
			want{"", lAfterBase, []string{"single YAML document"}}},
		{"YAML alias", edit(t, "name: cp-1", "name: &n cp-1", "name: worker-1", "name: *n"),
			want{"nodes[1].name", lNode1Name, []string{"aliases are not supported"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, probs := check(tt.src)
			expect(t, probs, false, tt.want)
			if len(probs.Errors()) == 0 {
				t.Errorf("no errors reported")
			}
			if doc == nil && len(probs.Errors()) == 0 {
				t.Errorf("no document and no errors")
			}
		})
	}
}

// TestAllProblemsAtOnce: a spec with many different validation errors reports
// every one of them, not just the first.
func TestAllProblemsAtOnce(t *testing.T) {
	src := `name: My_Lab
kubernetesVersion: "1.32"
os: centos-9
network:
  podSubnet: 10.96.0.0/16
  serviceSubnet: 10.96.0.0/12
  cni: canal
  kubeProxyMode: userspace
runtime: cri-o
nodes:
  - name: Worker_1
    role: worker
    ip: 192.168.1.12
  - name: worker-2
    role: worker
    ip: 192.168.1.12
  - name: worker-3
    role: boss
    ip: 300.1.1.1
`
	doc, probs := check(src)
	if doc == nil {
		t.Fatalf("Load refused the spec:\n%s", dump(probs))
	}
	expect(t, probs, true,
		want{"name", 1, []string{"RFC 1123"}},
		want{"kubernetesVersion", 2, []string{"MAJOR.MINOR.PATCH"}},
		want{"os", 3, []string{"unknown os"}},
		want{"network.serviceSubnet", 6, []string{"overlaps network.podSubnet"}},
		want{"network.cni", 7, []string{"unknown value"}},
		want{"network.kubeProxyMode", 8, []string{"unknown value"}},
		want{"runtime", 9, []string{"unknown value"}},
		want{"nodes[0].name", 11, []string{"RFC 1123"}},
		want{"nodes[1].ip", 16, []string{"already used by nodes[0]"}},
		want{"nodes[2].role", 18, []string{"unknown value"}},
		want{"nodes[2].ip", 19, []string{"must be an IPv4 address"}},
		want{"nodes", 10, []string{"control-plane"}},
	)
}

// TestAllLoadProblemsAtOnce: structural problems found while loading (unknown
// keys, wrong kinds) are reported together too.
func TestAllLoadProblemsAtOnce(t *testing.T) {
	src := edit(t,
		"runtime: containerd", "runtme: containerd",
		"  cni: calico", "  cnii: calico",
		"    role: worker", "    rol: worker",
		"os: ubuntu-24.04", "os: [ubuntu-24.04]",
		"  - name: cp-1\n    role: control-plane\n    ip: 192.168.1.11\n", "  - name: cp-1\n    role: control-plane\n    ip: 192.168.1.11\n    zone: a\n",
	) + "registries:\n  - host: docker.io\n    insecureSkipVerify: yes please\n"
	doc, probs := check(src)
	if doc != nil {
		t.Errorf("Load returned a document for a spec with unknown fields")
	}
	expect(t, probs, true,
		want{"runtme", lRuntime, []string{`did you mean "runtime"`}},
		want{"network.cnii", lCNI, []string{`did you mean "cni"`}},
		want{"nodes[1].rol", lNode1Role + 1, []string{`did you mean "role"`}},
		want{"os", lOS, []string{"expected a string"}},
		want{"nodes[0].zone", lNode0IP + 1, []string{"unknown field"}},
		want{"registries[0].insecureSkipVerify", lAfterBase + 3, []string{"expected true or false"}},
	)
}

// TestBrokenYAMLLines: YAML syntax errors always carry a line. For scanner
// errors (TestBadSpecs) it is the offending line; for parser errors yaml.v3 names
// the line before the enclosing block or flow collection starts (upstream
// go-yaml/yaml#205), so here the line must only be in range and not after the fault.
func TestBrokenYAMLLines(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		fault int
	}{
		{"bad indentation in a node", edit(t, "    ip: 192.168.1.12", "   ip: 192.168.1.12"), lNode1IP},
		{"unclosed flow list", edit(t, "os: ubuntu-24.04", "os: [ubuntu-24.04"), lOS},
		{"tab indentation", edit(t, "  cni: calico", "\tcni: calico"), lCNI},
		{"list item inside a mapping", edit(t, "  cni: calico", "  - cni: calico"), lCNI},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, probs := check(tt.src)
			if doc != nil || len(probs) != 1 {
				t.Fatalf("doc=%v, problems:\n%s", doc != nil, dump(probs))
			}
			p := probs[0]
			if !strings.HasPrefix(p.Msg, "invalid YAML: ") || p.Path != "" || p.Line < 1 || p.Line > tt.fault {
				t.Errorf("got %#v, want an invalid YAML problem on a line in 1..%d", p, tt.fault)
			}
		})
	}
}

func TestSingleDocumentMarkers(t *testing.T) {
	// An explicit start marker or end marker is still one document.
	for _, src := range []string{"---\n" + base, base + "...\n", "%YAML 1.1\n---\n" + base} {
		if doc, probs := check(src); doc == nil || len(probs) != 0 {
			t.Errorf("%q: doc=%v problems:\n%s", src[:12], doc != nil, dump(probs))
		}
	}
}

func TestCommentOnlyFileIsEmpty(t *testing.T) {
	_, probs := check("# cluster.yaml\n# todo\n")
	expect(t, probs, true, want{"", 0, []string{"empty"}})
}

// TestGoldenSpecs: every golden spec and the built-in example are valid; the
// issue's spec (golden/lab) has no problems at all, not even warnings.
func TestGoldenSpecs(t *testing.T) {
	files, err := filepath.Glob("../../testdata/golden/*/cluster.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden specs (%v)", err)
	}
	files = append(files, "../../cmd/k8sgen/example.yaml")
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			doc, probs := check(string(data))
			if doc == nil || len(probs.Errors()) > 0 {
				t.Fatalf("doc=%v problems:\n%s", doc != nil, dump(probs))
			}
			if strings.Contains(f, "/lab/") && len(probs) > 0 {
				t.Errorf("the issue's spec has problems:\n%s", dump(probs))
			}
		})
	}
}

func TestLabSpecPositions(t *testing.T) {
	data, err := os.ReadFile("../../testdata/golden/lab/cluster.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc, probs := Load(data)
	if doc == nil {
		t.Fatal(probs)
	}
	c := doc.Cluster
	if c.Name != "lab" || c.KubernetesVersion != "1.32.0" || c.OS != "ubuntu-24.04" || len(c.Nodes) != 3 {
		t.Errorf("loaded %+v", c)
	}
	for path, line := range map[string]int{"name": 1, "kubernetesVersion": 2, "network.cni": 8, "nodes": 11, "nodes[0]": 12, "nodes[1].ip": 17, "nodes[2].name": 18} {
		if got := doc.Positions[path]; got != line {
			t.Errorf("Positions[%q] = %d, want %d", path, got, line)
		}
	}
}

func TestDefaults(t *testing.T) {
	src := `name: lab
kubernetesVersion: v1.32.0
os: debian-12
nodes:
  - name: w1
    role: worker
    ip: 192.168.1.20
  - name: cp1
    role: control-plane
    ip: 192.168.1.11
  - name: cp2
    role: control-plane
    ip: 192.168.1.12
  - name: cp3
    role: control-plane
    ip: 192.168.1.13
`
	doc, probs := Load([]byte(src))
	if doc == nil {
		t.Fatal(probs)
	}
	c := doc.Cluster
	Defaults(c)
	checks := []struct{ field, got, want string }{
		{"controlPlaneEndpoint", c.ControlPlaneEndpoint, "192.168.1.11:6443"}, // first control plane, not first node
		{"kubernetesVersion", c.KubernetesVersion, "1.32.0"},
		{"runtime", c.Runtime, "containerd"},
		{"network.podSubnet", c.Network.PodSubnet, "10.244.0.0/16"},
		{"network.serviceSubnet", c.Network.ServiceSubnet, "10.96.0.0/12"},
		{"network.cni", c.Network.CNI, "calico"},
		{"network.cniVersion", c.Network.CNIVersion, DefaultCNIVersions["calico"]},
		{"network.kubeProxyMode", c.Network.KubeProxyMode, "iptables"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %q, want %q", ch.field, ch.got, ch.want)
		}
	}
	if c.Network.CNIVersion == "" {
		t.Error("no pinned calico version")
	}
	before := *c
	Defaults(c)
	if fmt.Sprint(before) != fmt.Sprint(*c) {
		t.Errorf("Defaults is not idempotent:\n%+v\n%+v", before, *c)
	}
	// Two control planes behind the default endpoint: a warning, not an error.
	probs = Validate(doc)
	if len(probs.Errors()) != 0 {
		t.Errorf("errors:\n%s", dump(probs))
	}
}

func TestDefaultsKeepExplicitValues(t *testing.T) {
	c := &Cluster{
		KubernetesVersion:    "1.33.1",
		ControlPlaneEndpoint: "api.lab.internal:8443",
		Runtime:              "containerd",
		Network:              Network{PodSubnet: "172.16.0.0/16", ServiceSubnet: "172.17.0.0/16", CNI: "flannel", KubeProxyMode: "ipvs"},
		Nodes:                []Node{{Name: "a", Role: RoleControlPlane, IP: "10.0.0.1"}},
	}
	Defaults(c)
	if c.ControlPlaneEndpoint != "api.lab.internal:8443" || c.Network.PodSubnet != "172.16.0.0/16" ||
		c.Network.ServiceSubnet != "172.17.0.0/16" || c.Network.CNI != "flannel" || c.Network.KubeProxyMode != "ipvs" {
		t.Errorf("Defaults overwrote explicit values: %+v", c)
	}
	if c.Network.CNIVersion != DefaultCNIVersions["flannel"] {
		t.Errorf("cniVersion = %q, want the pinned flannel version", c.Network.CNIVersion)
	}

	none := &Cluster{Network: Network{CNI: "none", CNIVersion: ""}}
	Defaults(none)
	if none.Network.CNIVersion != "" {
		t.Errorf("cni none got cniVersion %q", none.Network.CNIVersion)
	}
	if none.ControlPlaneEndpoint != "" {
		t.Errorf("no control plane, yet endpoint %q", none.ControlPlaneEndpoint)
	}

	pinned := &Cluster{Network: Network{CNI: "calico", CNIVersion: "v3.28.0"}}
	Defaults(pinned)
	if pinned.Network.CNIVersion != "v3.28.0" {
		t.Errorf("explicit cniVersion replaced by %q", pinned.Network.CNIVersion)
	}
}

func TestWarnings(t *testing.T) {
	twoCPs := edit(t, "role: worker", "role: control-plane")
	const thirdCP = "  - name: cp-3\n    role: control-plane\n    ip: 192.168.1.13\n"
	tests := []struct {
		name     string
		src      string
		warnings int
	}{
		{"several control planes, default endpoint", twoCPs + thirdCP, 1},
		{"several control planes, endpoint spelled as the first one", edit(t, "runtime: containerd", `controlPlaneEndpoint: "192.168.1.11:6443"`, "role: worker", "role: control-plane") + thirdCP, 1},
		{"several control planes behind a VIP", edit(t, "runtime: containerd", `controlPlaneEndpoint: "192.168.1.10:6443"`, "role: worker", "role: control-plane") + thirdCP, 0},
		{"one control plane, default endpoint", base, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, probs := check(tt.src)
			if doc == nil {
				t.Fatal(probs)
			}
			if errs := probs.Errors(); len(errs) != 0 {
				t.Errorf("warnings counted as errors:\n%s", dump(errs))
			}
			ws := probs.Warnings()
			if len(ws) != tt.warnings {
				t.Fatalf("got %d warnings, want %d:\n%s", len(ws), tt.warnings, dump(probs))
			}
			for _, w := range ws {
				if !w.Warning || w.Path != "controlPlaneEndpoint" || !strings.Contains(w.Msg, "load balancer") {
					t.Errorf("unexpected warning %#v", w)
				}
				if !strings.Contains(w.String(), "warning: ") {
					t.Errorf("String() = %q does not say warning", w.String())
				}
			}
		})
	}
}

func TestProblemsFormatting(t *testing.T) {
	p := Problem{Path: "nodes[1].ip", Line: 7, Msg: "bad"}
	if got, want := p.String(), "line 7: nodes[1].ip: bad"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got, want := (Problem{Msg: "empty"}).String(), "empty"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	ps := Problems{p, {Path: "controlPlaneEndpoint", Msg: "no HA", Warning: true}, {Line: 2, Msg: "second"}}
	if n := len(ps.Errors()); n != 2 {
		t.Errorf("Errors() has %d problems, want 2", n)
	}
	if n := len(ps.Warnings()); n != 1 {
		t.Errorf("Warnings() has %d problems, want 1", n)
	}
	var err error = ps.Errors()
	if got, want := err.Error(), "line 7: nodes[1].ip: bad\nline 2: second"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestParseVersion(t *testing.T) {
	for s, want := range map[string]bool{
		"1.32.0": true, "v1.32.0": true, "1.37.12": true, "0.0.0": true,
		"1.32": false, "latest": false, "1.32.0-rc.1": false, "01.32.0": false, "1.32.0 ": false, "": false, "v": false, "1..0": false,
	} {
		if _, ok := ParseVersion(s); ok != want {
			t.Errorf("ParseVersion(%q) ok = %v, want %v", s, ok, want)
		}
	}
	v, _ := ParseVersion("v1.32.4")
	if v != (Version{1, 32, 4}) || v.String() != "1.32.4" {
		t.Errorf("ParseVersion(v1.32.4) = %v", v)
	}
	for _, tt := range []struct {
		v    Version
		want bool
	}{
		{Version{1, MinMinor, 0}, true}, {Version{1, MaxMinor, 9}, true},
		{Version{1, MinMinor - 1, 9}, false}, {Version{1, MaxMinor + 1, 0}, false}, {Version{2, MinMinor, 0}, false},
	} {
		if got := tt.v.Supported(); got != tt.want {
			t.Errorf("%v.Supported() = %v, want %v", tt.v, got, tt.want)
		}
	}
}
