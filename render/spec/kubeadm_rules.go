package spec

import (
	"fmt"
	"net/netip"
	"regexp"

	"github.com/k8sgen/k8sgen/profiles"
)

// Rules that kubeadm, kubelet or kube-controller-manager apply on the node,
// checked at render time because the spec alone decides them. Each names the
// upstream rule it mirrors; the consumers package checks them against the real
// kubeadm of each supported minor.

// kubeadm's limits on the cluster networks (cmd/kubeadm/app/constants:
// MaximumBitsForServiceSubnet, MinimumAddressesInServiceSubnet,
// PodSubnetNodeMaskMaxDiff) and kube-controller-manager's default
// --node-cidr-mask-size-ipv4/ipv6, which kubeadm validates the pod subnet against.
const (
	maxServiceHostBits  = 20
	minServiceAddresses = 10
	nodeMaskIPv4        = 24
	nodeMaskIPv6        = 64
	maxNodeMaskDiff     = 16
)

// nodeMask is the per-node pod CIDR size kube-controller-manager hands out.
func nodeMask(p netip.Prefix) int {
	if p.Addr().Is4() {
		return nodeMaskIPv4
	}
	return nodeMaskIPv6
}

// serviceSubnetSize mirrors kubeadm's ValidateServiceSubnetSize and the minimum of
// ValidateIPNetFromString: at most 2^20 addresses (a /12 for IPv4, /108 for IPv6)
// and at least ten, because CoreDNS takes the tenth.
func (v *validator) serviceSubnetSize(svc netip.Prefix) {
	if !svc.IsValid() {
		return
	}
	bits := svc.Addr().BitLen()
	if host := bits - svc.Bits(); host > maxServiceHostBits {
		v.errorf("network.serviceSubnet", "%s is too large: kubeadm allows at most a /%d for %d-bit addresses (%d host bits); use e.g. %s",
			svc, bits-maxServiceHostBits, bits, maxServiceHostBits, netip.PrefixFrom(svc.Addr(), bits-maxServiceHostBits))
		return
	}
	if host := bits - svc.Bits(); host < 63 && uint64(1)<<host < minServiceAddresses {
		v.errorf("network.serviceSubnet", "%s is too small: kubeadm needs at least %d addresses (CoreDNS takes the tenth); use at least a /%d (the default is 10.96.0.0/12)",
			svc, minServiceAddresses, bits-4)
	}
}

// podSubnetSize mirrors kubeadm's ValidatePodSubnetNodeMask: every node gets a
// /24 (IPv4) or /64 (IPv6) out of the pod subnet, so the subnet must hold at least
// one and kube-controller-manager refuses more than 2^16 of them. It also counts
// the nodes: kube-controller-manager gives a node without a free range no podCIDR,
// which Flannel needs to start on that node.
func (v *validator) podSubnetSize(c *Cluster, pod netip.Prefix) {
	if !pod.IsValid() {
		return
	}
	mask := nodeMask(pod)
	switch {
	case pod.Bits() > mask:
		v.errorf("network.podSubnet", "%s is smaller than the /%d every node gets from it (kube-controller-manager's node CIDR mask); use a /%d or larger, e.g. %s",
			pod, mask, mask, netip.PrefixFrom(pod.Addr(), mask-8).Masked())
		return
	case mask-pod.Bits() > maxNodeMaskDiff:
		v.errorf("network.podSubnet", "%s is too large: kubeadm allows at most %d bits between the pod subnet and the per-node /%d, i.e. a /%d; use e.g. %s",
			pod, maxNodeMaskDiff, mask, mask-maxNodeMaskDiff, netip.PrefixFrom(pod.Addr(), mask-maxNodeMaskDiff).Masked())
		return
	}
	if diff := mask - pod.Bits(); diff < 31 && len(c.Nodes) > 1<<diff {
		msg := fmt.Sprintf("%s holds %d per-node /%d ranges but the spec has %d nodes; the nodes past the %d-th get no podCIDR", pod, 1<<diff, mask, len(c.Nodes), 1<<diff)
		if c.Network.CNI == "flannel" || c.Network.CNI == "cilium" {
			v.errorf("network.podSubnet", "%s and %s, which uses them, does not start there; use a larger pod subnet", msg, c.Network.CNI)
		} else {
			v.warnf("network.podSubnet", "%s (kube-controller-manager logs errors; %s does its own address management); use a larger pod subnet", msg, c.Network.CNI)
		}
	}
}

// nodeAddress mirrors kubelet's validateNodeIP (pkg/kubelet/kubelet_node_status.go)
// for the address k8sgen passes as --node-ip and kubeadm's advertiseAddress: kubelet
// refuses loopback, multicast, link-local unicast and all-zeros addresses.
func nodeAddressProblem(ip netip.Addr) string {
	switch {
	case ip.IsLoopback():
		return "is a loopback address"
	case ip.IsMulticast():
		return "is a multicast address"
	case ip.IsLinkLocalUnicast():
		return "is a link-local address (169.254.0.0/16)"
	case ip.IsUnspecified():
		return "is the unspecified address"
	case ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "is the broadcast address"
	}
	return ""
}

// portRE is a plain decimal port: kubeadm parses the port with strconv.Atoi,
// which takes "+6443", but Go's url.Parse (every client of the kubeconfig) and
// curl (the join's wait loop) refuse anything but digits.
var portRE = regexp.MustCompile(`^[1-9][0-9]{0,4}$`)

// apiBindPort is the port kube-apiserver listens on on every control plane (the
// kubeadm templates set bindPort 6443).
const apiBindPort = "6443"

// endpointTarget checks where controlPlaneEndpoint points: a node address must be
// a control plane listening on the bind port, and no address may lie in the
// cluster's own ranges, which the CNI and kube-proxy route inside the cluster.
func (v *validator) endpointTarget(c *Cluster, host, port string, pod, svc netip.Prefix) {
	const p = "controlPlaneEndpoint"
	for _, n := range c.Nodes {
		if n.IP != host && n.Name != host {
			continue
		}
		if n.Role == RoleWorker {
			v.errorf(p, "%s is worker %s, where no API server runs; point it at a control plane or a load balancer in front of them", host, n.Name)
		} else if port != apiBindPort {
			v.errorf(p, "port %s: control plane %s serves the API on %s (kubeadm's bindPort); use %s:%s, or a load balancer that listens on %s", port, n.Name, apiBindPort, host, apiBindPort, port)
		}
		return
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return
	}
	if why := nodeAddressProblem(ip); why != "" {
		v.errorf(p, "%s %s: every node must reach the API there; use a control plane's address or a load balancer's", host, why)
	}
	if pod.IsValid() && pod.Contains(ip) {
		v.errorf(p, "%s lies inside network.podSubnet %s, which the CNI routes to pods; use an address outside the cluster's ranges", host, pod)
	}
	if svc.IsValid() && svc.Contains(ip) {
		v.errorf(p, "%s lies inside network.serviceSubnet %s, which kube-proxy owns; use an address outside the cluster's ranges", host, svc)
	}
}

// imageRepository mirrors kubeadm's ValidateImageRepository (the repository
// followed by "/name:tag" must be a valid image reference, distribution's
// reference grammar) and the reference length limit containerd enforces when
// it pulls the longest control-plane image name.
var (
	domainComponent = `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
	pathComponent   = `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`
	imageRefRepoRE  = regexp.MustCompile(`^` + domainComponent + `(?:\.` + domainComponent + `)*(?::[0-9]+)?(?:/` + pathComponent + `)*$`)
)

const (
	maxImageNameLength = 255
	longestImageName   = "/kube-controller-manager"
)

func imageRepositoryProblem(r string) string {
	if !imageRefRepoRE.MatchString(r) {
		return "is not an image repository kubeadm accepts (host[:port][/path], path in lowercase letters, digits and single '.', '_' or '-' between them)"
	}
	if n := len(r) + len(longestImageName); n > maxImageNameLength {
		return fmt.Sprintf("is too long: image names under it reach %d characters, more than the %d an image reference may have", n, maxImageNameLength)
	}
	return ""
}

// cgroupV1LastMinor is the last minor whose kubelet starts on cgroup v1 by default:
// from 1.35 kubelet's failCgroupV1 defaults to true (KEP-5573) and kubeadm's
// SystemVerification preflight fails on cgroup v1.
const cgroupV1LastMinor = 34

// nftablesFirstMinor is the first minor with kube-proxy's NFTablesProxyMode
// feature gate on by default (beta in 1.31, alpha and off in 1.29–1.30); kube-proxy
// refuses mode nftables without it and k8sgen sets no feature gates.
const nftablesFirstMinor = 31

// releaseOS checks combinations of Kubernetes release, OS and kube-proxy mode
// that a node refuses at boot.
func (v *validator) releaseOS(c *Cluster) {
	ver, ok := ParseVersion(c.KubernetesVersion)
	if !ok || !ver.Supported() {
		return
	}
	if p, err := profiles.Get(c.OS); err == nil && p.CgroupV1 && ver.Minor > cgroupV1LastMinor {
		v.errorf("kubernetesVersion", "%s does not run on %s: it boots cgroup v1, and from Kubernetes 1.%d kubelet refuses to start there (failCgroupV1) and kubeadm's preflight fails; use Kubernetes 1.%d or an OS with cgroup v2 (e.g. rocky-9)",
			ver, c.OS, cgroupV1LastMinor+1, cgroupV1LastMinor)
	}
	if c.Network.KubeProxyMode == "nftables" && ver.Minor < nftablesFirstMinor {
		v.errorf("network.kubeProxyMode", "nftables needs Kubernetes 1.%d or later (before, kube-proxy's NFTablesProxyMode feature gate is off); use iptables or ipvs on %s", nftablesFirstMinor, ver)
	}
}

// isDNSSubdomain is a DNS-1123 subdomain as kubeadm's ParseHostPort accepts for
// the endpoint's host: lowercase labels of at most 63 characters, 253 in all.
func isDNSSubdomain(s string) bool {
	return len(s) <= 253 && isRFC1123Sub(s)
}
