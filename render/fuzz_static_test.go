package render_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/k8sgen/k8sgen/render"
	"github.com/k8sgen/k8sgen/render/spec"
	"gopkg.in/yaml.v3"
)

// fuzzStaticSpec has every addressing field that reaches a network-config.
const fuzzStaticSpec = `name: lab
kubernetesVersion: "1.33.0"
os: ubuntu-24.04
addressing:
  mode: @0@
  interface: @1@
  prefixLength: 24
  gateway: @2@
  nameservers: [@3@]
  searchDomains: [@4@]
nodes:
  - name: cp
    role: control-plane
    ip: 192.168.50.10
    mac: @5@
  - name: w1
    role: worker
    ip: 192.168.50.11
    addressing: {interface: @6@}
`

var fuzzStaticDefaults = []string{"static", "ens3", "192.168.50.1", "192.168.50.1", "lab.example", "52:54:00:00:50:10", "eth1"}

// FuzzRenderStatic is FuzzRender over static addressing: an accepted value
// renders, and each node's network-config is YAML that says exactly what
// the plan says (a value cannot add a key or an entry).
func FuzzRenderStatic(f *testing.F) {
	for slot := range fuzzStaticDefaults {
		f.Add(uint8(slot), fuzzStaticDefaults[slot])
		for _, v := range []string{"a'b", "$(id)", "a\nb: c", "x]\n  - y", "{a: b}", "192.168.50.1, 10.0.0.1", "52:54:00:00:50:1G", "dhcp"} {
			f.Add(uint8(slot), v)
		}
	}
	f.Fuzz(func(t *testing.T, slot uint8, value string) {
		src, ok := fillSlots(fuzzStaticSpec, fuzzStaticDefaults, int(slot)%len(fuzzStaticDefaults), value)
		if !ok {
			return
		}
		res := renderAccepted(t, src, value)
		if res == nil {
			return
		}
		checkNetworkConfigs(t, res, src)
	})
}

// checkNetworkConfigs parses each node's network-config and compares it with
// the node's addressing in the spec: the values come out as they went in,
// and in their places.
func checkNetworkConfigs(t *testing.T, res *render.Result, src string) {
	t.Helper()
	doc, _ := spec.Check([]byte(src))
	c := doc.Cluster
	for i, n := range res.Nodes {
		var data []byte
		for _, f := range n.Files {
			if f.Path == n.Name+"/"+render.NetworkConfigFile {
				data = f.Data
			}
		}
		a := c.AddressingOf(&c.Nodes[i])
		if (data != nil) != (a.Mode == spec.AddressingStatic) {
			t.Fatalf("%s: addressing %s, network-config written: %t\n%s", n.Name, a.Mode, data != nil, src)
		}
		if data == nil {
			continue
		}
		type ethernet struct {
			Match *struct {
				MACAddress string `yaml:"macaddress"`
			} `yaml:"match"`
			SetName   string   `yaml:"set-name"`
			DHCP4     bool     `yaml:"dhcp4"`
			Addresses []string `yaml:"addresses"`
			Routes    []struct {
				To  string `yaml:"to"`
				Via string `yaml:"via"`
			} `yaml:"routes"`
			Nameservers struct {
				Addresses []string `yaml:"addresses"`
				Search    []string `yaml:"search"`
			} `yaml:"nameservers"`
		}
		var got struct {
			Version   int                 `yaml:"version"`
			Ethernets map[string]ethernet `yaml:"ethernets"`
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&got); err != nil || got.Version != 2 || len(got.Ethernets) != 1 {
			t.Fatalf("%s: network-config is not one ethernet of version 2 (%v):\n%s\n%s", n.Name, err, data, src)
		}
		for id, e := range got.Ethernets {
			mac := strings.ToLower(c.Nodes[i].MAC)
			ok := id == a.Interface || a.Interface == "" && id == "k8sgen0"
			ok = ok && (e.Match == nil) == (mac == "") && (mac == "" || e.Match.MACAddress == mac && e.SetName == a.Interface)
			ok = ok && len(e.Addresses) == 1 && e.Addresses[0] == fmt.Sprintf("%s/%d", c.Nodes[i].IP, a.PrefixLength)
			ok = ok && (a.Gateway == "" && len(e.Routes) == 0 || len(e.Routes) == 1 && e.Routes[0].To == "0.0.0.0/0" && e.Routes[0].Via == a.Gateway)
			ok = ok && slices.Equal(e.Nameservers.Addresses, a.Nameservers) && slices.Equal(e.Nameservers.Search, a.SearchDomains)
			if !ok {
				t.Fatalf("%s: network-config says other than the spec (%+v):\n%s\n%s", n.Name, a, data, src)
			}
		}
	}
}
