package spec

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/k8sgen/k8sgen/profiles"
)

// Choices accepted by the enumerated fields.
var (
	CNIs       = []string{"calico", "flannel", "weave", "cilium", "custom", "none"}
	ProxyModes = []string{"iptables", "ipvs", "nftables"}
	Runtimes   = []string{"containerd", "docker"}
	// Arches are the CPU architectures k8sgen downloads release files for.
	Arches = []string{"amd64", "arm64"}
	// Go's regexp compiles x{0,61} into 61 copies of x, at every start; the
	// rules here give a length bound in code instead (see isRFC1123Label).
	rfc1123LabelRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
	cniVersionRE   = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+$`)
	defaultNetwork = Network{PodSubnet: "10.244.0.0/16", ServiceSubnet: "10.96.0.0/12", CNI: "calico", KubeProxyMode: "iptables"}
)

// maxNodeName is the longest node name: the kubelet labels its node
// kubernetes.io/hostname=<name>, and a label value holds at most 63 characters.
const maxNodeName = 63

// Default CNI releases k8sgen pins when cniVersion is empty.
var DefaultCNIVersions = map[string]string{
	"calico":  "v3.29.3",
	"flannel": "v0.26.4",
	// Weave Net's last release: upstream is archived.
	"weave": "v2.8.1",
}

// Defaults fills the fields a spec may leave out. It runs after Load and before Validate.
func Defaults(c *Cluster) {
	if c.Runtime == "" {
		c.Runtime = "containerd"
	}
	if c.Arch == "" {
		c.Arch = "amd64"
	}
	for i := range c.Nodes {
		if c.Nodes[i].Arch == "" {
			c.Nodes[i].Arch = c.Arch
		}
	}
	if c.Network.PodSubnet == "" {
		c.Network.PodSubnet = defaultNetwork.PodSubnet
	}
	if c.Network.ServiceSubnet == "" {
		c.Network.ServiceSubnet = defaultNetwork.ServiceSubnet
	}
	if c.Network.CNI == "" {
		c.Network.CNI = defaultNetwork.CNI
	}
	if c.Network.KubeProxyMode == "" {
		c.Network.KubeProxyMode = defaultNetwork.KubeProxyMode
	}
	if c.Network.CNIVersion == "" {
		c.Network.CNIVersion = DefaultCNIVersions[c.Network.CNI]
	}
	c.KubernetesVersion = strings.TrimPrefix(c.KubernetesVersion, "v")
	for i := range c.Nodes {
		c.Nodes[i].KubernetesVersion = strings.TrimPrefix(c.Nodes[i].KubernetesVersion, "v")
	}
	lbDefaults(c)
	if c.ControlPlaneEndpoint == "" && c.LoadBalancer.Kind == "" {
		if cps := c.ControlPlanes(); len(cps) > 0 && cps[0].IP != "" {
			c.ControlPlaneEndpoint = net.JoinHostPort(cps[0].IP, "6443")
		}
	}
}

// Validate reports every problem of a defaulted spec, errors and warnings, with lines.
func Validate(d *Document) Problems {
	v := validator{pos: d.Positions}
	c := d.Cluster
	v.required("name", c.Name)
	if c.Name != "" && !isRFC1123Label(c.Name) {
		v.errorf("name", "%s", errClusterName)
	}
	v.version(c.KubernetesVersion)
	if v.required("os", c.OS) {
		if _, err := profiles.Get(c.OS); err != nil {
			v.unknownOS(c.OS)
		}
	}
	v.oneOf("runtime", c.Runtime, Runtimes)
	v.oneOf("arch", c.Arch, Arches)
	for i, n := range c.Nodes {
		if n.Arch != c.Arch {
			v.oneOf(fmt.Sprintf("nodes[%d].arch", i), n.Arch, Arches)
		}
	}
	v.oneOf("network.cni", c.Network.CNI, CNIs)
	v.oneOf("network.kubeProxyMode", c.Network.KubeProxyMode, ProxyModes)
	if ver, ok := ParseVersion(c.KubernetesVersion); ok && ver.Minor >= 35 && c.Network.KubeProxyMode == "ipvs" {
		v.warnf("network.kubeProxyMode", "kube-proxy's ipvs mode is deprecated since Kubernetes 1.35 (kubeadm warns too); nftables is its successor")
	}
	if c.Network.CNI != "none" && c.Network.CNIVersion != "" && !cniVersionRE.MatchString(c.Network.CNIVersion) {
		v.errorf("network.cniVersion", "%s", errCNIVersion)
	}
	pod := v.cidr("network.podSubnet", c.Network.PodSubnet)
	svc := v.cidr("network.serviceSubnet", c.Network.ServiceSubnet)
	if pod.IsValid() && svc.IsValid() && pod.Overlaps(svc) {
		v.errorf("network.serviceSubnet", "%s overlaps network.podSubnet %s; pick disjoint ranges", svc, pod)
	}
	v.serviceSubnetSize(svc)
	v.podSubnetSize(c, pod)
	v.releaseOS(c)
	for i, s := range c.NTP.Servers {
		p := fmt.Sprintf("ntp.servers[%d]", i)
		if ip, err := netip.ParseAddr(s); err == nil {
			// A zone is an interface name; netip accepts any text after '%'.
			if z := ip.Zone(); z != "" && !ifaceRE.MatchString(z) {
				v.errorf(p, "%q: the zone after %% must be an interface name such as eth0", s)
			}
		} else if !isRFC1123Sub(s) {
			v.errorf(p, "%q %s", s, errNTPServer)
		}
	}
	v.downloadURLs(c)
	v.nodes(c, pod, svc)
	v.addressing(c)
	v.pxe(c)
	v.labelsAndTaints(c)
	v.certSANs(c)
	v.featureGates(c)
	v.configDocuments(c)
	v.volumes(c)
	v.controlPlaneFiles(c)
	v.addons(c)
	v.endpoint(c, pod, svc)
	v.loadBalancer(c, pod, svc)
	v.tokenTTL(c)
	v.runtimeOS(c)
	v.installOS(c)
	v.archFiles(c)
	v.docker(c)
	v.images(c)
	v.packages(c)
	v.kubernetesRepo(c)
	v.runtimeRepo(c)
	v.downloads(c)
	v.proxy(c, pod, svc)
	v.kernel(c)
	v.components(c)
	v.nodeVersions(c)
	v.preflight(c)
	v.sshKeys(c)
	v.debugUser(c)
	switch {
	case c.Network.CNI == "weave":
		v.warnf("network.cni", "Weave Net is archived upstream (Weaveworks closed in 2024): %s is its last release and gets no fixes; calico or flannel suit a new cluster better", DefaultCNIVersions["weave"])
	case c.Network.CNI == "cilium" && c.Network.CNIManifest == "":
		v.errorf("network.cni", "Cilium publishes no static manifest: render one with Helm (helm template cilium cilium/cilium --namespace kube-system --set ipam.mode=kubernetes; the node checks it says ipam: \"kubernetes\"), serve it, and give its URL as network.cniManifest")
	case c.Network.CNI == "cilium" && c.Network.CNIVersion != "":
		v.warnf("network.cniVersion", "ignored with cilium: the manifest at network.cniManifest is the release")
	}
	if m := c.Network.CNIManifest; m != "" {
		if !isURL(m) {
			v.errorf("network.cniManifest", "%q must be an http(s) URL of the CNI manifest", m)
		} else if c.Network.CNI == "none" {
			v.warnf("network.cniManifest", "ignored with network.cni none")
		}
	}
	v.customCNI(c)
	if r := c.Network.CNIImageRepository; r != "" && (strings.Contains(r, "://") || !imageRepoRE.MatchString(r)) {
		v.errorf("network.cniImageRepository", "%q must be a registry host and path without a scheme, e.g. harbor:443/calico", r)
	} else if why := imageRepositoryProblem(r); r != "" && why != "" {
		v.errorf("network.cniImageRepository", "%q %s", r, why)
	}
	for i, h := range c.ExtraHosts {
		p := fmt.Sprintf("extraHosts[%d]", i)
		if v.required(p+".name", h.Name) && !isRFC1123Sub(h.Name) {
			v.errorf(p+".name", "%q must be a lowercase host name", h.Name)
		}
		if ip, err := netip.ParseAddr(h.IP); err != nil || !ip.Is4() {
			v.errorf(p+".ip", "%q %s", h.IP, errIP)
		}
	}
	return v.probs
}

var (
	registryHostRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$`)
	imageRepoRE    = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(/` + pathComponent + `)*$`)
	envNameRE      = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// runtimeOS refuses combinations k8sgen has no recipe for.
func (v *validator) runtimeOS(c *Cluster) {
	if p, err := profiles.Get(c.OS); err == nil {
		v.runtimeOn(c, p)
	}
}

func (v *validator) runtimeOn(c *Cluster, p *profiles.Profile) {
	if c.Runtime == "" || !contains(Runtimes, c.Runtime) || contains(p.Runtimes, c.Runtime) {
		return
	}
	v.errorf("runtime", "runtime %q is not supported on os %q (supported there: %s)", c.Runtime, p.Name, strings.Join(p.Runtimes, ", "))
}

// isRFC1123Label says whether s is a DNS label (RFC 1123): at most 63
// lowercase letters, digits and dashes, a letter or digit at each end.
func isRFC1123Label(s string) bool { return len(s) <= 63 && rfc1123LabelRE.MatchString(s) }

// isRFC1123Sub says whether s is DNS labels joined by dots.
func isRFC1123Sub(s string) bool {
	for {
		label, rest, more := strings.Cut(s, ".")
		if !isRFC1123Label(label) {
			return false
		}
		if !more {
			return true
		}
		s = rest
	}
}

var sha256RE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// docker checks what only runtime docker uses, and what Docker Engine cannot do.
func (v *validator) docker(c *Cluster) {
	d := c.Packages.CRIDockerd
	if c.Runtime != "docker" {
		if d.URL != "" || d.SHA256 != "" {
			v.warnf("packages.criDockerd", "only runtime docker uses cri-dockerd; it is ignored with runtime %q", c.Runtime)
		}
		return
	}
	if d.URL != "" && !isURL(d.URL) {
		v.errorf("packages.criDockerd.url", "%q must be an http(s) URL of cri-dockerd's release archive (.tgz) or package (.rpm, .deb)", d.URL)
	}
	if d.SHA256 != "" && !sha256RE.MatchString(d.SHA256) {
		v.errorf("packages.criDockerd.sha256", "%q must be 64 lowercase hex digits (sha256sum of the archive)", d.SHA256)
	}
	if d.URL != "" && d.SHA256 == "" {
		v.warnf("packages.criDockerd.sha256", "not set: nodes will install whatever %s serves; add its sha256sum", d.URL)
	}
	for i, r := range c.Registries {
		if len(r.Mirrors) > 0 && r.Host != "docker.io" {
			v.errorf(fmt.Sprintf("registries[%d].mirrors", i), "Docker Engine mirrors only docker.io (daemon.json registry-mirrors); with runtime docker, pull %s directly or use runtime containerd", r.Host)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (v *validator) images(c *Cluster) {
	if r := c.ImageRepository; r != "" {
		if strings.Contains(r, "://") {
			v.errorf("imageRepository", "%q must not have a scheme: write %s", r, r[strings.Index(r, "://")+3:])
		} else if !imageRepoRE.MatchString(r) {
			v.errorf("imageRepository", "%q must be a registry host with an optional path, e.g. harbor:443/k8s or registry.aliyuncs.com/google_containers", r)
		} else if why := imageRepositoryProblem(r); why != "" {
			v.errorf("imageRepository", "%q %s", r, why)
		}
	}
	seen := map[string]bool{}
	for i, r := range c.Registries {
		p := fmt.Sprintf("registries[%d]", i)
		if !v.required(p+".host", r.Host) {
			continue
		}
		if strings.Contains(r.Host, "://") || !registryHostRE.MatchString(r.Host) {
			v.errorf(p+".host", "%q must be a registry host as image names spell it, e.g. docker.io or harbor:443 (no scheme, no path)", r.Host)
		} else if seen[r.Host] {
			v.errorf(p+".host", "%q is listed twice", r.Host)
		}
		seen[r.Host] = true
		for j, m := range r.Mirrors {
			if !isURL(m) {
				v.errorf(fmt.Sprintf("%s.mirrors[%d]", p, j), "%q must be a URL such as https://harbor:443 or https://docker.m.daocloud.io", m)
			}
		}
		if r.CA != "" {
			if msg := certificatesOnly(r.CA); msg != "" {
				v.errorf(p+".ca", "%s", msg)
			}
			if r.InsecureSkipVerify {
				v.warnf(p+".insecureSkipVerify", "set together with ca: the CA is ignored and any certificate is trusted")
			}
		}
		if (r.Username == "") != (r.PasswordEnv == "") {
			v.errorf(p, "username and passwordEnv go together: passwordEnv names the environment variable that holds the password when you render (passwords never live in cluster.yaml)")
		}
		if r.PasswordEnv != "" && !envNameRE.MatchString(r.PasswordEnv) {
			v.errorf(p+".passwordEnv", "%q must be the name of an environment variable", r.PasswordEnv)
		}
	}
}

func (v *validator) packages(c *Cluster) {
	repos := []struct {
		path string
		r    Repo
	}{{"packages.kubernetes", c.Packages.Kubernetes}, {"packages.runtime", c.Packages.Runtime}}
	names := map[string]bool{}
	for i, r := range c.Packages.Extra {
		p := fmt.Sprintf("packages.extra[%d]", i)
		repos = append(repos, struct {
			path string
			r    Repo
		}{p, r})
		if v.required(p+".name", r.Name) {
			if !isRFC1123Label(r.Name) {
				v.errorf(p+".name", "%q %s", r.Name, errClusterName)
			} else if r.Name == "kubernetes" || r.Name == "docker-ce" || strings.HasPrefix(r.Name, "kubernetes-") {
				v.errorf(p+".name", "%q is the name of a repository k8sgen adds (its file on the node would replace this one's); pick another", r.Name)
			} else if names[r.Name] {
				v.errorf(p+".name", "%q is used twice", r.Name)
			}
			names[r.Name] = true
		}
		v.required(p+".baseURL", r.BaseURL)
	}
	for _, x := range repos {
		switch {
		case x.r.BaseURL == "" || isURL(x.r.BaseURL):
		case strings.HasPrefix(strings.ToLower(x.r.BaseURL), "ftp://"):
			v.errorf(x.path+".baseURL", "%q: k8sgen takes http(s) repositories only, one rule for apt, dnf and the downloads; serve the same folder over HTTP (nginx or httpd with its root at /var/ftp, or python3 -m http.server 80 run in /var/ftp) and give http://HOST/<folder>/", x.r.BaseURL)
		default:
			v.errorf(x.path+".baseURL", "%q must be an http(s) URL", x.r.BaseURL)
		}
		if x.r.GPGKey != "" && !isURL(x.r.GPGKey) && !strings.HasPrefix(x.r.GPGKey, "file://") {
			v.errorf(x.path+".gpgKey", "%q must be an http(s) or file:// URL", x.r.GPGKey)
		}
		switch layouts := repoLayouts[x.path]; {
		case x.r.Layout == "":
		case layouts == nil:
			v.errorf(x.path+".layout", "an extra repository is flat: baseURL is the repository itself (apt's ./, dnf's baseurl)")
		case !slices.Contains(layouts, x.r.Layout):
			v.oneOf(x.path+".layout", x.r.Layout, layouts)
		}
		if x.r.Layout == "flat" && x.r.BaseURL == "" {
			v.errorf(x.path+".layout", "flat needs baseURL: the repository itself")
		}
		if x.r.From != "" {
			switch {
			case strings.HasPrefix(x.path, "packages.extra["):
				v.errorf(x.path+".from", "only packages.kubernetes and packages.runtime come from another repository")
			case !names[x.r.From]:
				v.errorf(x.path+".from", "%q names no packages.extra repository%s", x.r.From, extraNames(c))
			case x.r.BaseURL != "" || x.r.Layout != "" || x.r.GPGKey != "" || x.r.GPGCheck != nil:
				v.errorf(x.path+".from", "the packages.extra repository %s says where and how; drop baseURL, layout, gpgKey and gpgCheck here", x.r.From)
			}
			continue
		}
		// Signatures are checked unless the spec says gpgCheck: false, and then the
		// render says so. A repository with no key of its own and no known place
		// for one (flat layout, extra repositories) needs gpgKey or that choice.
		off := x.r.GPGCheck != nil && !*x.r.GPGCheck
		noKeyPlace := x.r.GPGKey == "" && (x.r.Layout == "flat" || strings.HasPrefix(x.path, "packages.extra["))
		switch {
		case off && (x.r.BaseURL != "" || x.path != "packages.runtime"):
			v.warnf(x.path+".gpgCheck", "false: packages from this repository are installed without checking their signatures")
		case noKeyPlace && x.r.BaseURL != "":
			v.errorf(x.path+".gpgKey", "required: k8sgen cannot tell where this repository's signing key is; give its URL, or set gpgCheck: false to install unsigned packages")
		}
	}
}

// repoLayouts are the layouts each repository takes (nil: none, it is flat).
var repoLayouts = map[string][]string{
	"packages.kubernetes": {"pkgs", "flat"},
	"packages.runtime":    {"docker", "flat"},
}

// extraNames is ": choose one of: a, b" for the spec's packages.extra names, or "".
func extraNames(c *Cluster) string {
	var n []string
	for _, r := range c.Packages.Extra {
		if r.Name != "" {
			n = append(n, r.Name)
		}
	}
	if len(n) == 0 {
		return "; add the repository under packages.extra first"
	}
	return "; choose one of: " + strings.Join(n, ", ")
}

// isURL accepts an http(s) URL with a host, written only with the characters
// RFC 3986 allows: never quotes, backslashes, braces, spaces or control
// characters, which the apt, dnf and shell lines that carry URLs cannot hold.
func isURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && urlCharsRE.MatchString(s)
}

var (
	// No '#': a fragment means nothing to a download, and apt's one-line sources
	// read it as a comment.
	urlCharsRE = regexp.MustCompile(`^[A-Za-z0-9\-._~:/?\[\]@!$&'()*+,;=%]+$`)
	ifaceRE    = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,15}$`)
	// noProxyRE is one NO_PROXY entry: a host or domain (optionally with a
	// leading dot or "*."), an IP address or CIDR, optionally with a port, or "*".
	noProxyRE = regexp.MustCompile(`^(\*|(\*?\.)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?|[0-9A-Fa-f:.]+(/[0-9]{1,3})?)$`)
)

// downloadURLs are the URL fields nodes fetch from, written into files any local
// user reads (apt sources, dnf repositories, containerd's hosts.toml, daemon.json)
// or onto curl's command line: none may carry credentials. The proxy URLs may;
// their files are root's alone.
func (v *validator) downloadURLs(c *Cluster) {
	type field struct{ path, val string }
	var fs []field
	repo := func(path string, r Repo) {
		fs = append(fs, field{path + ".baseURL", r.BaseURL}, field{path + ".gpgKey", r.GPGKey})
	}
	repo("packages.kubernetes", c.Packages.Kubernetes)
	repo("packages.runtime", c.Packages.Runtime)
	for i, r := range c.Packages.Extra {
		repo(fmt.Sprintf("packages.extra[%d]", i), r)
	}
	for i, r := range c.Registries {
		for j, m := range r.Mirrors {
			fs = append(fs, field{fmt.Sprintf("registries[%d].mirrors[%d]", i, j), m})
		}
	}
	fs = append(fs, field{"network.cniManifest", c.Network.CNIManifest}, field{"packages.criDockerd.url", c.Packages.CRIDockerd.URL},
		field{"packages.kubernetesSysext.url", c.Packages.KubernetesSysext.URL},
		field{"packages.kubernetesBinaries.url", c.Packages.KubernetesBinaries.URL}, field{"packages.kubernetesSysextUpdates", c.Packages.KubernetesSysextUpdates}, field{"packages.containerd.url", c.Packages.Containerd.URL},
		field{"packages.runc.url", c.Packages.Runc.URL}, field{"packages.cniPlugins.url", c.Packages.CNIPlugins.URL})
	for _, f := range fs {
		u, err := url.Parse(f.val)
		if f.val == "" || err != nil {
			continue
		}
		if u.User != nil {
			v.errorf(f.path, "must not hold a user name or password: it would be written to files every user of every node can read; use registries[].username with passwordEnv for registries, or a repository that needs no login on the node network")
		}
		if strings.HasSuffix(f.path, ".baseURL") || strings.HasSuffix(f.path, ".gpgKey") {
			if strings.Contains(f.val, ",") {
				v.errorf(f.path, "must not hold ',': dnf reads baseurl and gpgkey as lists split at commas")
			}
		}
	}
}

// certificatesOnly returns what is wrong with a PEM field that must hold one or
// more certificates and nothing else, or "". A private key pasted after the
// certificate would otherwise be written to every node.
func certificatesOnly(text string) string {
	rest := []byte(text)
	n := 0
	for {
		rest = bytes.TrimLeft(rest, " \t\r\n")
		if len(rest) == 0 {
			break
		}
		// pem.Decode skips any text before a block, and a block it cannot read:
		// each block must start right here, and decode.
		if !bytes.HasPrefix(rest, []byte("-----BEGIN ")) {
			return "holds text that is not a PEM certificate; only certificates (-----BEGIN CERTIFICATE-----) belong here"
		}
		blk, next := pem.Decode(rest)
		if blk == nil || bytes.Count(rest[:len(rest)-len(next)], []byte("-----BEGIN ")) != 1 {
			return fmt.Sprintf("block %d is not a complete PEM block", n+1)
		}
		if blk.Type != "CERTIFICATE" {
			return fmt.Sprintf("holds a %q block; only certificates (-----BEGIN CERTIFICATE-----) belong here", blk.Type)
		}
		if len(blk.Headers) > 0 {
			return fmt.Sprintf("certificate %d has PEM headers; a certificate has none", n+1)
		}
		if _, err := x509.ParseCertificate(blk.Bytes); err != nil {
			return fmt.Sprintf("certificate %d cannot be parsed: %v", n+1, err)
		}
		n++
		rest = next
	}
	if n == 0 {
		return "must be a PEM certificate (-----BEGIN CERTIFICATE-----)"
	}
	return ""
}

// proxy warns when NO_PROXY would send cluster-internal traffic to the proxy.
func (v *validator) proxy(c *Cluster, pod, svc netip.Prefix) {
	px := c.Proxy
	for _, f := range []struct{ path, val string }{{"proxy.http", px.HTTP}, {"proxy.https", px.HTTPS}} {
		if f.val != "" && !isURL(f.val) {
			v.errorf(f.path, "%q must be a URL such as http://proxy.corp:3128", f.val)
		}
	}
	for i, e := range px.NoProxy {
		if !noProxyRE.MatchString(e) {
			v.errorf(fmt.Sprintf("proxy.noProxy[%d]", i), "%q must be a host, a domain such as .corp.example, an IP address or a CIDR", e)
		}
	}
	if px.HTTP == "" && px.HTTPS == "" {
		if len(px.NoProxy) > 0 {
			v.warnf("proxy.noProxy", "set without proxy.http or proxy.https; it has no effect")
		}
		return
	}
	covers := func(p netip.Prefix) bool {
		for _, e := range px.NoProxy {
			if q, err := netip.ParsePrefix(e); err == nil && q.Bits() <= p.Bits() && q.Contains(p.Addr()) {
				return true
			}
		}
		return false
	}
	if svc.IsValid() && !covers(svc) {
		v.warnf("proxy.noProxy", "does not cover network.serviceSubnet %s: kubelet and containerd would send Service traffic to the proxy; add %s", svc, svc)
	}
	if pod.IsValid() && !covers(pod) {
		v.warnf("proxy.noProxy", "does not cover network.podSubnet %s; add %s", pod, pod)
	}
	// k8sgen adds the addresses of the workers that no CIDR here covers to
	// NO_PROXY itself, which then changes on every node when a worker is added.
	for _, n := range c.Workers() {
		if a, err := netip.ParseAddr(n.IP); err == nil && !covers(netip.PrefixFrom(a, a.BitLen())) {
			v.warnf("proxy.noProxy", "covers no subnet of the nodes (%s): k8sgen lists each node's address in NO_PROXY, so adding a node later changes every node's proxy settings; add the nodes' subnet, e.g. %s", n.IP, netip.PrefixFrom(a, 24).Masked())
			break
		}
	}
}

type validator struct {
	pos   Positions
	probs Problems
}

func (v *validator) line(path string) int {
	for p := path; p != ""; {
		if l, ok := v.pos[p]; ok {
			return l
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 0
}

func (v *validator) errorf(path, format string, args ...any) {
	v.probs = append(v.probs, Problem{Path: path, Line: v.line(path), Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) warnf(path, format string, args ...any) {
	v.probs = append(v.probs, Problem{Path: path, Line: v.line(path), Msg: fmt.Sprintf(format, args...), Warning: true})
}

func (v *validator) required(path, val string) bool {
	if val == "" {
		v.errorf(path, "%s", errRequired)
		return false
	}
	return true
}

func (v *validator) oneOf(path, val string, choices []string) {
	for _, c := range choices {
		if val == c {
			return
		}
	}
	hint := suggest(val, choices)
	if a, ok := valueAliases[strings.ToLower(val)]; ok && slices.Contains(choices, a) {
		hint = []string{a}
	}
	if len(hint) > 0 {
		v.errorf(path, "unknown value %q (did you mean %s?); choose one of: %s", val, orList(hint), strings.Join(choices, ", "))
		return
	}
	v.errorf(path, "unknown value %q; choose one of: %s", val, strings.Join(choices, ", "))
}

func (v *validator) version(s string) {
	if !v.required("kubernetesVersion", s) {
		return
	}
	ver, ok := ParseVersion(s)
	if !ok {
		v.errorf("kubernetesVersion", "%q %s", s, errVersion)
		return
	}
	switch {
	case ver.Major == 1 && ver.Minor < MinMinor:
		v.errorf("kubernetesVersion", "%s is not supported: releases before 1.%d are out of upstream support and get no fixes; the nearest supported release is 1.%d, and a new cluster is better on the newest, 1.%d (k8sgen supports %s)", ver, MinMinor, MinMinor, MaxMinor, SupportedRange())
	case !ver.Supported():
		v.errorf("kubernetesVersion", "%s is not supported; k8sgen supports Kubernetes %s", ver, SupportedRange())
	}
}

func (v *validator) cidr(path, s string) netip.Prefix {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		v.errorf(path, "%q %s", s, errCIDR)
		return netip.Prefix{}
	}
	if p.Masked() != p {
		v.errorf(path, "%s has host bits set; did you mean %s?", s, p.Masked())
		return netip.Prefix{}
	}
	return p
}

func (v *validator) nodes(c *Cluster, pod, svc netip.Prefix) {
	if len(c.Nodes) == 0 {
		v.errorf("nodes", "%s; list the machines with name, role and ip", errRequired)
		return
	}
	names := map[string]string{}
	ips := map[netip.Addr]string{}
	cps, lastCP := 0, ""
	for i, n := range c.Nodes {
		base := fmt.Sprintf("nodes[%d]", i)
		if v.required(base+".name", n.Name) {
			if !isRFC1123Sub(n.Name) || len(n.Name) > maxNodeName {
				v.errorf(base+".name", "%q %s", n.Name, errNodeName)
			} else if prev, dup := names[n.Name]; dup {
				v.errorf(base+".name", "%q is already used by %s", n.Name, prev)
			} else {
				names[n.Name] = base
			}
		}
		if v.required(base+".role", n.Role) {
			v.oneOf(base+".role", n.Role, []string{RoleControlPlane, RoleWorker})
			if n.Role == RoleControlPlane {
				cps++
				lastCP = base + ".role"
			}
		}
		if !v.required(base+".ip", n.IP) {
			continue
		}
		ip, err := netip.ParseAddr(n.IP)
		if err != nil || !ip.Is4() {
			v.errorf(base+".ip", "%q %s", n.IP, errIP)
			continue
		}
		if why := nodeAddressProblem(ip); why != "" {
			v.errorf(base+".ip", "%q %s, which kubelet refuses as the node address; it %s on the node's network", n.IP, why, errIP)
			continue
		}
		if prev, dup := ips[ip]; dup {
			v.errorf(base+".ip", "%s is already used by %s", ip, prev)
		} else {
			ips[ip] = base
		}
		if pod.IsValid() && pod.Contains(ip) {
			v.errorf(base+".ip", "%s lies inside network.podSubnet %s; node and pod addresses must not overlap", ip, pod)
		}
		if svc.IsValid() && svc.Contains(ip) {
			v.errorf(base+".ip", "%s lies inside network.serviceSubnet %s; node and service addresses must not overlap", ip, svc)
		}
	}
	if cps == 0 {
		v.errorf("nodes", "%s", errNoCP)
	} else if cps%2 == 0 {
		// Stacked etcd runs one member per control plane and needs a majority to write.
		v.errorf(lastCP, "%d control planes: stacked etcd needs a majority (%d of %d) to keep writing, so %d survive no more failures than %d and have one more member that can fail; use %d or %d",
			cps, cps/2+1, cps, cps, cps-1, cps-1, cps+1)
	}
}

func (v *validator) endpoint(c *Cluster, pod, svc netip.Prefix) {
	if c.ControlPlaneEndpoint == "" {
		return // no control-plane ip to default from; nodes already reported
	}
	host, port, err := net.SplitHostPort(c.ControlPlaneEndpoint)
	if err != nil {
		v.errorf("controlPlaneEndpoint", "%q %s", c.ControlPlaneEndpoint, errEndpoint)
		return
	}
	portOK := portRE.MatchString(port)
	if n, err := strconv.Atoi(port); !portOK || err != nil || n > 65535 {
		portOK = false
		digits := strings.TrimLeft(strings.TrimPrefix(port, "+"), "0")
		if n, err := strconv.Atoi(digits); err == nil && n >= 1 && n <= 65535 && digits == strconv.Itoa(n) {
			if strings.HasPrefix(port, "+") {
				v.errorf("controlPlaneEndpoint", "port %q must be written as plain digits: %s (kubeadm, curl and Go's URL parser refuse the sign)", port, digits)
			} else {
				v.errorf("controlPlaneEndpoint", "port %q must be written as plain digits, without leading zeros: %s", port, digits)
			}
		} else {
			v.errorf("controlPlaneEndpoint", "port %q must be a number from 1 to 65535", port)
		}
	}
	hostOK := false
	if ip, err := netip.ParseAddr(host); err == nil {
		if !ip.Is4() {
			v.errorf("controlPlaneEndpoint", "%q %s", c.ControlPlaneEndpoint, errEndpoint)
		} else {
			hostOK = true
		}
	} else if !isDNSSubdomain(host) {
		v.errorf("controlPlaneEndpoint", "%q %s", c.ControlPlaneEndpoint, errEndpoint)
	} else {
		hostOK = true
	}
	if hostOK && portOK {
		v.endpointTarget(c, host, port, pod, svc)
	}
	if cps := c.ControlPlanes(); len(cps) > 1 && cps[0].IP != "" && c.ControlPlaneEndpoint == net.JoinHostPort(cps[0].IP, "6443") {
		v.warnf("controlPlaneEndpoint", "%s", warnMultiCPNoLB)
	}
}

// unknownOS explains an os that names no profile: an end-of-life release with
// its nearest supported one, another spelling, or a misspelling.
func (v *validator) unknownOS(os string) {
	names := profiles.Names()
	lower := strings.ToLower(os)
	if why, ok := osEndOfLife[lower]; ok {
		v.errorf("os", "%q is not supported: %s", os, why)
		return
	}
	hint := osAliases[lower]
	if len(hint) == 0 {
		hint = suggest(os, names)
	}
	if len(hint) > 0 {
		v.errorf("os", "unknown os %q (did you mean %s?); supported: %s", os, orList(hint), strings.Join(names, ", "))
		return
	}
	v.errorf("os", "unknown os %q; supported: %s", os, strings.Join(names, ", "))
}
