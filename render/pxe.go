package render

import (
	"encoding/json"

	"github.com/k8sgen/k8sgen/render/plan"
	"github.com/k8sgen/k8sgen/templates"
)

// BootIPXEFile is the cluster's iPXE script, at the top of the output
// directory, and each node's, in its directory.
const BootIPXEFile = "boot.ipxe"

// MatchboxDir holds the matchbox tree (bootMedia.pxe.matchboxURL).
const MatchboxDir = "matchbox"

// matchboxProfile and matchboxGroup are matchbox's profiles/*.json and
// groups/*.json (matchbox v0.11.0's storage format).
type matchboxProfile struct {
	ID         string       `json:"id"`
	Name       string       `json:"name"`
	Boot       matchboxBoot `json:"boot"`
	IgnitionID string       `json:"ignition_id"`
}

type matchboxBoot struct {
	Kernel string   `json:"kernel"`
	Initrd []string `json:"initrd"`
	Args   []string `json:"args"`
}

type matchboxGroup struct {
	ID       string            `json:"id"`
	Name     string            `json:"name"`
	Profile  string            `json:"profile"`
	Selector map[string]string `json:"selector"`
}

// pxeFiles are p's network boot files: its iPXE script and, for matchbox,
// its profile, its group (selected by its MAC address) and its Ignition
// config (a copy of config, 0600 like it).
func pxeFiles(p *plan.NodePlan, config []byte) ([]File, error) {
	if p.PXE == nil {
		return nil, nil
	}
	script, err := templates.Execute("node.ipxe", p)
	if err != nil {
		return nil, err
	}
	files := []File{{Path: p.Name + "/" + BootIPXEFile, Mode: 0o644, Data: script}}
	if p.ClusterPlan.PXE.MatchboxURL == "" {
		return files, nil
	}
	// A cluster's name has no dot: the first one ends it.
	id := p.Cluster + "." + p.Name
	var initrd []string
	for _, f := range p.PXE.Initrd {
		initrd = append(initrd, "--name "+f.Name+" "+f.URL)
	}
	profile, err := json.MarshalIndent(matchboxProfile{ID: id, Name: p.Name + " of cluster " + p.Cluster,
		Boot:       matchboxBoot{Kernel: p.PXE.Kernel, Initrd: initrd, Args: p.PXE.MatchboxArgs},
		IgnitionID: id + ".ign"}, "", "  ")
	if err != nil {
		return nil, err
	}
	group, err := json.MarshalIndent(matchboxGroup{ID: id, Name: p.Name + " of cluster " + p.Cluster, Profile: id,
		Selector: map[string]string{"mac": p.PXE.MAC}}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(files,
		File{Path: MatchboxDir + "/profiles/" + id + ".json", Mode: 0o644, Data: append(profile, '\n')},
		File{Path: MatchboxDir + "/groups/" + id + ".json", Mode: 0o644, Data: append(group, '\n')},
		File{Path: MatchboxDir + "/ignition/" + id + ".ign", Mode: 0o600, Data: append([]byte(nil), config...)},
	), nil
}

// bootIPXE is the data of boot.ipxe.
type bootIPXE struct {
	Cluster, BaseURL string
	Nodes            []struct{ Name, MAC string }
}

// clusterPXEFiles is the cluster's boot.ipxe, which chains each machine to
// its node's script by MAC address; none without network boot.
func clusterPXEFiles(plans []*plan.NodePlan) ([]File, error) {
	if len(plans) == 0 || plans[0].PXE == nil {
		return nil, nil
	}
	d := bootIPXE{Cluster: plans[0].Cluster, BaseURL: plans[0].ClusterPlan.PXE.BaseURL}
	for _, p := range plans {
		d.Nodes = append(d.Nodes, struct{ Name, MAC string }{p.Name, p.PXE.MAC})
	}
	script, err := templates.Execute("boot.ipxe", d)
	if err != nil {
		return nil, err
	}
	return []File{{Path: BootIPXEFile, Mode: 0o644, Data: script}}, nil
}
