package consumers

import (
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/k8sgen/k8sgen/render"
	"github.com/k8sgen/k8sgen/render/secrets"
	"github.com/k8sgen/k8sgen/render/spec"
)

// The rules k8sgen validate takes from kubeadm, checked against the real kubeadm:
// each spec is rendered without k8sgen's validation and the kubeadm configuration
// of the first control plane and of a worker is given to `kubeadm config validate`.
// Where k8sgen refuses a spec, kubeadm must refuse it too; at the boundary values
// k8sgen accepts, kubeadm must accept. Rules whose failure comes later on the node
// (kubelet, curl, the kernel step) say where, and kubeadm's verdict is recorded.
//
// This test never builds kubeadm: it uses binaries already in
// $K8SGEN_CACHE/bin (default ~/.cache/k8sgen/bin) and skips a release whose
// binary is missing, unless K8SGEN_REQUIRE_CONSUMERS=1.

// rulesBase is the spec the cases edit; it shares its name with the lab golden
// case so that case's fixed secrets bundle renders it.
const rulesBase = `name: lab
kubernetesVersion: "VERSION"
os: ubuntu-24.04
controlPlaneEndpoint: "192.168.1.11:6443"
network:
  podSubnet: 10.244.0.0/16
  serviceSubnet: 10.96.0.0/12
  cni: calico
  kubeProxyMode: iptables
nodes:
  - name: cp-1
    role: control-plane
    ip: 192.168.1.11
  - name: worker-1
    role: worker
    ip: 192.168.1.12
`

// kubeadmVerdict is what `kubeadm config validate` does with a case's configs.
type kubeadmVerdict int

const (
	kubeadmAccepts kubeadmVerdict = iota
	kubeadmRefuses
)

type ruleCase struct {
	name string
	// edit is old/new pairs applied to rulesBase.
	edit []string
	// refusedAt is the field k8sgen reports an error on; empty when k8sgen accepts.
	refusedAt string
	kubeadm   kubeadmVerdict
	// kubeadmSays is a substring of kubeadm's output when it refuses.
	kubeadmSays string
	// minors limits the case to some releases (nil: all).
	minors []int
	// failsLater names where the node fails when kubeadm's validation passes.
	failsLater string
}

var ruleCases = []ruleCase{
	// kubeadm ValidateServiceSubnetSize: at most 20 host bits.
	{name: "service subnet /11", edit: []string{"10.96.0.0/12", "10.64.0.0/11"},
		refusedAt: "network.serviceSubnet", kubeadm: kubeadmRefuses, kubeadmSays: "service subnet is too large"},
	{name: "service subnet /12 (largest accepted)", edit: []string{"10.96.0.0/12", "10.96.0.0/12"}},
	// kubeadm ValidateIPNetFromString: at least 10 addresses.
	{name: "service subnet /29", edit: []string{"10.96.0.0/12", "10.96.0.0/29"},
		refusedAt: "network.serviceSubnet", kubeadm: kubeadmRefuses, kubeadmSays: "too small"},
	{name: "service subnet /28 (smallest accepted)", edit: []string{"10.96.0.0/12", "10.96.0.0/28"}},
	// kubeadm ValidatePodSubnetNodeMask against the default /24 node mask.
	{name: "pod subnet /25", edit: []string{"10.244.0.0/16", "10.244.0.0/25"},
		refusedAt: "network.podSubnet", kubeadm: kubeadmRefuses, kubeadmSays: "smaller than the size of node subnet"},
	{name: "pod subnet /7", edit: []string{"10.244.0.0/16", "10.0.0.0/7", "10.96.0.0/12", "172.30.0.0/16"},
		refusedAt: "network.podSubnet", kubeadm: kubeadmRefuses, kubeadmSays: "difference is greater than 16"},
	{name: "pod subnet /8 (largest accepted)", edit: []string{"10.244.0.0/16", "10.0.0.0/8", "10.96.0.0/12", "172.30.0.0/16"}},
	// One node only: a /24 pod subnet holds its one podCIDR.
	{name: "pod subnet /24 (smallest accepted)", edit: []string{"10.244.0.0/16", "10.244.0.0/24", "  - name: worker-1\n    role: worker\n    ip: 192.168.1.12\n", ""}},
	// kubeadm ParseHostPort/ParsePort on controlPlaneEndpoint.
	{name: "endpoint port +6443", edit: []string{"192.168.1.11:6443", "192.168.1.11:+6443"},
		refusedAt: "controlPlaneEndpoint", kubeadm: kubeadmRefuses, kubeadmSays: "port +6443 must be a valid number"},
	{name: "endpoint port 70000", edit: []string{"192.168.1.11:6443", "192.168.1.11:70000"},
		refusedAt: "controlPlaneEndpoint", kubeadm: kubeadmRefuses, kubeadmSays: "port 70000 must be a valid number"},
	{name: "endpoint host not a DNS name", edit: []string{"192.168.1.11:6443", "api_lab:6443"},
		refusedAt: "controlPlaneEndpoint", kubeadm: kubeadmRefuses, kubeadmSays: "must be a valid IP address or a valid RFC-1123 DNS subdomain"},
	{name: "endpoint port 65535 on a load balancer (accepted)", edit: []string{"192.168.1.11:6443", "192.168.1.10:65535"}},
	// Node names: kubeadm wants a DNS-1123 subdomain; k8sgen a label (it is the host name).
	{name: "node name with underscore", edit: []string{"worker-1", "worker_1"},
		refusedAt: "nodes[1].name", kubeadm: kubeadmRefuses, kubeadmSays: "nodeRegistration.name"},
	{name: "node name of 63 characters (accepted)", edit: []string{"worker-1", strings.Repeat("w", 63)}},
	// kubelet validateNodeIP; kubeadm only parses the address.
	{name: "node address link-local", edit: []string{"192.168.1.12", "169.254.1.12"},
		refusedAt: "nodes[1].ip", kubeadm: kubeadmAccepts,
		failsLater: "kubelet refuses --node-ip 169.254.1.12 (\"nodeIP can't be a link-local unicast address\")"},
	// kubeadm ValidateImageRepository.
	{name: "image repository with an empty domain label", edit: []string{"nodes:\n", "imageRepository: harbor..corp/k8s\nnodes:\n"},
		refusedAt: "imageRepository", kubeadm: kubeadmRefuses, kubeadmSays: "imageRepository"},
	{name: "image repository with a port and a path (accepted)", edit: []string{"nodes:\n", "imageRepository: harbor.corp:443/k8s__mirror/x\nnodes:\n"}},
	// Rules kubeadm's config validation cannot see; the node fails later, as noted.
	{name: "endpoint on a worker", edit: []string{"192.168.1.11:6443", "192.168.1.12:6443"},
		refusedAt: "controlPlaneEndpoint", failsLater: "no API server listens on a worker: kubeadm init's upload-config and every join time out"},
	{name: "endpoint port 8443 on the control plane itself", edit: []string{"192.168.1.11:6443", "192.168.1.11:8443"},
		refusedAt: "controlPlaneEndpoint", failsLater: "kube-apiserver binds 6443; nothing listens on 8443, so kubeadm init times out"},
	{name: "endpoint inside the pod subnet", edit: []string{"192.168.1.11:6443", "10.244.0.10:6443"},
		refusedAt: "controlPlaneEndpoint", failsLater: "the CNI routes 10.244.0.0/16 to pods, so nodes cannot reach the API there"},
	{name: "flannel with more nodes than /24 ranges", edit: []string{"10.244.0.0/16", "10.244.0.0/24", "cni: calico", "cni: flannel"},
		refusedAt: "network.podSubnet", failsLater: "kube-controller-manager gives the second node no podCIDR and Flannel does not start there"},
	{name: "ip_forward 0", edit: []string{"nodes:\n", "kernel:\n  sysctls:\n    net.ipv4.ip_forward: \"0\"\nnodes:\n"},
		refusedAt: "kernel.sysctls.net.ipv4.ip_forward", failsLater: "kubeadm's preflight FileContent--proc-sys-net-ipv4-ip_forward fails (the value is not 1)"},
	{name: "misspelt sysctl", edit: []string{"nodes:\n", "kernel:\n  sysctls:\n    net.netfiler.nfs_conntrack_max: \"1000000\"\nnodes:\n"},
		refusedAt: "kernel.sysctls.net.netfiler.nfs_conntrack_max", failsLater: "sysctl -p exits 1 on the unknown key: failed step=kernel"},
	{name: "misspelt module", edit: []string{"nodes:\n", "kernel:\n  modules: [br_netfiler]\nnodes:\n"},
		refusedAt: "kernel.modules[0]", failsLater: "modprobe br_netfiler exits 1: failed step=kernel"},
	{name: "rocky-8 from 1.35", edit: []string{"os: ubuntu-24.04", "os: rocky-8"}, minors: []int{35, 36, 37},
		refusedAt: "kubernetesVersion", failsLater: "rocky-8 boots cgroup v1: kubeadm's SystemVerification preflight fails and kubelet refuses to start (failCgroupV1)"},
	{name: "rocky-8 up to 1.34 (accepted)", edit: []string{"os: ubuntu-24.04", "os: rocky-8"}, minors: []int{30, 31, 32, 33, 34}},
	// kube-proxy's NFTablesProxyMode gate is off before 1.31.
	{name: "nftables on 1.30", edit: []string{"kubeProxyMode: iptables", "kubeProxyMode: nftables"}, minors: []int{30},
		refusedAt: "network.kubeProxyMode", kubeadm: kubeadmAccepts,
		failsLater: "kube-proxy 1.30 refuses mode nftables without the NFTablesProxyMode feature gate; kubeadm 1.30 does not check it"},
	{name: "nftables from 1.31 (accepted)", edit: []string{"kubeProxyMode: iptables", "kubeProxyMode: nftables"}, minors: []int{31, 32, 33, 34, 35, 36, 37}},
}

// cachedKubeadm returns the kubeadm binary for a minor if one is already built.
// K8SGEN_REQUIRE_CONSUMERS=1 makes a missing binary fatal for the minors the
// golden cases target (TestConsumers builds those); other minors are skipped.
func cachedKubeadm(t *testing.T, minor int) string {
	t.Helper()
	cache := os.Getenv("K8SGEN_CACHE")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Fatal(err)
		}
		cache = filepath.Join(home, ".cache", "k8sgen")
	}
	bin := filepath.Join(cache, "bin", "kubeadm-v1."+itoa(minor)+".0")
	if st, err := os.Stat(bin); err != nil || st.Mode()&0o111 == 0 {
		if requireConsumers() && goldenMinors(t)[minor] {
			t.Fatalf("no kubeadm 1.%d.0 at %s; K8SGEN_REQUIRE_CONSUMERS=1 makes this fatal (hack/kubeadm.sh builds it)", minor, bin)
		}
		t.Skipf("no kubeadm 1.%d.0 at %s (hack/kubeadm.sh builds it); set K8SGEN_REQUIRE_CONSUMERS=1 to make this fatal", minor, bin)
	}
	return bin
}

func itoa(n int) string { return strconv.Itoa(n) }

// goldenMinors are the Kubernetes minors of the golden cases.
func goldenMinors(t *testing.T) map[int]bool {
	t.Helper()
	out := map[int]bool{}
	for _, c := range loadCases(t) {
		if v, ok := spec.ParseVersion(c.version); ok {
			out[v.Minor] = true
		}
	}
	return out
}

// labBundle is the lab golden case's secrets bundle, for the cluster named.
func labBundle(t *testing.T, cluster string) *secrets.Bundle {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(goldenRoot, "lab", "secrets.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := secrets.Load(raw, cluster)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// renderConfigs renders a spec without validating it and returns the kubeadm
// configuration files of every node, by node.
func renderConfigs(t *testing.T, src string) map[string]string {
	t.Helper()
	doc, probs := spec.Load([]byte(src))
	if doc == nil {
		t.Fatalf("spec does not load: %v", probs)
	}
	spec.Defaults(doc.Cluster)
	res, err := render.Render(doc.Cluster, labBundle(t, doc.Cluster.Name), render.Options{})
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	out := map[string]string{}
	for _, n := range res.Nodes {
		for _, f := range n.Files {
			if path.Base(f.Path) != "user-data" {
				continue
			}
			var ud userData
			if err := yaml.Unmarshal(f.Data, &ud); err != nil {
				t.Fatalf("%s: %v", f.Path, err)
			}
			for _, wf := range ud.WriteFiles {
				if ok, _ := path.Match(kubeadmConfigGlob, wf.Path); ok {
					content, err := decodeContent(wf)
					if err != nil {
						t.Fatal(err)
					}
					out[n.Name+":"+path.Base(wf.Path)] = content
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no kubeadm configuration rendered")
	}
	return out
}

// TestKubeadmRules runs every rule case against every kubeadm release in the cache.
func TestKubeadmRules(t *testing.T) {
	for minor := spec.MinMinor; minor <= spec.MaxMinor; minor++ {
		t.Run("1."+itoa(minor), func(t *testing.T) {
			kubeadm := cachedKubeadm(t, minor)
			for _, rc := range ruleCases {
				if rc.minors != nil && !containsInt(rc.minors, minor) {
					continue
				}
				t.Run(rc.name, func(t *testing.T) {
					src := rc.spec(t, minor)
					checkK8sgenVerdict(t, rc, src)
					refused, out := false, ""
					for name, cfg := range renderConfigs(t, src) {
						file := filepath.Join(t.TempDir(), "kubeadm.yaml")
						if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
							t.Fatal(err)
						}
						o, err := exec.Command(kubeadm, "config", "validate", "--config", file).CombinedOutput()
						if err != nil {
							refused = true
							out += name + ": " + string(o)
						}
					}
					switch {
					case rc.kubeadm == kubeadmRefuses && !refused:
						t.Errorf("kubeadm 1.%d.0 accepts what k8sgen refuses", minor)
					case rc.kubeadm == kubeadmRefuses && !strings.Contains(out, rc.kubeadmSays):
						t.Errorf("kubeadm refuses, but not with %q:\n%s", rc.kubeadmSays, out)
					case rc.kubeadm == kubeadmAccepts && refused:
						t.Errorf("kubeadm 1.%d.0 refuses:\n%s", minor, out)
					}
					if rc.failsLater != "" {
						t.Logf("kubeadm config validate accepts it; on the node: %s", rc.failsLater)
					} else if refused {
						t.Logf("kubeadm refuses, as k8sgen does:\n%s", out)
					}
				})
			}
		})
	}
}

// spec is the case's spec for a release.
func (rc ruleCase) spec(t *testing.T, minor int) string {
	t.Helper()
	src := strings.Replace(rulesBase, "VERSION", "1."+itoa(minor)+".0", 1)
	for i := 0; i+1 < len(rc.edit); i += 2 {
		if !strings.Contains(src, rc.edit[i]) {
			t.Fatalf("edit %q not in the spec", rc.edit[i])
		}
		src = strings.Replace(src, rc.edit[i], rc.edit[i+1], 1)
	}
	return src
}

// checkK8sgenVerdict checks that k8sgen refuses the spec where the case says, or accepts it.
func checkK8sgenVerdict(t *testing.T, rc ruleCase, src string) {
	t.Helper()
	_, probs := spec.Check([]byte(src))
	errs := probs.Errors()
	if rc.refusedAt == "" && len(errs) > 0 {
		t.Fatalf("k8sgen refuses a spec it should accept:\n%v", errs)
	}
	if rc.refusedAt != "" && !hasProblemAt(errs, rc.refusedAt) {
		t.Fatalf("k8sgen does not refuse it at %s; problems:\n%v", rc.refusedAt, probs)
	}
}

// TestKubeadmRuleCasesK8sgen checks k8sgen's side of every case where no kubeadm is at hand.
func TestKubeadmRuleCasesK8sgen(t *testing.T) {
	for minor := spec.MinMinor; minor <= spec.MaxMinor; minor++ {
		for _, rc := range ruleCases {
			if rc.minors != nil && !containsInt(rc.minors, minor) {
				continue
			}
			t.Run("1."+itoa(minor)+"/"+rc.name, func(t *testing.T) {
				checkK8sgenVerdict(t, rc, rc.spec(t, minor))
			})
		}
	}
}

func hasProblemAt(ps spec.Problems, path string) bool {
	for _, p := range ps {
		if p.Path == path {
			return true
		}
	}
	return false
}

func containsInt(list []int, n int) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}
