package spec

import (
	"fmt"
	"strings"

	"github.com/k8sgen/k8sgen/profiles"
)

// kubeletSkewMinors is how many minors a kubelet may trail kube-apiserver
// (Kubernetes' version skew policy, for kubelets of 1.25 and later).
const kubeletSkewMinors = 3

// nodeVersions checks nodes[].kubernetesVersion against the kubelet skew
// policy and the OS's way of installing Kubernetes, then checks every setting
// the older kubelet reads against that kubelet's own release.
func (v *validator) nodeVersions(c *Cluster) {
	cluster, ok := ParseVersion(c.KubernetesVersion)
	if !ok || !cluster.Supported() {
		return
	}
	prof, _ := profiles.Get(c.OS)
	type group struct {
		ver   Version
		first int
		count int
	}
	var groups []*group
	for i, n := range c.Nodes {
		if n.KubernetesVersion == "" {
			continue
		}
		p := fmt.Sprintf("nodes[%d].kubernetesVersion", i)
		ver, ok := ParseVersion(n.KubernetesVersion)
		switch {
		case !ok:
			v.errorf(p, "%q %s", n.KubernetesVersion, errVersion)
			continue
		case ver == cluster:
			continue
		case n.Role == RoleControlPlane:
			v.errorf(p, "a control plane runs the cluster's kubernetesVersion (%s): kubeadm join --control-plane must use the kubeadm release that ran kubeadm init, and a running control plane moves to a new release with kubeadm upgrade", cluster)
			continue
		case ver.Major != cluster.Major:
			v.errorf(p, "%s is not a release of Kubernetes %d: a worker's kubelet trails the cluster's %s by at most %d minors", ver, cluster.Major, cluster, kubeletSkewMinors)
			continue
		case ver.Minor > cluster.Minor || ver.Minor == cluster.Minor && ver.Patch > cluster.Patch:
			v.errorf(p, "%s is newer than the cluster's kubernetesVersion %s: a kubelet must never be newer than kube-apiserver; raise kubernetesVersion (after kubeadm upgrade of the control planes) or use %s here", ver, cluster, cluster)
			continue
		case cluster.Minor-ver.Minor > kubeletSkewMinors:
			v.errorf(p, "%s is %d minors older than the cluster's %s: a kubelet may trail kube-apiserver by at most %d minors, so the oldest is 1.%d", ver, cluster.Minor-ver.Minor, cluster, kubeletSkewMinors, cluster.Minor-kubeletSkewMinors)
			continue
		case !ver.Supported():
			v.errorf(p, "%s is not supported; k8sgen supports Kubernetes %s", ver, SupportedRange())
			continue
		}
		if prof != nil {
			switch {
			case prof.Install == "sysext":
				v.errorf(p, "%s installs Kubernetes from one sysext image, which holds kubeadm and the kubelet of one release, and kubeadm join must be the cluster's %s; a worker of another release needs an OS that installs packages or release binaries", c.OS, cluster)
				continue
			case prof.Install == "binaries" && c.Packages.KubernetesBinaries.URL != "":
				v.errorf(p, "packages.kubernetesBinaries.url names the binaries of the cluster's release only; a worker of %s would fetch its kubelet from https://dl.k8s.io, so leave the url unset, or give every node the cluster's release", ver)
				continue
			}
		}
		found := false
		for _, g := range groups {
			if g.ver == ver {
				g.count++
				found = true
			}
		}
		if !found {
			groups = append(groups, &group{ver: ver, first: i, count: 1})
		}
		// The node's own kubelet flags, against its kubelet.
		if _, bad := n.KubeletExtraArgs["node-labels"]; !bad {
			if _, bad := n.KubeletExtraArgs["feature-gates"]; !bad {
				v.olderKubelet(c, ver, fmt.Sprintf("nodes[%d] (%s) runs kubelet %d.%d", i, n.Name, ver.Major, ver.Minor), func(sub *validator, cc *Cluster) {
					sub.extraArgs(cc, "kubelet", fmt.Sprintf("nodes[%d].kubeletExtraArgs", i), n.KubeletExtraArgs)
				})
			}
		}
	}
	// The cluster's kubelet settings, once per older release.
	for _, g := range groups {
		who := fmt.Sprintf("nodes[%d] (%s)", g.first, c.Nodes[g.first].Name)
		if g.count > 1 {
			who += fmt.Sprintf(" and %d more", g.count-1)
		}
		who += fmt.Sprintf(" run kubelet %d.%d", g.ver.Major, g.ver.Minor)
		v.olderKubelet(c, g.ver, who, func(sub *validator, cc *Cluster) {
			sub.extraArgs(cc, "kubelet", "components.kubelet.extraArgs", cc.Components.Kubelet.ExtraArgs)
			sub.configDocument(cc, "kubeletConfiguration", cc.KubeletConfiguration, "that kubelet decodes its configuration leniently and ignores the field")
			sub.featureGates(cc)
		})
	}
}

// olderKubelet runs check against a copy of c at the older release ver, and
// keeps what it finds about the kubelet's settings that the cluster's own
// release did not already report, each ending with who.
func (v *validator) olderKubelet(c *Cluster, ver Version, who string, check func(*validator, *Cluster)) {
	cc := *c
	cc.KubernetesVersion = ver.String()
	sub := &validator{pos: v.pos}
	check(sub, &cc)
	for _, p := range sub.probs {
		if !kubeletPath(p.Path) || v.reported(p.Path) {
			continue
		}
		p.Msg += " (" + who + ")"
		v.probs = append(v.probs, p)
	}
}

// kubeletPath says whether a spec path is a setting the kubelet reads.
func kubeletPath(p string) bool {
	for _, pre := range []string{"components.kubelet.", "kubeletConfiguration.", "featureGates.", "nodes["} {
		if strings.HasPrefix(p, pre) {
			return true
		}
	}
	return false
}

// reported says whether a problem was already found at path.
func (v *validator) reported(path string) bool {
	for _, p := range v.probs {
		if p.Path == path {
			return true
		}
	}
	return false
}
