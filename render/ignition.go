package render

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/coreos/butane/config"
	"github.com/coreos/butane/config/common"
	"github.com/k8sgen/k8sgen/render/plan"
	"github.com/k8sgen/k8sgen/templates"
)

// The Butane config k8sgen writes: the plan's files, the unit that runs the
// bootstrap script, and the units the OS profile masks. It is encoded with the
// YAML encoder (no value is placed by hand) and translated to Ignition in-process.
type butaneConfig struct {
	Variant string        `yaml:"variant"`
	Version string        `yaml:"version"`
	Passwd  *butanePasswd `yaml:"passwd,omitempty"`
	Storage butaneStorage `yaml:"storage"`
	Systemd butaneSystemd `yaml:"systemd"`
}

type butanePasswd struct {
	Users []butaneUser `yaml:"users"`
}

type butaneUser struct {
	Name              string   `yaml:"name"`
	PasswordHash      string   `yaml:"password_hash,omitempty"`
	Groups            []string `yaml:"groups,omitempty"`
	SSHAuthorizedKeys []string `yaml:"ssh_authorized_keys,omitempty"`
}

type butaneStorage struct {
	Files []butaneFile `yaml:"files"`
}

type butaneFile struct {
	Path      string         `yaml:"path"`
	Mode      int            `yaml:"mode"`
	Overwrite bool           `yaml:"overwrite"`
	Contents  butaneContents `yaml:"contents"`
}

type butaneContents struct {
	Inline string `yaml:"inline"`
}

type butaneSystemd struct {
	Units []butaneUnit `yaml:"units"`
}

type butaneUnit struct {
	Name     string `yaml:"name"`
	Enabled  *bool  `yaml:"enabled,omitempty"`
	Mask     bool   `yaml:"mask,omitempty"`
	Contents string `yaml:"contents,omitempty"`
}

// BootstrapUnit is the systemd unit that runs the bootstrap script where
// Ignition, not cloud-init, configures the first boot.
const BootstrapUnit = "k8sgen-bootstrap.service"

// ButaneFor is the node's Butane config, as YAML: what ignitionFor translates,
// and what a person reads to review a config.ign.
func ButaneFor(p *plan.NodePlan) ([]byte, error) {
	bc := butaneConfig{Variant: p.OS.Butane.Variant, Version: p.OS.Butane.Version}
	var users []butaneUser
	if len(p.SSHAuthorizedKeys) > 0 {
		users = append(users, butaneUser{Name: p.OS.LoginUser, SSHAuthorizedKeys: p.SSHAuthorizedKeys})
	}
	if u := p.DebugUser; u != nil {
		// Sudo comes with the admin group, whose sudoers rule the OS ships.
		users = append(users, butaneUser{Name: u.Name, PasswordHash: u.PasswordHash, Groups: []string{u.Group}, SSHAuthorizedKeys: u.SSHAuthorizedKeys})
	}
	if len(users) > 0 {
		bc.Passwd = &butanePasswd{Users: users}
	}
	for _, f := range p.Files {
		content, err := FileContent(p, f)
		if err != nil {
			return nil, err
		}
		mode, err := strconv.ParseUint(f.Mode, 8, 12)
		if err != nil {
			return nil, fmt.Errorf("%s: mode %q: %w", f.Path, f.Mode, err)
		}
		bc.Storage.Files = append(bc.Storage.Files, butaneFile{Path: f.Path, Mode: int(mode), Overwrite: true, Contents: butaneContents{Inline: string(content)}})
	}
	unit, err := templates.Execute("k8sgen-bootstrap.service", p.ClusterPlan)
	if err != nil {
		return nil, err
	}
	on := true
	bc.Systemd.Units = append(bc.Systemd.Units, butaneUnit{Name: BootstrapUnit, Enabled: &on, Contents: string(unit)})
	for _, u := range p.OS.MaskUnits {
		bc.Systemd.Units = append(bc.Systemd.Units, butaneUnit{Name: u, Mask: true})
	}
	return encodeYAML(bc)
}

// FileContent renders one planned file, as every encoder writes it.
func FileContent(p *plan.NodePlan, f plan.File) ([]byte, error) {
	if f.Template == "" {
		return []byte(f.Content), nil
	}
	var data any = p
	if f.Data != nil {
		data = f.Data
	}
	return templates.Execute(f.Template, data)
}

// ignitionFor translates the node's Butane config to an Ignition config with
// Butane's own translator. Butane has no strict mode: any entry in its report
// (an error, a warning, even a note) on k8sgen's own config is a k8sgen bug, and
// fails the render. compress lets Butane gzip the files that shrink.
func ignitionFor(p *plan.NodePlan, compress bool) ([]byte, error) {
	bu, err := ButaneFor(p)
	if err != nil {
		return nil, err
	}
	// Readable JSON as written; with compression, compact JSON too, as what
	// counts then is the size (user data is 16 KiB on AWS).
	opts := common.TranslateBytesOptions{Pretty: !compress}
	opts.NoResourceAutoCompression = !compress
	ign, rep, err := config.TranslateBytes(bu, opts)
	if len(rep.Entries) > 0 {
		var msgs []string
		for _, e := range rep.Entries {
			msgs = append(msgs, e.String())
		}
		return nil, fmt.Errorf("butane %s %s: %s", p.OS.Butane.Variant, p.OS.Butane.Version, strings.Join(msgs, "; "))
	}
	if err != nil {
		return nil, fmt.Errorf("butane %s %s: %w", p.OS.Butane.Variant, p.OS.Butane.Version, err)
	}
	return append(ign, '\n'), nil
}
