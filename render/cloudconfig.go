package render

import (
	"bytes"
	"fmt"

	"github.com/k8sgen/k8sgen/render/plan"
	"gopkg.in/yaml.v3"
)

// WriteFile is one entry of cloud-config's write_files.
type WriteFile struct {
	Path        string `yaml:"path"`
	Owner       string `yaml:"owner"`
	Permissions string `yaml:"permissions"`
	Content     string `yaml:"content"`
}

// cloudConfig is the subset of #cloud-config that k8sgen writes. Everything else
// happens in the bootstrap script, where it is ordered, logged and re-runnable.
type cloudConfig struct {
	Hostname         string      `yaml:"hostname"`
	PreserveHostname bool        `yaml:"preserve_hostname"`
	ManageEtcHosts   bool        `yaml:"manage_etc_hosts"`
	WriteFiles       []WriteFile `yaml:"write_files"`
	Runcmd           [][]string  `yaml:"runcmd"`
}

// CloudConfig encodes a node's user-data with yaml.v3, so that quoting and block
// scalars are always right.
func CloudConfig(p *plan.NodePlan, files []WriteFile) ([]byte, error) {
	for i := range files {
		files[i].Owner = "root:root"
	}
	cc := cloudConfig{
		Hostname:         p.Name,
		PreserveHostname: false,
		ManageEtcHosts:   false,
		WriteFiles:       files,
		Runcmd:           [][]string{{p.Paths.Bootstrap}},
	}
	var buf bytes.Buffer
	buf.WriteString("#cloud-config\n")
	fmt.Fprintf(&buf, "# k8sgen: %s (%s) of cluster %s, Kubernetes %s on %s.\n", p.Name, p.Role, p.Cluster, p.Version, p.OS.Name)
	fmt.Fprintf(&buf, "# First boot runs %s; progress in %s/status, log in %s.\n", p.Paths.Bootstrap, p.Paths.State, p.Paths.Log)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(cc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
