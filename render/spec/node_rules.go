package spec

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
)

// At most this many labels and taints per node; no real node comes close.
const (
	maxNodeLabels = 64
	maxNodeTaints = 32
)

// TaintEffects are the effects the scheduler and kubelet know.
var TaintEffects = []string{"NoSchedule", "PreferNoSchedule", "NoExecute"}

// labelsAndTaints checks every node's labels as the kubelet checks
// --node-labels before it starts, their merge with the cluster's node-labels
// flag, and every taint as the API server checks it at registration.
func (v *validator) labelsAndTaints(c *Cluster) {
	cluster := ClusterNodeLabels(c)
	for i, n := range c.Nodes {
		base := fmt.Sprintf("nodes[%d]", i)
		if len(n.Labels) > maxNodeLabels {
			v.errorf(base+".labels", "%d labels: at most %d", len(n.Labels), maxNodeLabels)
		} else {
			for _, k := range sortedKeys(n.Labels) {
				if !v.nodeLabels(base+".labels", k+"="+n.Labels[k]) {
					continue
				}
				if k == "kubernetes.io/hostname" {
					v.errorf(base+".labels", "kubernetes.io/hostname is the node's name, which the kubelet sets; another value breaks hostname topology and local volumes")
					continue
				}
				if cv, ok := cluster[k]; ok && cv != n.Labels[k] {
					v.errorf(base+".labels", "%s=%s conflicts with %s=%s in components.kubelet.extraArgs node-labels, which every node gets; keep one of them", k, n.Labels[k], k, cv)
				}
			}
		}
		if len(n.Taints) > maxNodeTaints {
			v.errorf(base+".taints", "%d taints: at most %d", len(n.Taints), maxNodeTaints)
			continue
		}
		seen := map[string]int{}
		for j, t := range n.Taints {
			p := fmt.Sprintf("%s.taints[%d]", base, j)
			if !v.required(p+".key", t.Key) || !v.required(p+".effect", t.Effect) {
				continue
			}
			if !qualifiedName(t.Key) {
				v.errorf(p+".key", "%q is not a taint key: [prefix/]name, the name at most 63 letters, digits, '-', '_' or '.', the prefix a DNS subdomain", t.Key)
			}
			if !isLabelName(t.Value) {
				v.errorf(p+".value", "%q is not a taint value: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit", t.Value)
			}
			if !slices.Contains(TaintEffects, t.Effect) {
				v.errorf(p+".effect", "%q is not a taint effect: use %s", t.Effect, strings.Join(TaintEffects, ", "))
				continue
			}
			if prev, dup := seen[t.Key+":"+t.Effect]; dup {
				v.errorf(p, "%s:%s is already %s.taints[%d]; a node has one taint per key and effect", t.Key, t.Effect, base, prev)
			}
			seen[t.Key+":"+t.Effect] = j
		}
	}
}

// maxCertSANs bounds certSANs; a certificate with more names is not a real one.
const maxCertSANs = 100

// certSANs checks the API server certificate's extra names as kubeadm does: an
// IP address, or a DNS name that may start with one "*." label.
func (v *validator) certSANs(c *Cluster) {
	if len(c.CertSANs) > maxCertSANs {
		v.errorf("certSANs", "%d names: at most %d", len(c.CertSANs), maxCertSANs)
		return
	}
	seen := map[string]int{}
	for i, san := range c.CertSANs {
		p := fmt.Sprintf("certSANs[%d]", i)
		if !v.required(p, san) {
			continue
		}
		if a, err := netip.ParseAddr(san); err == nil && a.Zone() != "" {
			v.errorf(p, "%q has an IPv6 zone, which a certificate cannot hold", san)
			continue
		}
		if _, err := netip.ParseAddr(san); err != nil && !isDNSSubdomain(strings.TrimPrefix(san, "*.")) {
			v.errorf(p, "%q is neither an IP address nor a DNS name (lowercase labels, optionally starting with *.)", san)
			continue
		}
		if prev, dup := seen[san]; dup {
			v.errorf(p, "%q is already certSANs[%d]", san, prev)
		}
		seen[san] = i
	}
}

// qualifiedName is a Kubernetes qualified name: an optional DNS subdomain
// prefix and '/', then a name of at most 63 characters.
func qualifiedName(s string) bool {
	prefix, name, hasPrefix := strings.Cut(s, "/")
	if !hasPrefix {
		prefix, name = "", s
	}
	return name != "" && isLabelName(name) && (!hasPrefix || len(prefix) <= 253 && isDNSSubdomain(prefix))
}

// ClusterNodeLabels are the labels of components.kubelet.extraArgs' node-labels
// flag, which every node's kubelet gets.
func ClusterNodeLabels(c *Cluster) map[string]string {
	out := map[string]string{}
	flag := c.Components.Kubelet.ExtraArgs["node-labels"]
	if flag == "" {
		return out
	}
	for _, pair := range strings.Split(flag, ",") {
		if k, val, ok := strings.Cut(pair, "="); ok {
			out[k] = val
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
