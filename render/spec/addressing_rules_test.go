package spec

import (
	"strings"
	"testing"
)

// labBase is a 1 + 2 Ubuntu lab on 192.168.50.0/24 with MACs; addressing
// lines follow it (line 14 on).
const labBase = `name: lab
kubernetesVersion: "1.33.0"
os: ubuntu-24.04
nodes:
  - name: cp
    role: control-plane
    ip: 192.168.50.10
    mac: "52:54:00:00:50:10"
  - name: w1
    role: worker
    ip: 192.168.50.11
    mac: "52:54:00:00:50:11"
  - {name: w2, role: worker, ip: 192.168.50.12, mac: "52:54:00:00:50:12"}
`

func TestAddressingValid(t *testing.T) {
	for name, extra := range map[string]string{
		"dhcp by default": "",
		"static":          "addressing:\n  mode: static\n  interface: ens3\n  prefixLength: 24\n  gateway: 192.168.50.1\n  nameservers: [192.168.50.1, 2001:db8::53]\n  searchDomains: [lab.example]\n",
		"static by mac":   "addressing: {mode: static, prefixLength: 24}\n",
		"no gateway":      "addressing: {mode: static, prefixLength: 24, interface: eth0}\n",
	} {
		t.Run(name, func(t *testing.T) {
			if errs := problemsOf(labBase + extra).Errors(); len(errs) > 0 {
				t.Errorf("valid spec refused:\n%s", dump(errs))
			}
		})
	}
	// A node overrides the cluster's fields one by one.
	src := strings.Replace(labBase, `mac: "52:54:00:00:50:12"}`, `mac: "52:54:00:00:50:12", addressing: {gateway: 192.168.50.254, nameservers: []}}`, 1) +
		"addressing: {mode: static, prefixLength: 24, gateway: 192.168.50.1, nameservers: [192.168.50.1]}\n"
	doc, probs := check(src)
	if errs := probs.Errors(); len(errs) > 0 {
		t.Fatalf("valid spec refused:\n%s", dump(errs))
	}
	a := doc.Cluster.AddressingOf(&doc.Cluster.Nodes[2])
	if a.Mode != AddressingStatic || a.PrefixLength != 24 || a.Gateway != "192.168.50.254" || len(a.Nameservers) != 0 {
		t.Errorf("w2's addressing = %+v, want the cluster's with its own gateway and no nameservers", a)
	}
	if a := doc.Cluster.AddressingOf(&doc.Cluster.Nodes[1]); a.Gateway != "192.168.50.1" || len(a.Nameservers) != 1 {
		t.Errorf("w1's addressing = %+v, want the cluster's", a)
	}
}

// problemsOf is the problems of src, loaded and validated.
func problemsOf(src string) Problems {
	_, probs := check(src)
	return probs
}

func TestAddressingRefusals(t *testing.T) {
	withMAC := func(node, mac string) string {
		return strings.Replace(labBase, `mac: "52:54:00:00:50:1`+node+`"`, `mac: "`+mac+`"`, 1)
	}
	for _, c := range []struct {
		name string
		src  string
		want want
	}{
		{"malformed mac", withMAC("1", "52-54-00-00-50-11"), want{"nodes[1].mac", 12, []string{"not a MAC address", "colons"}}},
		{"short mac", withMAC("0", "52:54:00:00:50"), want{"nodes[0].mac", 8, []string{"not a MAC address"}}},
		{"multicast mac", withMAC("1", "01:00:5e:00:00:01"), want{"nodes[1].mac", 12, []string{"multicast"}}},
		{"zero mac", withMAC("1", "00:00:00:00:00:00"), want{"nodes[1].mac", 12, []string{"all-zero"}}},
		{"duplicate mac", withMAC("1", "52:54:00:00:50:10"), want{"nodes[1].mac", 12, []string{"already used by nodes[0].mac"}}},
		{"duplicate mac in another case", strings.Replace(withMAC("1", "52:54:00:aa:50:11"), `"52:54:00:00:50:12"`, `"52:54:00:AA:50:11"`, 1),
			want{"nodes[2].mac", 13, []string{"52:54:00:AA:50:11 is already used by nodes[1].mac"}}},
		{"bad mode", labBase + "addressing: {mode: manual}\n", want{"addressing.mode", 14, []string{"manual"}}},
		{"gateway outside the subnet", labBase + "addressing:\n  mode: static\n  prefixLength: 24\n  gateway: 192.168.51.1\n",
			want{"addressing.gateway", 17, []string{"outside node cp's subnet 192.168.50.0/24", "own link"}}},
		{"gateway is the node", strings.Replace(labBase, `mac: "52:54:00:00:50:12"}`, `mac: "52:54:00:00:50:12", addressing: {gateway: 192.168.50.12}}`, 1) + "addressing: {mode: static, prefixLength: 24}\n",
			want{"nodes[2].addressing.gateway", 13, []string{"node w2's own address"}}},
		{"gateway not ipv4", labBase + "addressing: {mode: static, prefixLength: 24, gateway: \"fe80::1\"}\n", want{"addressing.gateway", 14, []string{"not an IPv4 address"}}},
		{"fractional prefix length", labBase + "addressing: {mode: static, prefixLength: 24.5}\n", want{"addressing.prefixLength", 14, []string{"expected a whole number", "24.5"}}},
		{"quoted prefix length", labBase + "addressing: {mode: static, prefixLength: \"24\"}\n", want{"addressing.prefixLength", 14, []string{"expected a whole number"}}},
		{"node on the network address", strings.Replace(labBase, "ip: 192.168.50.11", "ip: 192.168.50.0", 1) + "addressing: {mode: static, prefixLength: 24}\n",
			want{"addressing.prefixLength", 14, []string{"192.168.50.0 is the network address of its subnet 192.168.50.0/24"}}},
		{"gateway on the broadcast address", labBase + "addressing: {mode: static, prefixLength: 24, gateway: 192.168.50.255}\n",
			want{"addressing.gateway", 14, []string{"broadcast address"}}},
		{"mapped nameserver", labBase + "addressing:\n  mode: static\n  prefixLength: 24\n  nameservers: [\"::ffff:10.0.0.1\"]\n", want{"addressing.nameservers[0]", 17, []string{"write 10.0.0.1"}}},
		{"unspecified nameserver", labBase + "addressing:\n  mode: static\n  prefixLength: 24\n  nameservers: [0.0.0.0]\n", want{"addressing.nameservers[0]", 17, []string{"not a host's address"}}},
		{"nameserver twice", labBase + "addressing:\n  mode: static\n  prefixLength: 24\n  nameservers: [10.0.0.1, 10.0.0.1]\n", want{"addressing.nameservers[1]", 17, []string{"given twice"}}},
		{"prefix length", labBase + "addressing: {mode: static, prefixLength: 33}\n", want{"addressing.prefixLength", 14, []string{"1 to 32"}}},
		{"no prefix length", labBase + "addressing: {mode: static, interface: ens3}\n", want{"addressing.mode", 14, []string{"without addressing.prefixLength"}}},
		{"nothing finds the interface", strings.Replace(labBase, "    mac: \"52:54:00:00:50:11\"\n", "", 1) + "addressing: {mode: static, prefixLength: 24}\n",
			want{"addressing.mode", 13, []string{"node w1", "addressing.interface", "mac"}}},
		{"bad interface", labBase + "addressing: {mode: static, prefixLength: 24, interface: enp0s31f6abcdefghij}\n", want{"addressing.interface", 14, []string{"not an interface name"}}},
		{"bad nameserver", labBase + "addressing:\n  mode: static\n  prefixLength: 24\n  nameservers: [192.168.50.1, dns.lab]\n", want{"addressing.nameservers[1]", 17, []string{"not an IP address"}}},
		{"bad search domain", labBase + "addressing:\n  mode: static\n  prefixLength: 24\n  searchDomains: [\"Lab_Example\"]\n", want{"addressing.searchDomains[0]", 17, []string{"not a domain name"}}},
		{"static field with dhcp", strings.Replace(labBase, `mac: "52:54:00:00:50:12"}`, `mac: "52:54:00:00:50:12", addressing: {gateway: 192.168.50.1}}`, 1),
			want{"nodes[2].addressing.gateway", 13, []string{"addressing is dhcp", "mode: static"}}},
		{"seed iso on ignition", strings.Replace(labBase, "os: ubuntu-24.04", "os: fcos", 1) + "bootMedia: {seedISO: true}\n",
			want{"bootMedia.seedISO", 14, []string{"NoCloud seed", "fcos"}}},
		{"ignition", strings.Replace(labBase, "os: ubuntu-24.04", "os: flatcar", 1) + "addressing: {mode: static, prefixLength: 24}\n",
			want{"addressing.mode", 14, []string{"NoCloud network-config", "flatcar", "DHCP"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			expect(t, problemsOf(c.src), true, c.want)
		})
	}
}
