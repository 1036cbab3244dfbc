package spec

import (
	"strings"
	"testing"
)

// flatcarSpec is a valid flatcar spec; the line numbers below are its own.
const flatcarSpec = `name: fc
kubernetesVersion: "1.33.0"
os: flatcar
packages:
  kubernetesSysext:
    url: http://files.internal/kubernetes-v1.33.0-x86-64.raw
    sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
nodes:
  - name: cp
    role: control-plane
    ip: 192.168.1.11
`

// TestFlatcarShipsCrictl: Flatcar's image has crictl, so kubeadm 1.30 and
// kube-vip work there.
func TestFlatcarShipsCrictl(t *testing.T) {
	if _, probs := check(editOf(t, flatcarSpec, `kubernetesVersion: "1.33.0"`, `kubernetesVersion: "1.30.0"`)); len(probs) != 0 {
		t.Fatalf("flatcar with 1.30 is refused:\n%s", dump(probs))
	}
}

// TestInstallOS: an OS without a package manager refuses repositories, host
// packages for the load balancer and Docker; only it takes a sysext image,
// whose URL must name a .raw image and whose digest must be SHA-256 hex.
func TestInstallOS(t *testing.T) {
	if _, probs := check(flatcarSpec); len(probs) != 0 {
		t.Fatalf("the flatcar spec is refused:\n%s", dump(probs))
	}
	for _, tc := range []struct {
		name string
		src  string
		w    want
	}{
		{"repository", editOf(t, flatcarSpec, "packages:\n", "packages:\n  kubernetes:\n    baseURL: https://mirrors.aliyun.com/kubernetes-new/core/stable/\n"),
			want{"packages.kubernetes", 5, []string{"flatcar has no package manager"}}},
		{"runtime repository", editOf(t, flatcarSpec, "packages:\n", "packages:\n  runtime:\n    gpgCheck: false\n"),
			want{"packages.runtime", 5, []string{"flatcar has no package manager"}}},
		{"extra repositories", editOf(t, flatcarSpec, "packages:\n", "packages:\n  extra:\n    - name: internal\n      baseURL: http://repo.internal/\n"),
			want{"packages.extra", 5, []string{"no package manager"}}},
		{"keepalived", editOf(t, flatcarSpec, "nodes:\n", "controlPlaneEndpoint: 192.168.1.100:8443\nloadBalancer:\n  kind: keepalived\n  vip: 192.168.1.100\n  prefixLength: 24\n  interface: eth0\nnodes:\n"),
			want{"loadBalancer.kind", 10, []string{"keepalived needs the keepalived and haproxy packages", "kube-vip or external"}}},
		{"node-local", editOf(t, flatcarSpec, "nodes:\n", "loadBalancer:\n  kind: node-local\nnodes:\n"),
			want{"loadBalancer.kind", 9, []string{"node-local needs the haproxy package"}}},
		{"docker", editOf(t, flatcarSpec, "os: flatcar\n", "os: flatcar\nruntime: docker\n"),
			want{"runtime", 4, []string{`runtime "docker" is not supported on os "flatcar"`}}},
		{"not an image", editOf(t, flatcarSpec, "x86-64.raw", "x86-64.tar.gz"),
			want{"packages.kubernetesSysext.url", 6, []string{"must name a sysext image (.raw"}}},
		{"digest", editOf(t, flatcarSpec, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "0123456789ABCDEF"),
			want{"packages.kubernetesSysext.sha256", 7, []string{"64 lowercase hex digits"}}},
		{"sysext on a package OS", editOf(t, flatcarSpec, "os: flatcar", "os: debian-12"),
			want{"packages.kubernetesSysext", 5, []string{"only an OS that installs Kubernetes from a sysext image (flatcar)", "use packages.kubernetes"}}},
		{"updates not a directory", editOf(t, flatcarSpec, "packages:\n", "packages:\n  kubernetesSysextUpdates: https://files.internal/k/kubernetes-v1.33.1-x86-64.raw\n"),
			want{"packages.kubernetesSysextUpdates", 5, []string{"must be the directory serving SHA256SUMS", "ending in /"}}},
		{"updates on fcos", editOf(t, fcosSpec, "packages:\n", "packages:\n  kubernetesSysextUpdates: https://files.internal/k/\n"),
			want{"packages.kubernetesSysextUpdates", 5, []string{"(flatcar) updates one", "fcos installs release binaries"}}},
		{"sysext on fcos", editOf(t, flatcarSpec, "os: flatcar", "os: fcos"),
			want{"packages.kubernetesSysext", 5, []string{"(flatcar)", "fcos installs release binaries: use packages.kubernetesBinaries"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, probs := check(tc.src)
			expect(t, probs.Errors(), false, tc.w)
		})
	}
}

// fcosSpec is a valid fcos spec with every release file of its own; the line
// numbers below are its own.
const fcosSpec = `name: fc
kubernetesVersion: "1.34.0"
os: fcos
packages:
  kubernetesBinaries:
    url: https://files.internal/k8s/v1.34.0/
  containerd:
    url: http://files.internal/containerd-2.4.2-linux-amd64.tar.gz
    sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
  runc:
    url: http://files.internal/runc.amd64
    sha256: 1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
  cniPlugins:
    url: http://files.internal/cni-plugins-linux-amd64-v1.10.0.tgz
    sha256: 2123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
nodes:
  - name: cp
    role: control-plane
    ip: 192.168.1.11
`

// TestInstallBinaries: an OS that installs release binaries refuses
// repositories, sysext images and digests of its own for the three Kubernetes
// files; each file URL must name its kind of file, and one of the user's needs
// its digest. No other OS takes these fields.
func TestInstallBinaries(t *testing.T) {
	if _, probs := check(fcosSpec); len(probs) != 0 {
		t.Fatalf("the fcos spec is refused:\n%s", dump(probs))
	}
	if _, probs := check("name: fc\nkubernetesVersion: \"1.34.0\"\nos: fcos\nnodes:\n  - name: cp\n    role: control-plane\n    ip: 192.168.1.11\n"); len(probs) != 0 {
		t.Fatalf("the fcos spec with upstream's files is refused:\n%s", dump(probs))
	}
	for _, tc := range []struct {
		name string
		src  string
		w    want
	}{
		{"repository", editOf(t, fcosSpec, "packages:\n", "packages:\n  kubernetes:\n    baseURL: https://mirrors.aliyun.com/kubernetes-new/core/stable/\n"),
			want{"packages.kubernetes", 5, []string{"fcos has no package manager", "packages.kubernetesBinaries"}}},
		{"sysext", editOf(t, fcosSpec, "packages:\n", "packages:\n  kubernetesSysext:\n    url: http://files.internal/k.raw\n"),
			want{"packages.kubernetesSysext", 5, []string{"fcos installs release binaries"}}},
		{"not a directory", editOf(t, fcosSpec, "k8s/v1.34.0/\n", "k8s/v1.34.0/kubeadm\n"),
			want{"packages.kubernetesBinaries.url", 6, []string{"ending in /", "dl.k8s.io/release/v1.34.0/bin/linux/amd64/"}}},
		{"kubernetes digest", editOf(t, fcosSpec, "k8s/v1.34.0/\n", "k8s/v1.34.0/\n    sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"),
			want{"packages.kubernetesBinaries.sha256", 7, []string{"three files", ".sha256 file beside it"}}},
		{"containerd not an archive", editOf(t, fcosSpec, "linux-amd64.tar.gz", "linux-amd64.zip"),
			want{"packages.containerd.url", 8, []string{"containerd 2.x's release archive"}}},
		{"runc without digest", editOf(t, fcosSpec, "    sha256: 1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n", ""),
			want{"packages.runc.sha256", 10, []string{"required with a url of your own"}}},
		{"cni digest", editOf(t, fcosSpec, "2123456789abcdef", "2123456789ABCDEF"),
			want{"packages.cniPlugins.sha256", 15, []string{"64 lowercase hex digits"}}},
		{"cni not a url", editOf(t, fcosSpec, "http://files.internal/cni", "files.internal/cni"),
			want{"packages.cniPlugins.url", 14, []string{"must be an http(s) URL"}}},
		{"keepalived", editOf(t, fcosSpec, "nodes:\n", "controlPlaneEndpoint: 192.168.1.100:8443\nloadBalancer:\n  kind: keepalived\n  vip: 192.168.1.100\n  prefixLength: 24\n  interface: eth0\nnodes:\n"),
			want{"loadBalancer.kind", 18, []string{"keepalived needs the keepalived and haproxy packages"}}},
		{"binaries on a package OS", editOf(t, fcosSpec, "os: fcos", "os: rocky-9"),
			want{"packages.containerd", 7, []string{"only an OS that installs release binaries (fcos)", "rocky-9 installs packages: use packages.kubernetes"}}},
		{"kubeadm that needs crictl", editOf(t, fcosSpec, `kubernetesVersion: "1.34.0"`, `kubernetesVersion: "1.30.4"`),
			want{"kubernetesVersion", 2, []string{"kubeadm before 1.31 needs crictl", "fcos does not ship"}}},
		{"kubeadm that needs conntrack", editOf(t, fcosSpec, `kubernetesVersion: "1.34.0"`, `kubernetesVersion: "1.31.2"`),
			want{"kubernetesVersion", 2, []string{"kubeadm before 1.32 needs conntrack", "fcos does not ship"}}},
		{"kube-vip", editOf(t, fcosSpec, "nodes:\n", "controlPlaneEndpoint: 192.168.1.100:6443\nloadBalancer:\n  kind: kube-vip\n  vip: 192.168.1.100\n  interface: eth0\nnodes:\n"),
			want{"loadBalancer.kind", 18, []string{"pulled with crictl", "use external"}}},
		{"containerd 1.7", editOf(t, fcosSpec, "containerd-2.4.2-linux-amd64", "containerd-1.7.27-linux-amd64"),
			want{"packages.containerd.url", 8, []string{"containerd 2.x's release archive (containerd-2.x.y-linux-amd64.tar.gz, or -arm64)"}}},
		{"cni for arm64", editOf(t, fcosSpec, "cni-plugins-linux-amd64", "cni-plugins-linux-arm64"),
			want{"packages.cniPlugins.url", 14, []string{"names a file for arm64, and the nodes are amd64"}}},
		{"runc archive", editOf(t, fcosSpec, "runc.amd64", "runc.tar.xz"),
			want{"packages.runc.url", 11, []string{"runc's release binary"}}},
		{"query", editOf(t, fcosSpec, "k8s/v1.34.0/", "k8s/v1.34.0/?sig=abc/"),
			want{"packages.kubernetesBinaries.url", 6, []string{"no query"}}},
		{"binaries on flatcar", editOf(t, fcosSpec, "os: fcos", "os: flatcar"),
			want{"packages.kubernetesBinaries", 5, []string{"flatcar installs a sysext image"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, probs := check(tc.src)
			expect(t, probs.Errors(), false, tc.w)
		})
	}
}

// TestInstallBinariesWarnsPlainHTTP: over plain http the digests come from the
// same server as the binaries they check.
func TestInstallBinariesWarnsPlainHTTP(t *testing.T) {
	_, probs := check(editOf(t, fcosSpec, "https://files.internal/k8s/", "http://files.internal/k8s/"))
	if len(probs) != 1 || !probs[0].Warning || probs[0].Path != "packages.kubernetesBinaries.url" || probs[0].Line != 6 ||
		!strings.Contains(probs[0].Msg, "plain http") {
		t.Fatalf("want one warning on packages.kubernetesBinaries.url, line 6, got:\n%s", dump(probs))
	}
}

// TestSysextUpdatesWarnsPlainHTTP: systemd-sysupdate checks the images against
// a SHA256SUMS from the same server.
func TestSysextUpdatesWarnsPlainHTTP(t *testing.T) {
	_, probs := check(editOf(t, flatcarSpec, "packages:\n", "packages:\n  kubernetesSysextUpdates: http://files.internal/k/\n"))
	if len(probs) != 1 || !probs[0].Warning || probs[0].Path != "packages.kubernetesSysextUpdates" || probs[0].Line != 5 ||
		!strings.Contains(probs[0].Msg, "SHA256SUMS from the same server") {
		t.Fatalf("want one warning on packages.kubernetesSysextUpdates, line 5, got:\n%s", dump(probs))
	}
}

// TestArch: arch and nodes[].arch take amd64 or arm64; a download the spec
// names is one file for every node, so nodes of two architectures refuse it,
// and a file named for the other architecture is refused.
func TestArch(t *testing.T) {
	docker := editOf(t, base, "runtime: containerd", "runtime: docker")
	mixed := editOf(t, docker, "    ip: 192.168.1.12\n", "    ip: 192.168.1.12\n    arch: arm64\n")
	if _, probs := check(mixed); len(probs.Errors()) != 0 {
		t.Fatalf("mixed architectures with k8sgen's downloads refused:\n%s", dump(probs.Errors()))
	}
	if _, probs := check(editOf(t, docker, "os: ubuntu-24.04", "os: ubuntu-24.04\narch: arm64") + "packages:\n  criDockerd:\n    url: https://f.lab/cri-dockerd-0.3.17.arm64.tgz\n    sha256: " + strings.Repeat("0", 64) + "\n"); len(probs.Errors()) != 0 {
		t.Fatalf("an arm64 cluster with an arm64 archive refused:\n%s", dump(probs.Errors()))
	}
	for _, tc := range []struct {
		name string
		src  string
		w    want
	}{
		{"unknown arch", editOf(t, base, "os: ubuntu-24.04", "os: ubuntu-24.04\narch: x86_64"),
			want{"arch", 4, []string{`unknown value "x86_64"`, "amd64, arm64"}}},
		{"unknown node arch", editOf(t, base, "    ip: 192.168.1.12\n", "    ip: 192.168.1.12\n    arch: riscv64\n"),
			want{"nodes[1].arch", 17, []string{`unknown value "riscv64"`}}},
		{"one file for two arches", mixed + "packages:\n  criDockerd:\n    url: https://f.lab/cri-dockerd-0.3.17.amd64.tgz\n    sha256: " + strings.Repeat("0", 64) + "\n",
			want{"packages.criDockerd.url", lAfterBase + 3, []string{"names one file for every node, and the nodes are amd64 and arm64"}}},
		{"other arch's rpm", editOf(t, docker, "os: ubuntu-24.04", "os: rocky-9\narch: arm64") + "packages:\n  criDockerd:\n    url: https://f.lab/cri-dockerd-0.3.17-3.el9.x86_64.rpm\n    sha256: " + strings.Repeat("0", 64) + "\n",
			want{"packages.criDockerd.url", lAfterBase + 3, []string{"names a file for amd64, and the nodes are arm64"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, probs := check(tc.src)
			expect(t, probs.Errors(), true, tc.w)
		})
	}
}
