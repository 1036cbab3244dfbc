package spec

import (
	"fmt"
	"hash/fnv"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DefaultKubeVIPVersion is the kube-vip release rendered when kubeVIP.version is empty.
const DefaultKubeVIPVersion = "v1.0.0"

// DefaultKubeVIPLeaseSeconds is kube-vip's own default lease.
const DefaultKubeVIPLeaseSeconds = 5

// Defaults of the load balancer kinds.
const (
	// DefaultLBPort is where haproxy listens: the API servers hold 6443 on every
	// control plane (on all addresses), so haproxy beside them needs another port.
	DefaultLBPort = 8443
	// DefaultNodeLocalHost is the API host name of node-local mode; every node
	// resolves it to 127.0.0.1, where its own haproxy listens.
	DefaultNodeLocalHost = "apiserver.k8sgen.internal"
	DefaultKubeVIPImage  = "ghcr.io/kube-vip/kube-vip"
	// minKubeVIPMinor is the oldest kube-vip v0.x the manifest's settings suit.
	minKubeVIPMinor = 8
)

// defaultVirtualRouterID derives the VRRP group from the cluster name, so that
// two clusters on one network do not both take the 51 of most guides; VRRP
// without authentication cannot tell two groups with one ID apart.
func defaultVirtualRouterID(name string) int {
	h := fnv.New32a()
	h.Write([]byte(name))
	return 1 + int(h.Sum32()%255)
}

var kubeVIPVersionRE = regexp.MustCompile(`^v[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$`)

// lbDefaults fills the load balancer's defaults and, from them, the endpoint.
func lbDefaults(c *Cluster) {
	lb := &c.LoadBalancer
	switch lb.Kind {
	case LBKubeVIP:
		if lb.KubeVIP.Version == "" {
			lb.KubeVIP.Version = DefaultKubeVIPVersion
		}
		if lb.KubeVIP.LeaseSeconds == 0 {
			lb.KubeVIP.LeaseSeconds = DefaultKubeVIPLeaseSeconds
		}
		if lb.KubeVIP.Image == "" {
			lb.KubeVIP.Image = DefaultKubeVIPImage
			if c.ImageRepository != "" {
				lb.KubeVIP.Image = c.ImageRepository + "/kube-vip"
			}
		}
		if c.ControlPlaneEndpoint == "" && lb.VIP != "" {
			c.ControlPlaneEndpoint = net.JoinHostPort(lb.VIP, apiBindPort)
		}
	case LBKeepalived:
		if lb.Port == 0 {
			lb.Port = DefaultLBPort
		}
		if lb.VirtualRouterID == 0 {
			lb.VirtualRouterID = defaultVirtualRouterID(c.Name)
		}
		if c.ControlPlaneEndpoint == "" && lb.VIP != "" {
			c.ControlPlaneEndpoint = net.JoinHostPort(lb.VIP, strconv.Itoa(lb.Port))
		}
	case LBNodeLocal:
		if lb.Port == 0 {
			lb.Port = DefaultLBPort
		}
		if c.ControlPlaneEndpoint == "" {
			c.ControlPlaneEndpoint = net.JoinHostPort(DefaultNodeLocalHost, strconv.Itoa(lb.Port))
		}
	}
}

// lbPortProblem says why haproxy cannot listen on port beside the API server,
// etcd, the kubelet and kube-proxy on every node it runs on.
func lbPortProblem(port int) string {
	switch {
	case port < 1 || port > 65535:
		return "is not a port from 1 to 65535"
	case strconv.Itoa(port) == apiBindPort:
		return "is the API servers' port, which they hold on all addresses of their hosts"
	case port < 1024 && port != 443:
		return "is a system port that host services (sshd, DNS, web servers) may hold"
	case port >= 2379 && port <= 2381:
		return "is etcd's"
	case port >= 10248 && port <= 10260:
		return "is in the range the kubelet, kube-proxy and the control-plane components listen on"
	case port >= 30000 && port <= 32767:
		return "is in the NodePort range, where kube-proxy would take a Service's traffic to it"
	}
	return ""
}

// loadBalancer checks the load balancer against the nodes, the cluster ranges
// and controlPlaneEndpoint.
func (v *validator) loadBalancer(c *Cluster, pod, svc netip.Prefix) {
	lb := c.LoadBalancer
	const p = "loadBalancer"
	if lb.Kind == "" {
		for _, f := range []struct {
			name string
			set  bool
		}{{"vip", lb.VIP != ""}, {"prefixLength", lb.PrefixLength != 0}, {"interface", lb.Interface != ""}, {"port", lb.Port != 0},
			{"unicast", lb.Unicast}, {"virtualRouterID", lb.VirtualRouterID != 0}, {"kubeVIP", lb.KubeVIP != KubeVIP{}}} {
			if f.set {
				v.errorf(p+"."+f.name, "needs loadBalancer.kind (one of %s)", strings.Join(LBKinds, ", "))
			}
		}
		return
	}
	if !contains(LBKinds, lb.Kind) {
		v.oneOf(p+".kind", lb.Kind, LBKinds)
		return
	}
	vrrp := lb.Kind == LBKubeVIP || lb.Kind == LBKeepalived
	proxied := lb.Kind == LBKeepalived || lb.Kind == LBNodeLocal
	only := func(field, kinds string, set bool) {
		if set {
			v.errorf(p+"."+field, "is used only with kind %s, not %s", kinds, lb.Kind)
		}
	}
	only("vip", "kube-vip or keepalived", !vrrp && lb.VIP != "")
	only("prefixLength", "kube-vip or keepalived", !vrrp && lb.PrefixLength != 0)
	only("interface", "kube-vip or keepalived", !vrrp && lb.Interface != "")
	only("port", "keepalived or node-local", !proxied && lb.Port != 0)
	only("unicast", "keepalived", lb.Kind != LBKeepalived && lb.Unicast)
	only("virtualRouterID", "keepalived", lb.Kind != LBKeepalived && lb.VirtualRouterID != 0)
	only("kubeVIP", "kube-vip", lb.Kind != LBKubeVIP && lb.KubeVIP != KubeVIP{})

	if proxied {
		if why := lbPortProblem(lb.Port); why != "" {
			v.errorf(p+".port", "%d %s; use another port such as %d", lb.Port, why, DefaultLBPort)
		}
	}
	if lb.Kind == LBKeepalived && (lb.VirtualRouterID < 1 || lb.VirtualRouterID > 255) {
		v.errorf(p+".virtualRouterID", "%d must be from 1 to 255", lb.VirtualRouterID)
	}
	if lb.Kind == LBKubeVIP {
		if !kubeVIPVersionRE.MatchString(lb.KubeVIP.Version) {
			v.errorf(p+".kubeVIP.version", "%q must be a release tag such as %s", lb.KubeVIP.Version, DefaultKubeVIPVersion)
		}
		if why := imageRepositoryProblem(lb.KubeVIP.Image); why != "" {
			v.errorf(p+".kubeVIP.image", "%q %s", lb.KubeVIP.Image, why)
		}
		if s := lb.KubeVIP.LeaseSeconds; s < 5 || s > 300 {
			v.errorf(p+".kubeVIP.leaseSeconds", "%d must be from 5 to 300: the renewal deadline (3/5 of it) must exceed the retry period (1/5) with client-go's jitter", s)
		}
		if ver, ok := ParseVersion(strings.TrimPrefix(lb.KubeVIP.Version, "v")); ok && ver.Major == 0 && ver.Minor < minKubeVIPMinor {
			v.errorf(p+".kubeVIP.version", "%s is older than v0.%d.0, the first release whose settings k8sgen's manifest uses", lb.KubeVIP.Version, minKubeVIPMinor)
		}
		if _, set := v.pos[p+".kubeVIP.image"]; !set && c.ImageRepository != "" {
			v.warnf("imageRepository", "kube-vip's image defaults to %s:%s under imageRepository: push it there (a mirror of registry.k8s.io alone does not have it), or set loadBalancer.kubeVIP.image", lb.KubeVIP.Image, lb.KubeVIP.Version)
		}
	}

	host, port, err := net.SplitHostPort(c.ControlPlaneEndpoint)
	endpointOK := err == nil
	if vrrp {
		v.vip(c, pod, svc, host, port, endpointOK)
	}
	if !endpointOK {
		if c.ControlPlaneEndpoint == "" {
			v.errorf("controlPlaneEndpoint", "%s with loadBalancer.kind %s: the address the load balancer answers on, host:port", errRequired, lb.Kind)
		}
		return
	}
	wantPort := apiBindPort
	if proxied {
		wantPort = strconv.Itoa(lb.Port)
	}
	switch lb.Kind {
	case LBNodeLocal:
		if _, err := netip.ParseAddr(host); err == nil {
			v.errorf("controlPlaneEndpoint", "%s: node-local mode needs a host name, which every node resolves to its own haproxy at 127.0.0.1 (default %s)", host, DefaultNodeLocalHost)
		}
		for i, n := range c.Nodes {
			if n.Name == host {
				v.errorf("controlPlaneEndpoint", "%s is the name of nodes[%d]; node-local mode needs a name of its own", host, i)
			}
		}
		for i, h := range c.ExtraHosts {
			if h.Name == host {
				v.errorf(fmt.Sprintf("extraHosts[%d].name", i), "%s is node-local mode's API name, which k8sgen maps to 127.0.0.1 on every node; remove this entry", host)
			}
		}
	case LBExternal:
		if _, set := v.pos["controlPlaneEndpoint"]; !set {
			v.errorf("controlPlaneEndpoint", "%s with loadBalancer.kind external: the load balancer's host:port", errRequired)
		}
		for i, n := range c.Nodes {
			if n.IP == host || n.Name == host {
				v.errorf("controlPlaneEndpoint", "%s is nodes[%d] (%s), not an external load balancer; give the balancer's own address", host, i, n.Name)
			}
		}
		wantPort = port
	}
	if port != wantPort {
		switch lb.Kind {
		case LBKubeVIP:
			v.errorf("controlPlaneEndpoint", "port %s: kube-vip moves the address only, so clients reach the API servers' own port; use %s", port, net.JoinHostPort(host, apiBindPort))
		default:
			v.errorf("controlPlaneEndpoint", "port %s: haproxy listens on loadBalancer.port %s; use %s or set loadBalancer.port", port, wantPort, net.JoinHostPort(host, wantPort))
		}
	}
}

// vip checks the virtual address of kube-vip and keepalived.
func (v *validator) vip(c *Cluster, pod, svc netip.Prefix, host, port string, endpointOK bool) {
	lb := c.LoadBalancer
	const p = "loadBalancer"
	if v.required(p+".interface", lb.Interface) {
		switch {
		case !ifaceRE.MatchString(lb.Interface) || lb.Interface == "." || lb.Interface == "..":
			v.errorf(p+".interface", "%q must be a network interface name such as eth0 or ens192 (at most 15 characters)", lb.Interface)
		case lb.Interface == "lo":
			v.errorf(p+".interface", "lo is the loopback interface, where ARP and VRRP reach no other machine; name the control planes' network interface")
		}
	}
	prefixOK := lb.PrefixLength >= 1 && lb.PrefixLength <= 32
	if lb.PrefixLength == 0 {
		v.errorf(p+".prefixLength", "%s: the length of the control planes' subnet (24 for 192.168.99.0/24); ARP and VRRP reach only that subnet", errRequired)
	} else if !prefixOK {
		v.errorf(p+".prefixLength", "%d must be from 1 to 32", lb.PrefixLength)
	}
	if !v.required(p+".vip", lb.VIP) {
		return
	}
	ip, err := netip.ParseAddr(lb.VIP)
	if err != nil || !ip.Is4() {
		v.errorf(p+".vip", "%q %s", lb.VIP, errIP)
		return
	}
	if why := nodeAddressProblem(ip); why != "" {
		v.errorf(p+".vip", "%s %s; a VIP must be a unicast address on the control planes' subnet", ip, why)
	}
	for i, n := range c.Nodes {
		if n.IP == lb.VIP {
			v.errorf(p+".vip", "%s is the address of nodes[%d] (%s); a VIP must be a free address that no machine owns", ip, i, n.Name)
		}
	}
	for i, h := range c.ExtraHosts {
		if h.IP == lb.VIP && (!endpointOK || h.Name != host) {
			v.errorf(p+".vip", "%s is the address of extraHosts[%d] (%s); a VIP must be a free address", ip, i, h.Name)
		}
	}
	if pod.IsValid() && pod.Contains(ip) {
		v.errorf(p+".vip", "%s lies inside network.podSubnet %s; use a free address on the control planes' subnet", ip, pod)
	}
	if svc.IsValid() && svc.Contains(ip) {
		v.errorf(p+".vip", "%s lies inside network.serviceSubnet %s; use a free address on the control planes' subnet", ip, svc)
	}
	if prefixOK {
		subnet := netip.PrefixFrom(ip, lb.PrefixLength).Masked()
		if subnet.Addr() == ip && lb.PrefixLength < 31 {
			v.errorf(p+".vip", "%s is the network address of %s; use a host address", ip, subnet)
		}
		if last := broadcast(subnet); last == ip && lb.PrefixLength < 31 {
			v.errorf(p+".vip", "%s is the broadcast address of %s; use a host address", ip, subnet)
		}
		for i, n := range c.Nodes {
			a, err := netip.ParseAddr(n.IP)
			if n.Role != RoleControlPlane || err != nil {
				continue
			}
			if !subnet.Contains(a) {
				v.errorf(p+".vip", "%s/%d does not hold control plane nodes[%d] (%s, %s): %s answers ARP and VRRP only on the control planes' own subnet; use a VIP inside theirs, or kind node-local or external", ip, lb.PrefixLength, i, n.Name, n.IP, c.LoadBalancer.Kind)
			}
		}
	}
	if !endpointOK {
		return
	}
	if host == lb.VIP {
		return
	}
	if _, err := netip.ParseAddr(host); err == nil {
		v.errorf("controlPlaneEndpoint", "%s disagrees with loadBalancer.vip %s; use %s", host, lb.VIP, net.JoinHostPort(lb.VIP, port))
		return
	}
	for _, h := range c.ExtraHosts {
		if h.Name == host {
			if h.IP != lb.VIP {
				v.errorf("controlPlaneEndpoint", "%s resolves to %s through extraHosts, not to loadBalancer.vip %s", host, h.IP, lb.VIP)
			}
			return
		}
	}
	v.errorf("controlPlaneEndpoint", "%s is a name k8sgen cannot tie to loadBalancer.vip %s; add it to extraHosts with ip %s, or use %s", host, lb.VIP, lb.VIP, net.JoinHostPort(lb.VIP, port))
}

func broadcast(p netip.Prefix) netip.Addr {
	a := p.Addr().As4()
	bits := p.Bits()
	for i := 0; i < 4; i++ {
		for b := 0; b < 8; b++ {
			if i*8+b >= bits {
				a[i] |= 0x80 >> b
			}
		}
	}
	return netip.AddrFrom4(a)
}

// ParseTokenTTL reads bootstrapTokenTTL: a Go duration, or a bare 0 (never expires).
func ParseTokenTTL(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	return time.ParseDuration(s)
}

// tokenTTL checks bootstrapTokenTTL.
func (v *validator) tokenTTL(c *Cluster) {
	s := c.BootstrapTokenTTL
	if s == "" {
		return
	}
	const p = "bootstrapTokenTTL"
	d, err := ParseTokenTTL(s)
	switch {
	case err != nil:
		v.errorf(p, "%q must be a duration such as 24h, 2h30m or 0 (never expires)", s)
	case d < 0:
		v.errorf(p, "%q must not be negative; 0 means the token never expires", s)
	case d == 0:
		v.warnf(p, "0: the bootstrap token never expires, so anyone who reads a node's user-data can join machines to the cluster for as long as it runs; delete it with kubeadm token delete once every node has joined")
	case d < 10*time.Minute:
		v.errorf(p, "%s is shorter than the 10m the slowest node may need from kubeadm init to its join; use at least 10m", d)
	case d%time.Second != 0:
		v.errorf(p, "%s: kubeadm keeps whole seconds; drop the fraction", d)
	}
}
