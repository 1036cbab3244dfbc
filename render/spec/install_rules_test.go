package spec

import "testing"

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
			want{"packages.kubernetesSysext", 5, []string{"only an OS without a package manager (flatcar)", "use packages.kubernetes"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, probs := check(tc.src)
			expect(t, probs.Errors(), false, tc.w)
		})
	}
}
