package spec

import (
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/k8sgen/k8sgen/profiles"
)

// installOS checks the fields of how Kubernetes and the runtime arrive against
// the OS: an OS without a package manager has no repositories and no host
// packages (haproxy, keepalived), and only it takes a sysext image.
func (v *validator) installOS(c *Cluster) {
	p, err := profiles.Get(c.OS)
	if err != nil {
		return
	}
	sx := c.Packages.KubernetesSysext
	if p.Install != "sysext" {
		if sx.URL != "" || sx.SHA256 != "" {
			v.errorf("packages.kubernetesSysext", "only an OS without a package manager (flatcar) installs Kubernetes from a sysext image; %s installs packages: use packages.kubernetes", c.OS)
		}
		return
	}
	why := fmt.Sprintf("%s has no package manager (Kubernetes comes from packages.kubernetesSysext, containerd with the OS)", c.OS)
	repo := func(field string, r Repo) {
		if r.BaseURL != "" || r.GPGKey != "" || r.Layout != "" || r.GPGCheck != nil || r.Name != "" {
			v.errorf(field, "%s", why)
		}
	}
	repo("packages.kubernetes", c.Packages.Kubernetes)
	repo("packages.runtime", c.Packages.Runtime)
	if len(c.Packages.Extra) > 0 {
		v.errorf("packages.extra", "%s", why)
	}
	switch c.LoadBalancer.Kind {
	case LBKeepalived:
		v.errorf("loadBalancer.kind", "keepalived needs the keepalived and haproxy packages, and %s has no package manager; use kube-vip or external", c.OS)
	case LBNodeLocal:
		v.errorf("loadBalancer.kind", "node-local needs the haproxy package, and %s has no package manager; use kube-vip or external", c.OS)
	}
	if sx.SHA256 != "" && !sha256RE.MatchString(sx.SHA256) {
		v.errorf("packages.kubernetesSysext.sha256", "%q must be 64 lowercase hex digits", sx.SHA256)
	}
	if sx.URL != "" && isURL(sx.URL) {
		u, _ := url.Parse(sx.URL)
		if !strings.HasSuffix(path.Base(u.Path), ".raw") {
			v.errorf("packages.kubernetesSysext.url", "%q must name a sysext image (.raw, e.g. kubernetes-v%s-x86-64.raw)", sx.URL, c.KubernetesVersion)
		}
	} else if sx.URL != "" {
		v.errorf("packages.kubernetesSysext.url", "%q must be an http(s) URL", sx.URL)
	}
}
