package spec

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/k8sgen/k8sgen/profiles"
)

// installOS checks the fields of how Kubernetes and the runtime arrive against
// the OS's install strategy: only an OS with a package manager has repositories
// and host packages (haproxy, keepalived), only a sysext OS (flatcar) takes a
// sysext image, and only a binaries OS (fcos) takes release files.
func (v *validator) installOS(c *Cluster) {
	p, err := profiles.Get(c.OS)
	if err != nil {
		return
	}
	pk := c.Packages
	binaries := []struct {
		field string
		d     Download
	}{
		{"packages.kubernetesBinaries", pk.KubernetesBinaries},
		{"packages.containerd", pk.Containerd},
		{"packages.runc", pk.Runc},
		{"packages.cniPlugins", pk.CNIPlugins},
	}
	if p.Install != "sysext" && pk.KubernetesSysextUpdates != "" {
		v.errorf("packages.kubernetesSysextUpdates", "only an OS that installs Kubernetes from a sysext image (flatcar) updates one; %s", otherInstall(c.OS, p.Install))
	}
	if p.Install != "sysext" && (pk.KubernetesSysext.URL != "" || pk.KubernetesSysext.SHA256 != "") {
		v.errorf("packages.kubernetesSysext", "only an OS that installs Kubernetes from a sysext image (flatcar) takes one; %s", otherInstall(c.OS, p.Install))
	}
	if p.Install != "binaries" {
		for _, b := range binaries {
			if b.d.URL != "" || b.d.SHA256 != "" {
				v.errorf(b.field, "only an OS that installs release binaries (fcos) takes them; %s", otherInstall(c.OS, p.Install))
			}
		}
	}
	if p.Install == "packages" {
		return
	}
	// Tools the OS image lacks and no package brings (profile data): kubeadm
	// before 1.31 shells out to crictl and before 1.32 wants conntrack in its
	// preflight, and the bootstrap pulls kube-vip's image with crictl.
	ver, verOK := ParseVersion(c.KubernetesVersion)
	if slices.Contains(p.LacksTools, "crictl") {
		if verOK && ver.Major == 1 && ver.Minor < 31 {
			v.errorf("kubernetesVersion", "%s: kubeadm before 1.31 needs crictl, which %s does not ship and k8sgen does not install; use 1.31 or later", c.KubernetesVersion, c.OS)
		}
		if c.LoadBalancer.Kind == LBKubeVIP {
			v.errorf("loadBalancer.kind", "kube-vip's image is pulled with crictl before kubeadm runs, and %s has none; use external", c.OS)
		}
	}
	if slices.Contains(p.LacksTools, "conntrack") && verOK && ver.Major == 1 && ver.Minor < 32 {
		v.errorf("kubernetesVersion", "%s: kubeadm before 1.32 needs conntrack, which %s does not ship; use 1.32 or later", c.KubernetesVersion, c.OS)
	}
	why := fmt.Sprintf("%s has no package manager (%s)", c.OS, map[string]string{
		"sysext":   "Kubernetes comes from packages.kubernetesSysext, containerd with the OS",
		"binaries": "Kubernetes, containerd, runc and the CNI plugins come from their release files: packages.kubernetesBinaries, packages.containerd, packages.runc, packages.cniPlugins",
	}[p.Install])
	repo := func(field string, r Repo) {
		if r.BaseURL != "" || r.GPGKey != "" || r.Layout != "" || r.GPGCheck != nil || r.Name != "" {
			v.errorf(field, "%s", why)
		}
	}
	repo("packages.kubernetes", pk.Kubernetes)
	repo("packages.runtime", pk.Runtime)
	if len(pk.Extra) > 0 {
		v.errorf("packages.extra", "%s", why)
	}
	switch c.LoadBalancer.Kind {
	case LBKeepalived:
		v.errorf("loadBalancer.kind", "keepalived needs the keepalived and haproxy packages, and %s has no package manager; use kube-vip or external", c.OS)
	case LBNodeLocal:
		v.errorf("loadBalancer.kind", "node-local needs the haproxy package, and %s has no package manager; use kube-vip or external", c.OS)
	}
	if p.Install == "sysext" {
		v.download("packages.kubernetesSysext", pk.KubernetesSysext, sysextName, fmt.Sprintf("a sysext image (.raw, e.g. kubernetes-v%s-x86-64.raw)", c.KubernetesVersion), false)
		v.directory("packages.kubernetesSysextUpdates", pk.KubernetesSysextUpdates, "the directory serving SHA256SUMS and the kubernetes-vX.Y.Z-x86-64.raw images it lists", "the images are checked against a SHA256SUMS from the same server")
		return
	}
	kb := pk.KubernetesBinaries
	if kb.SHA256 != "" {
		v.errorf("packages.kubernetesBinaries.sha256", "kubeadm, kubelet and kubectl are three files: each is checked against the .sha256 file beside it under packages.kubernetesBinaries.url")
	}
	v.directory("packages.kubernetesBinaries.url", kb.URL, fmt.Sprintf("the directory holding kubeadm, kubelet, kubectl and their .sha256 files (e.g. https://dl.k8s.io/release/v%s/bin/linux/amd64/)", c.KubernetesVersion), "the .sha256 files come from the same server as the binaries")
	v.download("packages.containerd", pk.Containerd, containerdName, "containerd 2.x's release archive (containerd-2.x.y-linux-amd64.tar.gz, or -arm64)", true)
	v.download("packages.runc", pk.Runc, runcName, "runc's release binary (runc.amd64 or runc.arm64)", true)
	v.download("packages.cniPlugins", pk.CNIPlugins, cniName, "the CNI plugins' release archive (cni-plugins-linux-amd64-vX.Y.Z.tgz, or arm64)", true)
}

// archTokens are how file names spell each architecture.
var archTokens = map[string][]string{
	"amd64": {"amd64", "x86_64", "x86-64"},
	"arm64": {"arm64", "aarch64"},
}

// NodeArches are the nodes' architectures, sorted, each once.
func (c *Cluster) NodeArches() []string {
	var out []string
	for _, n := range c.Nodes {
		if n.Arch != "" && !slices.Contains(out, n.Arch) {
			out = append(out, n.Arch)
		}
	}
	slices.Sort(out)
	return out
}

// archFiles checks the download URLs of the spec, each one file for every
// node: with nodes of several architectures there is no one file (k8sgen's
// defaults follow each node), and a file named for another architecture than
// the nodes' would not run.
func (v *validator) archFiles(c *Cluster) {
	arches := c.NodeArches()
	pk := c.Packages
	files := []struct{ field, url string }{
		{"packages.kubernetesSysext.url", pk.KubernetesSysext.URL},
		{"packages.kubernetesBinaries.url", pk.KubernetesBinaries.URL},
		{"packages.containerd.url", pk.Containerd.URL},
		{"packages.runc.url", pk.Runc.URL},
		{"packages.cniPlugins.url", pk.CNIPlugins.URL},
	}
	if c.Runtime == "docker" {
		files = append(files, struct{ field, url string }{"packages.criDockerd.url", pk.CRIDockerd.URL})
	}
	for _, f := range files {
		if f.url == "" {
			continue
		}
		if len(arches) > 1 {
			v.errorf(f.field, "names one file for every node, and the nodes are %s: leave it unset for k8sgen's release files, which follow each node's arch, or give every node one arch", strings.Join(arches, " and "))
			continue
		}
		if len(arches) == 0 {
			continue
		}
		name := strings.ToLower(f.url)
		for other, tokens := range archTokens {
			if other == arches[0] {
				continue
			}
			for _, tok := range tokens {
				if strings.Contains(name, tok) {
					v.errorf(f.field, "%q names a file for %s, and the nodes are %s: it would not run there", f.url, other, arches[0])
				}
			}
		}
	}
}

// The file names of the release files an OS that installs binaries takes.
var (
	containerdName = regexp.MustCompile(`^containerd(-static)?-2\.[0-9]+\.[0-9]+-linux-(amd64|arm64)\.tar\.gz$`)
	runcName       = regexp.MustCompile(`^runc(\.amd64|\.arm64)?$`)
	cniName        = regexp.MustCompile(`^cni-plugins-linux-(amd64|arm64)-v[0-9]+\.[0-9]+\.[0-9]+\.tgz$`)
	sysextName     = regexp.MustCompile(`\.raw$`)
)

// directory checks the URL of a directory of release files: http(s), ending in
// /, no query. Over plain http, sameServer says why that is unsafe (a warning).
func (v *validator) directory(field, dir, what, sameServer string) {
	if dir == "" {
		return
	}
	if !isURL(dir) {
		v.errorf(field, "%q must be an http(s) URL", dir)
	} else if u, _ := url.Parse(dir); !strings.HasSuffix(dir, "/") || u.RawQuery != "" || u.Fragment != "" {
		v.errorf(field, "%q must be %s, ending in / with no query", dir, what)
	} else if u.Scheme == "http" {
		v.warnf(field, "plain http: %s, so anyone on the path can replace kubelet; prefer https", sameServer)
	}
}

// download checks one release file: an http(s) URL whose file name matches
// name, and a sha256 of 64 lowercase hex digits. With needDigest, a URL of the
// user's needs its digest: k8sgen knows only where upstream publishes its own.
// A digest alone pins upstream's file.
func (v *validator) download(field string, d Download, name *regexp.Regexp, what string, needDigest bool) {
	if d.SHA256 != "" && !sha256RE.MatchString(d.SHA256) {
		v.errorf(field+".sha256", "%q must be 64 lowercase hex digits", d.SHA256)
	}
	if d.URL == "" {
		return
	}
	if !isURL(d.URL) {
		v.errorf(field+".url", "%q must be an http(s) URL", d.URL)
		return
	}
	u, _ := url.Parse(d.URL)
	if base := path.Base(u.Path); !name.MatchString(base) {
		v.errorf(field+".url", "%q must name %s", d.URL, what)
	}
	if needDigest && d.SHA256 == "" {
		v.errorf(field+".sha256", "is required with a url of your own: the node checks the file against it (copy it from the upstream release)")
	}
}

// otherInstall says how an OS installs Kubernetes, and which field it reads.
func otherInstall(os, install string) string {
	switch install {
	case "packages":
		return os + " installs packages: use packages.kubernetes"
	case "sysext":
		return os + " installs a sysext image: use packages.kubernetesSysext"
	}
	return os + " installs release binaries: use packages.kubernetesBinaries"
}
