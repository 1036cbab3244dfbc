package render_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/coreos/ignition/v2/config/v3_4"
	"github.com/coreos/ignition/v2/config/v3_5"
	"github.com/coreos/vcontext/report"
	"github.com/k8sgen/k8sgen/render"
	"github.com/k8sgen/k8sgen/render/plan"
	"github.com/vincent-petithory/dataurl"
)

// ignFile is one file of an Ignition config, decoded.
type ignFile struct {
	Mode int
	Data string
}

// ignUnit is one systemd unit of an Ignition config.
type ignUnit struct {
	Name     string  `json:"name"`
	Enabled  *bool   `json:"enabled"`
	Mask     *bool   `json:"mask"`
	Contents *string `json:"contents"`
}

// parseIgnition parses raw with Ignition's own parser for the config's spec
// version and fails on any report entry (Ignition's warnings included), then
// returns its files, decoded, and its units.
func parseIgnition(t *testing.T, raw []byte) (map[string]ignFile, []ignUnit) {
	t.Helper()
	var head struct {
		Ignition struct{ Version string } `json:"ignition"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		t.Fatalf("config.ign is not JSON: %v", err)
	}
	var rep report.Report
	var err error
	switch head.Ignition.Version {
	case "3.4.0":
		_, rep, err = v3_4.Parse(raw)
	case "3.5.0":
		_, rep, err = v3_5.Parse(raw)
	default:
		t.Fatalf("Ignition spec %q: k8sgen writes 3.4.0 (flatcar 1.1.0) or 3.5.0 (fcos 1.6.0)", head.Ignition.Version)
	}
	if err != nil || len(rep.Entries) > 0 {
		t.Fatalf("Ignition %s parser: %v; report: %s", head.Ignition.Version, err, rep.String())
	}
	var cfg struct {
		Storage struct {
			Files []struct {
				Path     string `json:"path"`
				Mode     *int   `json:"mode"`
				Contents struct {
					Source      *string `json:"source"`
					Compression *string `json:"compression"`
				} `json:"contents"`
			} `json:"files"`
		} `json:"storage"`
		Systemd struct {
			Units []ignUnit `json:"units"`
		} `json:"systemd"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	files := map[string]ignFile{}
	for _, f := range cfg.Storage.Files {
		if f.Contents.Source == nil || f.Mode == nil {
			t.Fatalf("%s: no contents or no mode", f.Path)
		}
		du, err := dataurl.DecodeString(*f.Contents.Source)
		if err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		data := du.Data
		if c := f.Contents.Compression; c != nil && *c == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("%s: %v", f.Path, err)
			}
			if data, err = io.ReadAll(zr); err != nil {
				t.Fatalf("%s: %v", f.Path, err)
			}
		} else if c != nil && *c != "" {
			t.Fatalf("%s: compression %q", f.Path, *c)
		}
		if _, dup := files[f.Path]; dup {
			t.Fatalf("%s is written twice", f.Path)
		}
		files[f.Path] = ignFile{Mode: *f.Mode, Data: string(data)}
	}
	return files, cfg.Systemd.Units
}

// TestIgnitionCarriesThePlan: for every golden case whose OS boots from
// Ignition, plain and with Butane's compression, each node's config.ign parses
// with Ignition's parser of its spec version with an empty report, writes exactly
// the plan's files with the plan's modes and contents, enables the bootstrap unit
// (which runs the plan's script) and masks what the profile masks.
func TestIgnitionCarriesThePlan(t *testing.T) {
	seen := 0
	for _, dir := range cases(t) {
		c, b := loadCase(t, dir)
		plans, err := plan.Build(c, b)
		if err != nil {
			t.Fatal(err)
		}
		if plans[0].OS.Output != "ignition" {
			continue
		}
		seen++
		for _, gz := range []bool{false, true} {
			res, err := render.Render(c, b, render.Options{Gzip: gz})
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range plans {
				n := res.Nodes[i]
				t.Run(fmt.Sprintf("%s/%s/gzip=%v", filepath.Base(dir), p.Name, gz), func(t *testing.T) {
					if len(n.Files) != 1 || n.Files[0].Path != p.Name+"/config.ign" || n.Files[0].Mode != 0o600 {
						t.Fatalf("want one file %s/config.ign, mode 0600; got %+v", p.Name, n.Files)
					}
					files, units := parseIgnition(t, n.Files[0].Data)
					if len(files) != len(p.Files) {
						t.Errorf("config.ign writes %d files, the plan %d", len(files), len(p.Files))
					}
					for _, f := range p.Files {
						got, ok := files[f.Path]
						if !ok {
							t.Errorf("%s: not in config.ign", f.Path)
							continue
						}
						want, err := render.FileContent(p, f)
						if err != nil {
							t.Fatal(err)
						}
						mode, _ := strconv.ParseInt(f.Mode, 8, 32)
						if got.Mode != int(mode) || got.Data != string(want) {
							t.Errorf("%s: mode %o, %d bytes; the plan says %s, %d bytes", f.Path, got.Mode, len(got.Data), f.Mode, len(want))
						}
					}
					masked := map[string]bool{}
					var boot *ignUnit
					for i, u := range units {
						if u.Mask != nil && *u.Mask {
							masked[u.Name] = true
						}
						if u.Name == render.BootstrapUnit {
							boot = &units[i]
						}
					}
					for _, u := range p.OS.MaskUnits {
						if !masked[u] {
							t.Errorf("%s is not masked", u)
						}
					}
					if boot == nil || boot.Enabled == nil || !*boot.Enabled || boot.Contents == nil {
						t.Fatalf("no enabled %s with contents", render.BootstrapUnit)
					}
					if !strings.Contains(*boot.Contents, "\nExecStart=\""+p.Paths.Bootstrap+"\"\n") {
						t.Errorf("%s does not run %s:\n%s", render.BootstrapUnit, p.Paths.Bootstrap, *boot.Contents)
					}
					if _, ok := files[p.Paths.Bootstrap]; !ok {
						t.Errorf("the bootstrap script %s is not written", p.Paths.Bootstrap)
					}
					var pw struct {
						Passwd struct {
							Users []struct {
								Name string   `json:"name"`
								Keys []string `json:"sshAuthorizedKeys"`
							} `json:"users"`
						} `json:"passwd"`
					}
					if err := json.Unmarshal(n.Files[0].Data, &pw); err != nil {
						t.Fatal(err)
					}
					var keys []string
					for _, u := range pw.Passwd.Users {
						if u.Name != p.OS.LoginUser {
							t.Errorf("config.ign configures user %q; k8sgen only gives %s its keys", u.Name, p.OS.LoginUser)
						}
						keys = append(keys, u.Keys...)
					}
					if strings.Join(keys, "\n") != strings.Join(p.SSHAuthorizedKeys, "\n") {
						t.Errorf("%s's SSH keys are %q, the spec's %q", p.OS.LoginUser, keys, p.SSHAuthorizedKeys)
					}
				})
			}
		}
	}
	if seen == 0 {
		t.Fatal("no golden case boots from Ignition")
	}
}
