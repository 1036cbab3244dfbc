package render

import (
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"

	butanejson "github.com/clarketm/json"
	igntypes "github.com/coreos/ignition/v2/config/v3_4/types"

	"github.com/k8sgen/k8sgen/render/plan"
	"github.com/k8sgen/k8sgen/render/spec"
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
	ID         string        `json:"id"`
	Name       string        `json:"name"`
	Boot       *matchboxBoot `json:"boot,omitempty"`
	IgnitionID string        `json:"ignition_id"`
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

// pxeFiles are p's network boot files: its iPXE script, its installer
// config when the OS has one and, for matchbox, its profile, its group
// (selected by its MAC address) and its Ignition config (a copy of config,
// 0600 like it); with an installer, the installer's profile and group too,
// and the installed system's with the selector os=installed.
func pxeFiles(p *plan.NodePlan, config, netcfg []byte) ([]File, error) {
	if p.PXE == nil {
		return nil, nil
	}
	if p.PXE.NetworkConfigArg && netcfg != nil {
		arg, err := networkConfigArg(netcfg)
		if err != nil {
			return nil, err
		}
		q, x := *p, *p.PXE
		x.Args = append(slices.Clip(x.Args), arg)
		q.PXE = &x
		p = &q
	}
	// The spec's rules checked the line without a network-config.
	if n := spec.CmdlineLen(p.PXE.Args); n > spec.MaxKernelCmdline {
		return nil, fmt.Errorf("bootMedia.pxe: node %s's kernel command line with its network-config would be %d bytes, and iPXE passes Linux at most %d: shorten the URLs, bootMedia.pxe.args or the node's addressing", p.Name, n, spec.MaxKernelCmdline)
	}
	script, err := templates.Execute("node.ipxe", p)
	if err != nil {
		return nil, err
	}
	files := []File{{Path: p.Name + "/" + BootIPXEFile, Mode: 0o644, Data: script}}
	var install, matchboxInstall []byte
	if in := p.PXE.Install; in != nil {
		if install, err = installConfig(in, in.ConfigURL, config); err != nil {
			return nil, err
		}
		files = append(files, File{Path: p.Name + "/" + spec.PXEInstallConfig, Mode: 0o644, Data: install})
		if in.MatchboxConfigURL != "" {
			// matchbox serves a config as it re-encodes it: the installer
			// checks those bytes, which the tree then holds.
			if config, err = matchboxForm(config); err != nil {
				return nil, err
			}
			if matchboxInstall, err = installConfig(in, in.MatchboxConfigURL, config); err != nil {
				return nil, err
			}
		}
	}
	if p.ClusterPlan.PXE.MatchboxURL == "" {
		return files, nil
	}
	// A cluster's name has no dot: the first one ends it.
	id := p.Cluster + "." + p.Name
	name := p.Name + " of cluster " + p.Cluster
	var initrd []string
	for _, f := range p.PXE.Initrd {
		initrd = append(initrd, "--name "+f.Name+" "+f.URL)
	}
	boot := &matchboxBoot{Kernel: p.PXE.Kernel, Initrd: initrd, Args: p.PXE.MatchboxArgs}
	mbx := func(id, name string, boot *matchboxBoot, selector map[string]string, mode uint32, ign []byte) ([]File, error) {
		profile, err := json.MarshalIndent(matchboxProfile{ID: id, Name: name, Boot: boot, IgnitionID: id + ".ign"}, "", "  ")
		if err != nil {
			return nil, err
		}
		group, err := json.MarshalIndent(matchboxGroup{ID: id, Name: name, Profile: id, Selector: selector}, "", "  ")
		if err != nil {
			return nil, err
		}
		return []File{
			{Path: MatchboxDir + "/profiles/" + id + ".json", Mode: 0o644, Data: append(profile, '\n')},
			{Path: MatchboxDir + "/groups/" + id + ".json", Mode: 0o644, Data: append(group, '\n')},
			{Path: MatchboxDir + "/ignition/" + id + ".ign", Mode: mode, Data: append([]byte(nil), ign...)},
		}, nil
	}
	byMAC := map[string]string{"mac": p.PXE.MAC}
	if matchboxInstall == nil {
		more, err := mbx(id, name, boot, byMAC, 0o600, config)
		return append(files, more...), err
	}
	more, err := mbx(id, name+", installer", boot, byMAC, 0o644, matchboxInstall)
	if err != nil {
		return nil, err
	}
	files = append(files, more...)
	// The installed system boots from disk: its profile has no boot.
	more, err = mbx(id+"."+plan.MatchboxInstalled, name, nil,
		map[string]string{"mac": p.PXE.MAC, "os": plan.MatchboxInstalled}, 0o600, config)
	return append(files, more...), err
}

// networkConfigArg is the kernel argument that gives cloud-init a node's
// network-config before any datasource: network-config= with the base64 of
// its gzip (cloud-init's cmdline network source reads either form).
func networkConfigArg(netcfg []byte) (string, error) {
	z, err := gzipBytes(netcfg)
	if err != nil {
		return "", err
	}
	return "network-config=" + base64.StdEncoding.EncodeToString(z), nil
}

// matchboxForm is config as matchbox v0.11.0 serves it: decoded into
// Ignition's types and encoded again, compact, by encoding/json (which
// writes every empty struct). Encoding it again gives the same bytes, so
// what matchbox serves has the SHA-512 computed here; the consumer test
// checks that against the real matchbox.
func matchboxForm(config []byte) ([]byte, error) {
	var c igntypes.Config
	if err := json.Unmarshal(config, &c); err != nil {
		return nil, fmt.Errorf("matchbox's copy of the Ignition config: %w", err)
	}
	return json.Marshal(c)
}

// installConfig is the Ignition config of a live system that installs the
// OS: Ignition fetches the node's config from configURL, checked against
// config's SHA-512, and a unit runs the installer on it and reboots. It is
// Ignition's own types through Butane's JSON encoder, as Butane would write
// them; the node's config holds the secrets, this one none.
func installConfig(in *plan.PXEInstall, configURL string, config []byte) ([]byte, error) {
	unit, err := templates.Execute("k8sgen-install.service", in)
	if err != nil {
		return nil, err
	}
	sum := sha512.Sum512(config)
	hash := "sha512-" + hex.EncodeToString(sum[:])
	overwrite, enabled, mode := true, true, 0o600
	unitText := string(unit)
	cfg := igntypes.Config{
		Ignition: igntypes.Ignition{Version: igntypes.MaxVersion.String()},
		Storage: igntypes.Storage{Files: []igntypes.File{{
			Node: igntypes.Node{Path: in.ConfigFile, Overwrite: &overwrite},
			FileEmbedded1: igntypes.FileEmbedded1{Mode: &mode,
				Contents: igntypes.Resource{Source: &configURL, Verification: igntypes.Verification{Hash: &hash}}},
		}}},
		Systemd: igntypes.Systemd{Units: []igntypes.Unit{{Name: "k8sgen-install.service", Enabled: &enabled, Contents: &unitText}}},
	}
	out, err := butanejson.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
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
