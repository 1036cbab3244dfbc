package spec

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"

	"github.com/k8sgen/k8sgen/profiles"
)

// Rules read off the bootstrap script: commands that fail on the node because
// of a spec value, where the spec alone decides that they will.

// downloads checks URLs whose content the script assumes.
func (v *validator) downloads(c *Cluster) {
	// cri_dockerd_setup unpacks an archive with `tar -xzf`, or installs a
	// package with the OS's package manager: the file name says which.
	if d := c.Packages.CRIDockerd; c.Runtime == "docker" && d.URL != "" && isURL(d.URL) {
		const p = "packages.criDockerd.url"
		prof, err := profiles.Get(c.OS)
		if err != nil {
			return
		}
		switch CRIDockerdFormat(d.URL) {
		case "tgz":
		case "rpm":
			u, _ := url.Parse(d.URL)
			m := elDistRE.FindStringSubmatch(path.Base(u.Path))
			switch {
			case prof.PackageManager != "dnf":
				v.errorf(p, "%q is an .rpm package, which %s cannot install: give the package built for it or the release archive (.tgz)", d.URL, c.OS)
			case m != nil && m[1] != fmt.Sprint(prof.ELRelease):
				v.errorf(p, "%q is built for EL %s, and %s is EL %d: its dependencies are not there (dnf refuses it); give the el%d package or the release archive (.tgz, e.g. cri-dockerd-0.3.17.amd64.tgz)", d.URL, m[1], c.OS, prof.ELRelease, prof.ELRelease)
			}
		case "deb":
			if prof.PackageManager != "apt" {
				v.errorf(p, "%q is a .deb package, which %s cannot install: give the package built for it or the release archive (.tgz)", d.URL, c.OS)
			}
		default:
			v.errorf(p, "%q must name cri-dockerd's release archive (.tgz or .tar.gz, e.g. cri-dockerd-0.3.17.amd64.tgz) or one of its packages (.rpm, .deb): the file name tells the node how to install it", d.URL)
		}
	}
}

// elDistRE finds the Enterprise Linux release in an .rpm's name (….el8.x86_64.rpm).
var elDistRE = regexp.MustCompile(`\.el([0-9]+)[._]`)

// CRIDockerdFormat is how the node installs cri-dockerd from url: tgz (the
// release archive), rpm or deb (a package), or "" for none of them.
func CRIDockerdFormat(u string) string {
	name := u
	if pu, err := url.Parse(u); err == nil {
		name = path.Base(pu.Path)
	}
	switch {
	case strings.HasSuffix(name, ".tgz") || strings.HasSuffix(name, ".tar.gz"):
		return "tgz"
	case strings.HasSuffix(name, ".rpm"):
		return "rpm"
	case strings.HasSuffix(name, ".deb"):
		return "deb"
	}
	return ""
}

var (
	minorSegmentRE = regexp.MustCompile(`/v1\.([0-9]+)(/|$)`)
	channelKindRE  = regexp.MustCompile(`/(deb|rpm)/?$`)
)

// kubernetesRepo checks packages.kubernetes.baseURL against the layout the node
// builds from it: with layout pkgs the node appends v1.MINOR/deb/ (or rpm/), so a
// URL that already names a channel gets it twice; with layout flat the URL is the
// channel itself and must be this release's.
func (v *validator) kubernetesRepo(c *Cluster) {
	r := c.Packages.Kubernetes
	if r.BaseURL == "" || !isURL(r.BaseURL) {
		return
	}
	ver, ok := ParseVersion(c.KubernetesVersion)
	prof, err := profiles.Get(c.OS)
	if !ok || err != nil {
		return
	}
	u, _ := url.Parse(r.BaseURL)
	kind := "deb"
	if prof.PackageManager == "dnf" {
		kind = "rpm"
	}
	channel := fmt.Sprintf("v%d.%d/%s/", ver.Major, ver.Minor, kind)
	const p = "packages.kubernetes.baseURL"
	m := minorSegmentRE.FindStringSubmatch(u.Path)
	k := channelKindRE.FindStringSubmatch(u.Path)
	if r.Layout != "flat" {
		if m != nil || k != nil {
			root := r.BaseURL
			if i := minorSegmentRE.FindStringIndex(root); i != nil {
				root = root[:i[0]+1]
			}
			v.errorf(p, "%q already names a channel, and layout pkgs appends %s to the base; give the root (%s) or set layout: flat", r.BaseURL, channel, root)
			return
		}
		if u.Host == "pkgs.k8s.io" && !strings.HasPrefix(u.Path, "/core:/") && !strings.HasPrefix(u.Path, "/addons:/") {
			v.errorf(p, "%q is not a pkgs.k8s.io root: its channels live under https://pkgs.k8s.io/core:/stable:/", r.BaseURL)
		}
		return
	}
	if m != nil && m[1] != fmt.Sprint(ver.Minor) {
		v.errorf(p, "%q is the v1.%s channel, but kubernetesVersion is %s: the node would find no kubeadm %s there; use the v%d.%d channel", r.BaseURL, m[1], ver, ver, ver.Major, ver.Minor)
	}
	if k != nil && k[1] != kind {
		v.errorf(p, "%q is a %s repository, but %s installs %s packages", r.BaseURL, k[1], c.OS, kind)
	}
}

// dockerDistros are the directories of Docker's package repository
// (download.docker.com/linux/<distro>) and the package manager each serves.
var dockerDistros = map[string]string{
	"centos": "dnf", "fedora": "dnf", "rhel": "dnf", "sles": "zypper",
	"debian": "apt", "raspbian": "apt", "ubuntu": "apt",
}

// runtimeRepo checks that a mirror of Docker's repository serves the OS: the node
// looks up its codename (apt) or $releasever (dnf) under the URL.
func (v *validator) runtimeRepo(c *Cluster) {
	r := c.Packages.Runtime
	prof, err := profiles.Get(c.OS)
	if r.BaseURL == "" || !isURL(r.BaseURL) || err != nil || r.Layout == "flat" {
		return
	}
	u, _ := url.Parse(r.BaseURL)
	distro := path.Base(strings.TrimSuffix(u.Path, "/"))
	pm, ok := dockerDistros[distro]
	if !ok || !strings.Contains(u.Path, "/linux/") {
		return
	}
	want := path.Base(prof.Containerd.Repo)
	switch {
	case pm != prof.PackageManager:
		v.errorf("packages.runtime.baseURL", "%q is Docker's repository for %s, which %s cannot use (%s); use the /linux/%s directory", r.BaseURL, distro, c.OS, prof.PackageManager, want)
	case pm == "apt" && distro != want:
		v.errorf("packages.runtime.baseURL", "%q is Docker's repository for %s; %s needs /linux/%s (its codename %s is not under %s)", r.BaseURL, distro, c.OS, want, prof.Codename, distro)
	case distro == "centos" && prof.ELRelease == 8:
		v.warnf("packages.runtime.baseURL", "%q is Docker's CentOS tree, whose EL 8 packages stopped at docker-ce 26.1.3 when CentOS Stream 8 ended (2024): %s gets that Docker and no containerd.io 1.7; mirror /linux/rhel instead, where Docker builds EL 8 packages today", r.BaseURL, c.OS)
	}
}
