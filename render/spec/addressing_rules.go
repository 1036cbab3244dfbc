package spec

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/k8sgen/k8sgen/profiles"
)

// macRE is an EUI-48 MAC address written as six colon-separated pairs of
// hexadecimal digits, the form netplan and matchbox take.
var macRE = regexp.MustCompile(`^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$`)

// AddressingModes are the modes of addressing.mode.
var AddressingModes = []string{AddressingDHCP, AddressingStatic}

// addressing checks nodes' MAC addresses and their addressing: the cluster's
// and each node's fields where they are set, then each node's result, whose
// problems are reported at the field that gave the value.
func (v *validator) addressing(c *Cluster) {
	macs := map[string]string{}
	for i := range c.Nodes {
		n := &c.Nodes[i]
		p := fmt.Sprintf("nodes[%d]", i)
		if n.MAC == "" {
			continue
		}
		mac := strings.ToLower(n.MAC)
		switch {
		case !macRE.MatchString(n.MAC):
			v.errorf(p+".mac", "%q is not a MAC address: write six pairs of hexadecimal digits joined by colons (52:54:00:12:34:01)", n.MAC)
		case mac == "00:00:00:00:00:00":
			v.errorf(p+".mac", "%q is the all-zero address, which no interface has", n.MAC)
		case firstByte(mac)&1 == 1:
			v.errorf(p+".mac", "%q is a multicast (group) address: an interface's own address has the lowest bit of its first byte clear", n.MAC)
		default:
			if prev, dup := macs[mac]; dup {
				v.errorf(p+".mac", "%s is already used by %s", n.MAC, prev)
			} else {
				macs[mac] = p + ".mac"
			}
		}
	}
	v.addressingFields("addressing", c.Addressing)
	for i := range c.Nodes {
		v.addressingFields(fmt.Sprintf("nodes[%d].addressing", i), c.Nodes[i].Addressing)
	}
	// A problem with a cluster-wide value is reported once, for the first
	// node it fails on, not once per node.
	once := map[string]bool{}
	report := func(path, format string, args ...any) {
		if !strings.HasPrefix(path, "nodes[") {
			if once[path] {
				return
			}
			once[path] = true
		}
		v.errorf(path, format, args...)
	}
	ignition := false
	if prof, err := profiles.Get(c.OS); err == nil {
		ignition = prof.Output == "ignition"
	}
	if ignition && c.BootMedia.SeedISO {
		v.errorf("bootMedia.seedISO", "a seed.iso is a NoCloud seed, which %s does not read: it takes its config.ign from the platform (Ignition's own ways: a URL, a disk, the hypervisor's config)", c.OS)
	}
	for i := range c.Nodes {
		n := &c.Nodes[i]
		p := fmt.Sprintf("nodes[%d]", i)
		a := c.AddressingOf(n)
		// at names the field a value came from: the node's when it gives one.
		at := func(field string, own bool) string {
			if own {
				return p + ".addressing." + field
			}
			return "addressing." + field
		}
		o := n.Addressing
		if a.Mode != AddressingStatic {
			for _, f := range []struct {
				name string
				set  bool
				own  bool
			}{
				{"interface", a.Interface != "", o.Interface != ""},
				{"prefixLength", a.PrefixLength != 0, o.PrefixLength != 0},
				{"gateway", a.Gateway != "", o.Gateway != ""},
				{"nameservers", len(a.Nameservers) > 0, o.Nameservers != nil},
				{"searchDomains", len(a.SearchDomains) > 0, o.SearchDomains != nil},
			} {
				if f.set && f.own {
					report(at(f.name, true), "is set, but node %s's addressing is %s: only static addressing uses it (set mode: static)", n.Name, a.Mode)
				}
			}
			continue
		}
		modeAt := at("mode", o.Mode != "")
		if ignition {
			report(modeAt, "static addressing is written as a NoCloud network-config, which %s does not read; give node %s its address by DHCP (a static lease for its MAC) instead", c.OS, n.Name)
			continue
		}
		if a.Interface == "" && n.MAC == "" {
			report(modeAt, "node %s has static addressing but nothing finds its interface: give addressing.interface (a name such as ens3) or the node's mac", n.Name)
		}
		if a.PrefixLength == 0 {
			report(modeAt, "node %s has static addressing without addressing.prefixLength (24 for a /24)", n.Name)
			continue
		}
		ip, err := netip.ParseAddr(n.IP)
		if err != nil || !ip.Is4() || a.PrefixLength < 1 || a.PrefixLength > 32 {
			continue // reported at nodes[].ip or at prefixLength
		}
		subnet := netip.PrefixFrom(ip, a.PrefixLength).Masked()
		if why := edgeOf(subnet, ip); why != "" {
			report(at("prefixLength", o.PrefixLength != 0), "node %s's ip %s is the %s of its subnet %s", n.Name, ip, why, subnet)
		}
		if gw, err := netip.ParseAddr(a.Gateway); err == nil && gw.Is4() {
			gwAt := at("gateway", o.Gateway != "")
			switch {
			case !subnet.Contains(gw):
				report(gwAt, "%s is outside node %s's subnet %s (its ip %s with prefixLength %d): a gateway must be reachable on the node's own link", gw, n.Name, subnet, ip, a.PrefixLength)
			case gw == ip:
				report(gwAt, "%s is node %s's own address", gw, n.Name)
			case edgeOf(subnet, gw) != "":
				report(gwAt, "%s is the %s of node %s's subnet %s, not a host", gw, edgeOf(subnet, gw), n.Name, subnet)
			}
		}
	}
}

// addressingFields checks the fields of one addressing block as they are written.
func (v *validator) addressingFields(p string, a Addressing) {
	if a.Mode != "" {
		v.oneOf(p+".mode", a.Mode, AddressingModes)
	}
	if a.Interface != "" && (!ifaceRE.MatchString(a.Interface) || a.Interface == "." || a.Interface == "..") {
		v.errorf(p+".interface", "%q is not an interface name: 1 to 15 letters, digits, '_', '.' or '-' (ens3, eth0)", a.Interface)
	}
	if a.PrefixLength != 0 && (a.PrefixLength < 1 || a.PrefixLength > 32) {
		v.errorf(p+".prefixLength", "%d is not an IPv4 prefix length: 1 to 32 (24 for a /24)", a.PrefixLength)
	}
	if a.Gateway != "" {
		if gw, err := netip.ParseAddr(a.Gateway); err != nil || !gw.Is4() || gw.Zone() != "" {
			v.errorf(p+".gateway", "%q is not an IPv4 address", a.Gateway)
		}
	}
	if len(a.Nameservers) > maxNameservers {
		v.errorf(p+".nameservers", "%d servers: give at most %d (the resolver reads the first 3)", len(a.Nameservers), maxNameservers)
	} else if len(a.Nameservers) > 3 {
		v.warnf(p+".nameservers", "%d servers: the C library's resolver reads only the first 3", len(a.Nameservers))
	}
	seen := map[netip.Addr]bool{}
	for i, s := range a.Nameservers[:min(len(a.Nameservers), maxNameservers)] {
		at := fmt.Sprintf("%s.nameservers[%d]", p, i)
		ip, err := netip.ParseAddr(s)
		switch {
		case err != nil || ip.Zone() != "":
			v.errorf(at, "%q is not an IP address", s)
		case ip.Is4In6():
			v.errorf(at, "%q is an IPv4 address written as IPv6; write %s", s, ip.Unmap())
		case ip.IsUnspecified() || ip.IsMulticast() || ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
			v.errorf(at, "%s is not a host's address (unspecified, multicast or broadcast)", ip)
		case seen[ip]:
			v.errorf(at, "%s is given twice", ip)
		}
		seen[ip] = true
	}
	if len(a.SearchDomains) > maxSearchDomains {
		v.errorf(p+".searchDomains", "%d domains: give at most %d", len(a.SearchDomains), maxSearchDomains)
		return
	}
	for i, s := range a.SearchDomains {
		if len(s) > 253 || !isRFC1123Sub(s) {
			v.errorf(fmt.Sprintf("%s.searchDomains[%d]", p, i), "%q is not a domain name (lowercase labels of letters, digits and '-', joined by dots)", s)
		}
	}
}

// Bounds of the DNS lists of an addressing block.
const (
	maxNameservers   = 8
	maxSearchDomains = 6
)

// edgeOf names ip when it is the network or the broadcast address of subnet;
// /31 and /32 subnets have neither.
func edgeOf(subnet netip.Prefix, ip netip.Addr) string {
	if subnet.Bits() > 30 {
		return ""
	}
	if ip == subnet.Addr() {
		return "network address"
	}
	b := subnet.Addr().As4()
	host := uint32(1)<<(32-subnet.Bits()) - 1
	last := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]) | host
	if ip == netip.AddrFrom4([4]byte{byte(last >> 24), byte(last >> 16), byte(last >> 8), byte(last)}) {
		return "broadcast address"
	}
	return ""
}

// firstByte is the first byte of a well-formed MAC address.
func firstByte(mac string) uint64 {
	b, _ := strconv.ParseUint(mac[:2], 16, 8)
	return b
}
