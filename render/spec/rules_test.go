package spec

import (
	"slices"
	"strings"
	"testing"
)

// kernelSpec appends a kernel section to base; its first entry is on lAfterBase+2.
func kernelSpec(section string) string {
	return base + "kernel:\n" + section
}

// TestBootRules covers the rules that stop a node at boot: each case names the
// field and line and says what to write instead (kubeadm's side of the kubeadm
// rules is checked against the real kubeadm in package consumers).
func TestBootRules(t *testing.T) {
	const (
		lKernel1 = lAfterBase + 1 // kernel.modules: [..] / first key of kernel.sysctls's parent
		lKernel2 = lAfterBase + 2
	)
	tests := []struct {
		name    string
		src     string
		warning bool
		path    string
		line    int
		msg     []string
	}{
		// Service subnet: kubeadm ValidateServiceSubnetSize / ValidateIPNetFromString.
		{"service subnet /11", edit(t, "10.96.0.0/12", "10.64.0.0/11"),
			false, "network.serviceSubnet", lServiceSubnet, []string{"10.64.0.0/11 is too large", "at most a /12", "use e.g. 10.64.0.0/12"}},
		{"service subnet /8", edit(t, "10.96.0.0/12", "10.0.0.0/8", "10.244.0.0/16", "172.16.0.0/16"),
			false, "network.serviceSubnet", lServiceSubnet, []string{"too large"}},
		{"service subnet /29", edit(t, "10.96.0.0/12", "10.96.0.0/29"),
			false, "network.serviceSubnet", lServiceSubnet, []string{"too small", "at least 10 addresses", "/28"}},

		// Pod subnet: kubeadm ValidatePodSubnetNodeMask with the /24 node mask.
		{"pod subnet /25", edit(t, "10.244.0.0/16", "10.244.0.0/25"),
			false, "network.podSubnet", lPodSubnet, []string{"smaller than the /24 every node gets", "use a /24 or larger"}},
		{"pod subnet /32", edit(t, "10.244.0.0/16", "10.244.0.0/32"),
			false, "network.podSubnet", lPodSubnet, []string{"smaller than the /24"}},
		{"pod subnet /7", edit(t, "10.244.0.0/16", "10.0.0.0/7", "10.96.0.0/12", "172.30.0.0/16"),
			false, "network.podSubnet", lPodSubnet, []string{"10.0.0.0/7 is too large", "at most 16 bits", "a /8"}},
		{"flannel: more nodes than /24 ranges", edit(t, "10.244.0.0/16", "10.244.0.0/24", "cni: calico", "cni: flannel"),
			false, "network.podSubnet", lPodSubnet, []string{"holds 1 per-node /24 ranges but the spec has 2 nodes", "flannel, which uses them, does not start"}},
		{"calico: more nodes than /24 ranges", edit(t, "10.244.0.0/16", "10.244.0.0/24"),
			true, "network.podSubnet", lPodSubnet, []string{"2 nodes", "calico does its own address management"}},

		// controlPlaneEndpoint: kubeadm ParseHostPort, and where it points.
		{"endpoint port +6443", edit(t, "runtime: containerd", `controlPlaneEndpoint: "192.168.1.11:+6443"`),
			false, "controlPlaneEndpoint", lRuntime, []string{`port "+6443" must be written as plain digits: 6443`}},
		{"endpoint port 06443", edit(t, "runtime: containerd", `controlPlaneEndpoint: "192.168.1.11:06443"`),
			false, "controlPlaneEndpoint", lRuntime, []string{"without leading zeros: 6443"}},
		{"endpoint port 0", edit(t, "runtime: containerd", `controlPlaneEndpoint: "192.168.1.11:0"`),
			false, "controlPlaneEndpoint", lRuntime, []string{"1 to 65535"}},
		{"endpoint port -1", edit(t, "runtime: containerd", `controlPlaneEndpoint: "192.168.1.11:-1"`),
			false, "controlPlaneEndpoint", lRuntime, []string{"1 to 65535"}},
		{"endpoint on a worker", edit(t, "runtime: containerd", `controlPlaneEndpoint: "192.168.1.12:6443"`),
			false, "controlPlaneEndpoint", lRuntime, []string{"worker worker-1", "no API server runs"}},
		{"endpoint on a worker by name", edit(t, "runtime: containerd", `controlPlaneEndpoint: "worker-1:6443"`),
			false, "controlPlaneEndpoint", lRuntime, []string{"worker worker-1"}},
		{"endpoint on the control plane, another port", edit(t, "runtime: containerd", `controlPlaneEndpoint: "192.168.1.11:8443"`),
			false, "controlPlaneEndpoint", lRuntime, []string{"port 8443", "serves the API on 6443", "use 192.168.1.11:6443"}},
		{"endpoint loopback", edit(t, "runtime: containerd", `controlPlaneEndpoint: "127.0.0.1:6443"`),
			false, "controlPlaneEndpoint", lRuntime, []string{"loopback", "every node must reach the API"}},
		{"endpoint unspecified", edit(t, "runtime: containerd", `controlPlaneEndpoint: "0.0.0.0:6443"`),
			false, "controlPlaneEndpoint", lRuntime, []string{"unspecified"}},
		{"endpoint inside the pod subnet", edit(t, "runtime: containerd", `controlPlaneEndpoint: "10.244.0.10:6443"`),
			false, "controlPlaneEndpoint", lRuntime, []string{"inside network.podSubnet 10.244.0.0/16"}},
		{"endpoint inside the service subnet", edit(t, "runtime: containerd", `controlPlaneEndpoint: "10.96.0.1:6443"`),
			false, "controlPlaneEndpoint", lRuntime, []string{"inside network.serviceSubnet 10.96.0.0/12"}},
		{"endpoint host too long", edit(t, "runtime: containerd", `controlPlaneEndpoint: "`+strings.Repeat("a.", 127)+`io:6443"`),
			false, "controlPlaneEndpoint", lRuntime, []string{"host:port"}},

		// Node addresses: kubelet's validateNodeIP.
		{"node address link-local", edit(t, "192.168.1.12", "169.254.1.12"),
			false, "nodes[1].ip", lNode1IP, []string{"link-local", "kubelet refuses", "must be an IPv4 address"}},
		{"node address broadcast", edit(t, "192.168.1.12", "255.255.255.255"),
			false, "nodes[1].ip", lNode1IP, []string{"broadcast"}},

		// Image repositories: kubeadm ValidateImageRepository.
		{"image repository with an empty label", base + "imageRepository: harbor..corp/k8s\n",
			false, "imageRepository", lAfterBase, []string{"not an image repository kubeadm accepts"}},
		{"image repository too long", base + "imageRepository: harbor/" + strings.Repeat("a", 230) + "\n",
			false, "imageRepository", lAfterBase, []string{"too long", "255"}},
		{"CNI image repository with a label ending in '-'", edit(t, "  cni: calico\n", "  cni: calico\n  cniImageRepository: harbor-.corp/calico\n"),
			false, "network.cniImageRepository", lCNI + 1, []string{"not an image repository"}},

		// Release and OS.
		{"rocky-8 on 1.35", edit(t, "os: ubuntu-24.04", "os: rocky-8", `"1.32.0"`, `"1.35.0"`),
			false, "kubernetesVersion", lVersion, []string{"does not run on rocky-8", "cgroup v1", "failCgroupV1", "use Kubernetes 1.34"}},
		{"nftables on 1.30", edit(t, "kubeProxyMode: iptables", "kubeProxyMode: nftables", `"1.32.0"`, `"1.30.0"`),
			false, "network.kubeProxyMode", lProxyMode, []string{"nftables needs Kubernetes 1.31", "NFTablesProxyMode"}},

		// kernel.sysctls: what `sysctl -p` and kubeadm's preflight do with them.
		{"misspelt netfilter key", kernelSpec("  sysctls:\n    net.netfiler.nfs_conntrack_max: \"1000000\"\n"),
			false, "kernel.sysctls.net.netfiler.nfs_conntrack_max", lKernel2, []string{"did you mean net.netfilter.nf_conntrack_max?"}},
		{"misspelt bridge key", kernelSpec("  sysctls:\n    net.bridge.bridge-nf-call-iptalbes: \"1\"\n"),
			false, "kernel.sysctls.net.bridge.bridge-nf-call-iptalbes", lKernel2, []string{"did you mean net.bridge.bridge-nf-call-iptables?"}},
		{"misspelt per-interface key", kernelSpec("  sysctls:\n    net.ipv4.conf.eth0.rp_filer: \"1\"\n"),
			false, "kernel.sysctls.net.ipv4.conf.eth0.rp_filer", lKernel2, []string{"did you mean net.ipv4.conf.eth0.rp_filter?"}},
		{"key outside /proc/sys", kernelSpec("  sysctls:\n    netfilter.nf_conntrack_max: \"1\"\n"),
			false, "kernel.sysctls.netfilter.nf_conntrack_max", lKernel2, []string{"not a sysctl", "net, sunrpc"}},
		{"ip_forward 0", kernelSpec("  sysctls:\n    net.ipv4.ip_forward: \"0\"\n"),
			false, "kernel.sysctls.net.ipv4.ip_forward", lKernel2, []string{`must be 1, not "0"`, "kubeadm's preflight"}},
		{"ip_forward 2", kernelSpec("  sysctls:\n    net.ipv4.ip_forward: \"2\"\n"),
			false, "kernel.sysctls.net.ipv4.ip_forward", lKernel2, []string{"must be 1"}},
		{"conf.all.forwarding 0", kernelSpec("  sysctls:\n    net.ipv4.conf.all.forwarding: \"0\"\n"),
			false, "kernel.sysctls.net.ipv4.conf.all.forwarding", lKernel2, []string{"must be 1", "ip_forward by another name"}},
		{"bridge-nf-call-iptables 0", kernelSpec("  sysctls:\n    net.bridge.bridge-nf-call-iptables: \"0\"\n"),
			false, "kernel.sysctls.net.bridge.bridge-nf-call-iptables", lKernel2, []string{"must be 1"}},
		{"bridge-nf-call-ip6tables 0", kernelSpec("  sysctls:\n    net.bridge.bridge-nf-call-ip6tables: \"0\"\n"),
			false, "kernel.sysctls.net.bridge.bridge-nf-call-ip6tables", lKernel2, []string{"must be 1"}},
		{"not a number", kernelSpec("  sysctls:\n    vm.swappiness: ten\n"),
			false, "kernel.sysctls.vm.swappiness", lKernel2, []string{`"ten" is not a number`}},
		{"conntrack key without nf_conntrack", kernelSpec("  sysctls:\n    net.netfilter.nf_conntrack_max: \"1000000\"\n"),
			false, "kernel.sysctls.net.netfilter.nf_conntrack_max", lKernel2, []string{"module nf_conntrack", "add nf_conntrack to kernel.modules"}},
		{"ipvs key without ipvs", kernelSpec("  sysctls:\n    net.ipv4.vs.conntrack: \"1\"\n"),
			false, "kernel.sysctls.net.ipv4.vs.conntrack", lKernel2, []string{"module ip_vs"}},
		{"unknown key far from any known one", kernelSpec("  sysctls:\n    kernel.frobnicate: \"1\"\n"),
			true, "kernel.sysctls.kernel.frobnicate", lKernel2, []string{"not a key k8sgen knows", "failed step=kernel"}},
		{"key kubelet overrides", kernelSpec("  sysctls:\n    vm.overcommit_memory: \"0\"\n"),
			true, "kernel.sysctls.vm.overcommit_memory", lKernel2, []string{"kubelet sets it to 1"}},
		{"key naming an interface", kernelSpec("  sysctls:\n    net.ipv4.conf.eth0.rp_filter: \"1\"\n"),
			true, "kernel.sysctls.net.ipv4.conf.eth0.rp_filter", lKernel2, []string{"names interface eth0"}},

		// kernel.modules: what modprobe does with them.
		{"misspelt module", kernelSpec("  modules: [br_netfiler]\n"),
			false, "kernel.modules[0]", lKernel1, []string{`"br_netfiler"`, "did you mean br_netfilter?"}},
		{"swapped letters in a module", kernelSpec("  modules: [xt_conntrack, ip_vs_wwr]\n"),
			false, "kernel.modules[1]", lKernel1, []string{"did you mean ip_vs_wrr?"}},
		{"module of old kernels only", kernelSpec("  modules: [nf_conntrack_ipv4]\n"),
			false, "kernel.modules[0]", lKernel1, []string{"merged into nf_conntrack in Linux 4.19", "write nf_conntrack"}},
		{"unknown module", kernelSpec("  modules: [mydriver]\n"),
			true, "kernel.modules[0]", lKernel1, []string{`"mydriver" is not a module k8sgen knows`}},

		// Read off the bootstrap script.
		{"cri-dockerd archive that is not a tarball", edit(t, "runtime: containerd", "runtime: docker") + "packages:\n  criDockerd:\n    url: http://files.corp/cri-dockerd-0.3.17.amd64.zip\n    sha256: " + strings.Repeat("a", 64) + "\n",
			false, "packages.criDockerd.url", lAfterBase + 2, []string{".tgz or .tar.gz", "(.rpm, .deb)", "the file name tells the node how to install it"}},
		{"kubernetes repository that names a channel, layout pkgs", base + "packages:\n  kubernetes:\n    baseURL: https://pkgs.k8s.io/core:/stable:/v1.32/deb/\n",
			false, "packages.kubernetes.baseURL", lAfterBase + 2, []string{"already names a channel", "v1.32/deb/", "give the root (https://pkgs.k8s.io/core:/stable:/)", "layout: flat"}},
		{"pkgs.k8s.io without core:/stable:/", base + "packages:\n  kubernetes:\n    baseURL: https://pkgs.k8s.io/\n",
			false, "packages.kubernetes.baseURL", lAfterBase + 2, []string{"not a pkgs.k8s.io root"}},
		{"flat repository of another minor", base + "packages:\n  kubernetes:\n    baseURL: https://pkgs.k8s.io/core:/stable:/v1.31/deb/\n    layout: flat\n",
			false, "packages.kubernetes.baseURL", lAfterBase + 2, []string{"v1.31 channel", "kubernetesVersion is 1.32.0", "v1.32"}},
		{"flat rpm repository on apt", base + "packages:\n  kubernetes:\n    baseURL: https://pkgs.k8s.io/core:/stable:/v1.32/rpm/\n    layout: flat\n",
			false, "packages.kubernetes.baseURL", lAfterBase + 2, []string{"is a rpm repository", "deb packages"}},
		{"Docker repository of another distribution", base + "packages:\n  runtime:\n    baseURL: https://mirrors.aliyun.com/docker-ce/linux/centos\n",
			false, "packages.runtime.baseURL", lAfterBase + 2, []string{"repository for centos", "/linux/ubuntu"}},
		{"Docker repository of Debian on Ubuntu", base + "packages:\n  runtime:\n    baseURL: https://download.docker.com/linux/debian/\n",
			false, "packages.runtime.baseURL", lAfterBase + 2, []string{"needs /linux/ubuntu", "noble"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, probs := check(tt.src)
			if doc == nil {
				t.Fatalf("not loaded:\n%s", dump(probs))
			}
			if !problemAt(probs, tt.warning, tt.path, tt.line, tt.msg...) {
				t.Errorf("want %s at line %d: %s (warning %v), got:\n%s", tt.path, tt.line, tt.msg, tt.warning, dump(probs))
			}
			if !tt.warning && len(probs.Errors()) == 0 {
				t.Error("no errors reported")
			}
			if tt.warning && len(probs.Errors()) != 0 {
				t.Errorf("errors besides the warning:\n%s", dump(probs.Errors()))
			}
		})
	}
}

// TestBootRulesAccept: the boundary values and common settings the rules must let through.
func TestBootRulesAccept(t *testing.T) {
	tests := []struct{ name, src string }{
		{"service subnet /12", base},
		{"service subnet /28", edit(t, "10.96.0.0/12", "10.96.0.0/28")},
		{"pod subnet /8", edit(t, "10.244.0.0/16", "10.0.0.0/8", "10.96.0.0/12", "172.30.0.0/16")},
		{"pod subnet /23 for two nodes", edit(t, "10.244.0.0/16", "10.244.0.0/23", "cni: calico", "cni: flannel")},
		{"endpoint port 65535 on a load balancer", edit(t, "runtime: containerd", `controlPlaneEndpoint: "192.168.1.10:65535"`)},
		{"endpoint by name", edit(t, "runtime: containerd", `controlPlaneEndpoint: "api.lab.internal:6443"`)},
		{"endpoint on the control plane by name", edit(t, "runtime: containerd", `controlPlaneEndpoint: "cp-1:6443"`)},
		{"image repository with '__' and a port", base + "imageRepository: harbor.corp:443/k8s__mirror/x\n"},
		{"rocky-8 on 1.34", edit(t, "os: ubuntu-24.04", "os: rocky-8", `"1.32.0"`, `"1.34.0"`)},
		{"nftables on 1.31", edit(t, "kubeProxyMode: iptables", "kubeProxyMode: nftables", `"1.32.0"`, `"1.31.0"`)},
		{"nf_conntrack_ipv4 on rocky-8", edit(t, "os: ubuntu-24.04", "os: rocky-8") + "kernel:\n  modules: [nf_conntrack_ipv4]\n"},
		{"tutorial 001 kernel section", base + "kernel:\n  modules: [br_netfilter, xt_conntrack]\n  sysctls:\n    net.netfilter.nf_conntrack_max: \"1000000\"\n"},
		{"conntrack key with ipvs", edit(t, "kubeProxyMode: iptables", "kubeProxyMode: ipvs") + "kernel:\n  sysctls:\n    net.netfilter.nf_conntrack_max: \"1000000\"\n"},
		{"sysctls Kubernetes needs, at 1", base + "kernel:\n  sysctls:\n    net.ipv4.ip_forward: \"1\"\n    net.bridge.bridge-nf-call-iptables: \"1\"\n"},
		{"vector and string sysctls", base + "kernel:\n  sysctls:\n    net.ipv4.ip_local_port_range: \"32768 60999\"\n    net.ipv4.tcp_congestion_control: bbr\n    net.ipv4.ip_local_reserved_ports: \"30000-32767\"\n    kernel.keys.root_maxkeys: \"1000000\"\n"},
		{"modules with '-' and upper case", base + "kernel:\n  modules: [br-netfilter, xt_REDIRECT, nf_conntrack]\n"},
		{"cri-dockerd .tar.gz", edit(t, "runtime: containerd", "runtime: docker") + "packages:\n  criDockerd:\n    url: http://files.corp/cri-dockerd.tar.gz?x=1\n    sha256: " + strings.Repeat("a", 64) + "\n"},
		{"flat repository of this minor", base + "packages:\n  kubernetes:\n    baseURL: https://pkgs.k8s.io/core:/stable:/v1.32/deb/\n    layout: flat\n    gpgKey: https://pkgs.k8s.io/core:/stable:/v1.32/deb/Release.key\n"},
		{"Aliyun's pkgs layout", base + "packages:\n  kubernetes:\n    baseURL: https://mirrors.aliyun.com/kubernetes-new/core/stable/\n"},
		{"Docker repository mirror for ubuntu", base + "packages:\n  runtime:\n    baseURL: https://mirrors.aliyun.com/docker-ce/linux/ubuntu\n"},
		{"proxy with the load balancer in noProxy", edit(t, "runtime: containerd", `controlPlaneEndpoint: "api.lab.internal:6443"`) + "proxy:\n  http: http://proxy.corp:3128\n  noProxy: [10.96.0.0/12, 10.244.0.0/16, 192.168.1.0/24, .lab.internal]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, probs := check(tt.src)
			if doc == nil || len(probs) != 0 {
				t.Fatalf("doc=%v problems:\n%s", doc != nil, dump(probs))
			}
		})
	}
}

// TestKernelTables: the tables are sorted, unique and spelt as the kernel spells names.
func TestKernelTables(t *testing.T) {
	for name, list := range map[string][]string{"knownSysctls": knownSysctls, "knownModules": knownModules} {
		if !slices.IsSorted(list) {
			t.Errorf("%s is not sorted", name)
		}
		if len(slices.Compact(slices.Clone(list))) != len(list) {
			t.Errorf("%s has duplicates", name)
		}
	}
	for _, k := range knownSysctls {
		if !sysctlRE.MatchString(k) || !slices.Contains(sysctlRoots, k[:strings.IndexByte(k, '.')]) {
			t.Errorf("knownSysctls: %q is not a sysctl key", k)
		}
	}
	for _, m := range knownModules {
		if !moduleRE.MatchString(m) || strings.Contains(m, "-") {
			t.Errorf("knownModules: %q is not a module name as modprobe lists it", m)
		}
	}
	for k := range mustBeOne {
		if !slices.Contains(knownSysctls, k) {
			t.Errorf("mustBeOne: %s is not in knownSysctls", k)
		}
	}
	for k := range kubeletSets {
		if !slices.Contains(knownSysctls, k) {
			t.Errorf("kubeletSets: %s is not in knownSysctls", k)
		}
	}
	// Every known name is its own nearest match, so no known name is taken for a typo.
	for _, list := range [][]string{knownSysctls, knownModules} {
		for _, k := range list {
			if best := nearest(k, list); best != k {
				t.Errorf("nearest(%q) = %q", k, best)
			}
		}
	}
}

func TestTypoDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"br_netfilter", "br_netfilter", 0},
		{"br_netfiler", "br_netfilter", 1},
		{"iptalbes", "iptables", 1},
		{"net.netfiler.nfs_conntrack_max", "net.netfilter.nf_conntrack_max", 2},
		{"", "abc", 3},
		{"ip_vs_rr", "ip_vs_sh", 2},
	} {
		if got := typoDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("typoDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	// Short names need a closer match: "tun" is not a typo of "tap"-like names.
	if got := nearest("sit", knownModules); got != "" {
		t.Errorf("nearest(sit) = %q, want none", got)
	}
}

// TestControlPlaneCount: stacked etcd needs an odd number of members.
func TestControlPlaneCount(t *testing.T) {
	cp := func(i int) string {
		return "  - name: cp-" + string(rune('2'+i)) + "\n    role: control-plane\n    ip: 192.168.1." + string(rune('3'+i)) + "0\n"
	}
	two := base + cp(0)
	four := base + cp(0) + cp(1) + cp(2)
	for _, tt := range []struct {
		name, src, path string
		line            int
		msg             []string
	}{
		{"two", two, "nodes[2].role", lAfterBase + 1, []string{"2 control planes", "majority (2 of 2)", "use 1 or 3"}},
		{"four", four, "nodes[4].role", lAfterBase + 7, []string{"4 control planes", "majority (3 of 4)", "use 3 or 5"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			doc, probs := check(tt.src)
			if doc == nil {
				t.Fatalf("not loaded:\n%s", dump(probs))
			}
			if !problemAt(probs, false, tt.path, tt.line, tt.msg...) {
				t.Errorf("want %s at line %d: %s, got:\n%s", tt.path, tt.line, tt.msg, dump(probs))
			}
		})
	}
	for _, src := range []string{base, base + cp(0) + cp(1)} {
		if doc, probs := check(src); doc == nil || len(probs.Errors()) != 0 {
			t.Errorf("odd count refused:\n%s", dump(probs))
		}
	}
}
