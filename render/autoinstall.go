package render

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/k8sgen/k8sgen/render/plan"
	"github.com/k8sgen/k8sgen/render/spec"
	"gopkg.in/yaml.v3"
)

// autoinstallConfig is the user-data of Ubuntu's installer: autoinstall's
// own keys, with the node's network-config and its whole user-data, which
// the installer hands the installed system.
type autoinstallConfig struct {
	Autoinstall struct {
		Version int `yaml:"version"`
		Storage struct {
			Layout struct {
				Name  string `yaml:"name"`
				Match struct {
					Path string `yaml:"path"`
				} `yaml:"match"`
			} `yaml:"layout"`
		} `yaml:"storage"`
		Network  *yaml.Node `yaml:"network,omitempty"`
		UserData *yaml.Node `yaml:"user-data"`
	} `yaml:"autoinstall"`
}

// autoinstallHead opens the installer's user-data.
const autoinstallHead = "#cloud-config\n" +
	"# k8sgen: Ubuntu's unattended install (autoinstall) of this node, read by the\n" +
	"# installer booted from the network. It installs to one disk, with the node's\n" +
	"# network-config if it has one, and hands the installed system the node's\n" +
	"# user-data (under user-data:), which its first boot runs.\n"

// autoinstallFiles are the NoCloud data of Ubuntu's installer for p, in
// its autoinstall directory: user-data (0600: it carries the node's) and
// the node's meta-data.
func autoinstallFiles(p *plan.NodePlan, userData, meta, netcfg []byte) ([]File, error) {
	var c autoinstallConfig
	a := &c.Autoinstall
	a.Version = 1
	// One partition table on the disk, no LVM: the node's root takes the disk.
	a.Storage.Layout.Name = "direct"
	a.Storage.Layout.Match.Path = p.PXE.AutoinstallDevice
	doc := func(what string, data []byte) (*yaml.Node, error) {
		var n yaml.Node
		if err := yaml.Unmarshal(data, &n); err != nil || n.Kind != yaml.DocumentNode || len(n.Content) != 1 {
			return nil, fmt.Errorf("autoinstall: the node's %s does not read back as one YAML document: %v", what, err)
		}
		return n.Content[0], nil
	}
	var err error
	if a.UserData, err = doc("user-data", userData); err != nil {
		return nil, err
	}
	// Nested, the user-data's #cloud-config line would be only a comment.
	if ud := a.UserData; ud.Kind == yaml.MappingNode && len(ud.Content) > 0 {
		first := ud.Content[0]
		first.HeadComment = strings.TrimPrefix(strings.TrimPrefix(first.HeadComment, "#cloud-config"), "\n")
	}
	if netcfg != nil {
		if a.Network, err = doc("network-config", netcfg); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	buf.WriteString(autoinstallHead)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&c); err != nil {
		return nil, fmt.Errorf("autoinstall: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("autoinstall: %w", err)
	}
	dir := p.Name + "/" + spec.PXEAutoinstallDir + "/"
	return []File{
		{Path: dir + "user-data", Mode: 0o600, Data: buf.Bytes()},
		{Path: dir + "meta-data", Mode: 0o644, Data: meta},
		{Path: dir + VendorDataFile, Mode: 0o644, Data: emptyVendorData},
	}, nil
}
