package render

import (
	"github.com/k8sgen/k8sgen/render/plan"
)

// NetworkConfigFile is the name of a node's NoCloud network-config in its
// output directory; a node has one only with static addressing.
const NetworkConfigFile = "network-config"

// networkConfig is a NoCloud network-config, version 2: what cloud-init
// renders for the OS (netplan on Ubuntu, NetworkManager or ifupdown
// elsewhere). It is written in the form NoCloud documents, without the
// top-level network key; netplan's own files carry that key.
type networkConfig struct {
	Version   int                       `yaml:"version"`
	Ethernets map[string]netcfgEthernet `yaml:"ethernets"`
}

type netcfgEthernet struct {
	Match       *netcfgMatch       `yaml:"match,omitempty"`
	SetName     string             `yaml:"set-name,omitempty"`
	DHCP4       bool               `yaml:"dhcp4"`
	Addresses   []string           `yaml:"addresses"`
	Routes      []netcfgRoute      `yaml:"routes,omitempty"`
	Nameservers *netcfgNameservers `yaml:"nameservers,omitempty"`
}

type netcfgMatch struct {
	MACAddress string `yaml:"macaddress"`
}

type netcfgRoute struct {
	To  string `yaml:"to"`
	Via string `yaml:"via"`
}

type netcfgNameservers struct {
	Addresses []string `yaml:"addresses,omitempty"`
	Search    []string `yaml:"search,omitempty"`
}

// NetworkConfig is p's network-config, nil when p takes its address by DHCP.
// The values went through spec validation; the YAML encoder quotes what
// needs quoting.
func NetworkConfig(p *plan.NodePlan) ([]byte, error) {
	s := p.Network
	if s == nil {
		return nil, nil
	}
	e := netcfgEthernet{Addresses: []string{s.Address}}
	if s.MAC != "" {
		e.Match = &netcfgMatch{MACAddress: s.MAC}
		e.SetName = s.Interface
	}
	if s.Gateway != "" {
		// 0.0.0.0/0, not netplan's "default": cloud-init before 23.x (22.4 on
		// Debian 12) refuses "default" as a route's destination.
		e.Routes = []netcfgRoute{{To: "0.0.0.0/0", Via: s.Gateway}}
	}
	if len(s.Nameservers) > 0 || len(s.Search) > 0 {
		e.Nameservers = &netcfgNameservers{Addresses: s.Nameservers, Search: s.Search}
	}
	return encodeYAML(networkConfig{Version: 2, Ethernets: map[string]netcfgEthernet{s.ID: e}})
}
