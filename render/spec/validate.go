package spec

import (
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/k8sgen/k8sgen/profiles"
)

// Choices accepted by the enumerated fields.
var (
	CNIs           = []string{"calico", "flannel", "none"}
	ProxyModes     = []string{"iptables", "ipvs", "nftables"}
	Runtimes       = []string{"containerd"}
	rfc1123Label   = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	rfc1123Sub     = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)
	cniVersionRE   = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+$`)
	defaultNetwork = Network{PodSubnet: "10.244.0.0/16", ServiceSubnet: "10.96.0.0/12", CNI: "calico", KubeProxyMode: "iptables"}
)

// Default CNI releases k8sgen pins when cniVersion is empty.
var DefaultCNIVersions = map[string]string{
	"calico":  "v3.29.3",
	"flannel": "v0.26.4",
}

// Defaults fills the fields a spec may leave out. It runs after Load and before Validate.
func Defaults(c *Cluster) {
	if c.Runtime == "" {
		c.Runtime = "containerd"
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
	if c.ControlPlaneEndpoint == "" {
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
	if c.Name != "" && !rfc1123Label.MatchString(c.Name) {
		v.errorf("name", "%s", errClusterName)
	}
	v.version(c.KubernetesVersion)
	if v.required("os", c.OS) {
		if _, err := profiles.Get(c.OS); err != nil {
			v.errorf("os", "unknown os %q; supported: %s", c.OS, strings.Join(profiles.Names(), ", "))
		}
	}
	v.oneOf("runtime", c.Runtime, Runtimes)
	v.oneOf("network.cni", c.Network.CNI, CNIs)
	v.oneOf("network.kubeProxyMode", c.Network.KubeProxyMode, ProxyModes)
	if c.Network.CNI != "none" && c.Network.CNIVersion != "" && !cniVersionRE.MatchString(c.Network.CNIVersion) {
		v.errorf("network.cniVersion", "%s", errCNIVersion)
	}
	pod := v.cidr("network.podSubnet", c.Network.PodSubnet)
	svc := v.cidr("network.serviceSubnet", c.Network.ServiceSubnet)
	if pod.IsValid() && svc.IsValid() && pod.Overlaps(svc) {
		v.errorf("network.serviceSubnet", "%s overlaps network.podSubnet %s; pick disjoint ranges", svc, pod)
	}
	if svc.IsValid() && svc.Bits() > 28 {
		v.errorf("network.serviceSubnet", "%s is too small; use at least a /28 (the default is 10.96.0.0/12)", svc)
	}
	for i, s := range c.NTP.Servers {
		p := fmt.Sprintf("ntp.servers[%d]", i)
		if _, err := netip.ParseAddr(s); err != nil && !rfc1123Sub.MatchString(s) {
			v.errorf(p, "%q %s", s, errNTPServer)
		}
	}
	v.nodes(c, pod, svc)
	v.endpoint(c)
	return v.probs
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
	if !ver.Supported() {
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
	cps := 0
	for i, n := range c.Nodes {
		base := fmt.Sprintf("nodes[%d]", i)
		if v.required(base+".name", n.Name) {
			if !rfc1123Label.MatchString(n.Name) {
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
			}
		}
		if !v.required(base+".ip", n.IP) {
			continue
		}
		ip, err := netip.ParseAddr(n.IP)
		if err != nil || !ip.Is4() || ip.IsUnspecified() || ip.IsMulticast() || ip.IsLoopback() {
			v.errorf(base+".ip", "%q %s", n.IP, errIP)
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
	}
}

func (v *validator) endpoint(c *Cluster) {
	if c.ControlPlaneEndpoint == "" {
		return // no control-plane ip to default from; nodes already reported
	}
	host, port, err := net.SplitHostPort(c.ControlPlaneEndpoint)
	if err != nil {
		v.errorf("controlPlaneEndpoint", "%q %s", c.ControlPlaneEndpoint, errEndpoint)
		return
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		v.errorf("controlPlaneEndpoint", "port %q must be a number from 1 to 65535", port)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if !ip.Is4() {
			v.errorf("controlPlaneEndpoint", "%q %s", c.ControlPlaneEndpoint, errEndpoint)
		}
	} else if !rfc1123Sub.MatchString(host) {
		v.errorf("controlPlaneEndpoint", "%q %s", c.ControlPlaneEndpoint, errEndpoint)
	}
	if cps := c.ControlPlanes(); len(cps) > 1 && cps[0].IP != "" && c.ControlPlaneEndpoint == net.JoinHostPort(cps[0].IP, "6443") {
		v.warnf("controlPlaneEndpoint", "%s", warnMultiCPNoLB)
	}
}
