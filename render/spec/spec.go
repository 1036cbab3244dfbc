// Package spec defines cluster.yaml: its types, loading with positions, defaults and validation.
package spec

// Cluster is the whole cluster.yaml document.
type Cluster struct {
	// Name labels the cluster; it appears in kubeconfig and comments.
	Name string `yaml:"name"`
	// KubernetesVersion is an exact release such as "1.32.0".
	KubernetesVersion string `yaml:"kubernetesVersion"`
	// OS names the profile every node uses, e.g. ubuntu-24.04.
	OS string `yaml:"os"`
	// ControlPlaneEndpoint is host:port of the API; default first control plane's ip:6443.
	ControlPlaneEndpoint string `yaml:"controlPlaneEndpoint"`
	// Network holds the cluster CIDRs, CNI and kube-proxy mode.
	Network Network `yaml:"network"`
	// Runtime is the container runtime; only containerd for now.
	Runtime string `yaml:"runtime"`
	// NTP lists the time servers chrony uses; empty keeps the distribution's pool.
	NTP NTP `yaml:"ntp"`
	// Nodes are the machines, in the order they are rendered.
	Nodes []Node `yaml:"nodes"`
}

// Network configures pod and service addressing.
type Network struct {
	PodSubnet     string `yaml:"podSubnet"`
	ServiceSubnet string `yaml:"serviceSubnet"`
	// CNI is calico, flannel or none.
	CNI string `yaml:"cni"`
	// CNIVersion overrides the pinned CNI release (e.g. v3.29.3 for calico).
	CNIVersion string `yaml:"cniVersion"`
	// KubeProxyMode is iptables, ipvs or nftables.
	KubeProxyMode string `yaml:"kubeProxyMode"`
}

// NTP configures chrony.
type NTP struct {
	Servers []string `yaml:"servers"`
}

// Node is one machine.
type Node struct {
	Name string `yaml:"name"`
	// Role is control-plane or worker.
	Role string `yaml:"role"`
	// IP is the node's address on the cluster network; kubelet and the API advertise it.
	IP string `yaml:"ip"`
}

// Roles.
const (
	RoleControlPlane = "control-plane"
	RoleWorker       = "worker"
)

// ControlPlanes returns the control-plane nodes in spec order.
func (c *Cluster) ControlPlanes() []Node {
	var out []Node
	for _, n := range c.Nodes {
		if n.Role == RoleControlPlane {
			out = append(out, n)
		}
	}
	return out
}

// Workers returns the worker nodes in spec order.
func (c *Cluster) Workers() []Node {
	var out []Node
	for _, n := range c.Nodes {
		if n.Role == RoleWorker {
			out = append(out, n)
		}
	}
	return out
}
