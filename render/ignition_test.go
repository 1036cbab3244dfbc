package render_test

import (
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	ignv34 "github.com/coreos/ignition/v2/config/v3_4"
	"github.com/k8sgen/k8sgen/internal/ignread"
	"github.com/k8sgen/k8sgen/render"
	"github.com/k8sgen/k8sgen/render/plan"
)

type ignFile = ignread.File

// parseIgnition reads raw as Ignition does (ignread) and returns its files by
// path and its units.
func parseIgnition(t *testing.T, raw []byte) (map[string]ignFile, []ignread.Unit) {
	t.Helper()
	c, err := ignread.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]ignFile{}
	for _, f := range c.Files {
		files[f.Path] = f
	}
	return files, c.Units
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
					// config.ign first; network boot adds the node's script and matchbox's files.
					if len(n.Files) == 0 || n.Files[0].Path != p.Name+"/config.ign" || n.Files[0].Mode != 0o600 {
						t.Fatalf("want %s/config.ign first, mode 0600; got %d files", p.Name, len(n.Files))
					}
					for _, f := range n.Files[1:] {
						switch {
						case p.PXE != nil && p.PXE.Install != nil && f.Path == p.Name+"/install.ign":
							checkInstallConfig(t, f.Data, p.PXE.Install.ConfigURL, n.Files[0].Data)
						case p.PXE == nil || f.Path != p.Name+"/boot.ipxe" && !strings.HasPrefix(f.Path, "matchbox/"):
							t.Errorf("unexpected file %s", f.Path)
						}
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
					var boot *ignread.Unit
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
					c, err := ignread.Parse(n.Files[0].Data)
					if err != nil {
						t.Fatal(err)
					}
					var keys []string
					debug := false
					for _, u := range c.Users {
						switch {
						case u.Name == p.OS.LoginUser:
							keys = append(keys, u.Keys...)
						case p.DebugUser != nil && u.Name == p.DebugUser.Name:
							// The debugging login: its hash, its keys, the admin group, nothing else.
							debug = true
							d := p.DebugUser
							hash := ""
							if u.PasswordHash != nil {
								hash = *u.PasswordHash
							}
							if hash != d.PasswordHash || strings.Join(u.Keys, "\n") != strings.Join(d.SSHAuthorizedKeys, "\n") ||
								strings.Join(u.Groups, ",") != d.Group {
								t.Errorf("debug user %q is %+v, the plan's %+v", u.Name, u, d)
							}
						default:
							t.Errorf("config.ign configures user %q; k8sgen only gives %s its keys and adds debugUser", u.Name, p.OS.LoginUser)
						}
					}
					if debug != (p.DebugUser != nil) {
						t.Errorf("debugUser in config.ign: %t, in the plan: %t", debug, p.DebugUser != nil)
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

// checkInstallConfig: an installer config fetches the node's config from its
// URL, checked against the SHA-512 of the bytes written as config.ign.
func checkInstallConfig(t *testing.T, install []byte, url string, config []byte) {
	t.Helper()
	cfg, rpt, err := ignv34.Parse(install)
	if err != nil || len(rpt.Entries) > 0 {
		t.Fatalf("install.ign: %v %s", err, rpt)
	}
	sum := sha512.Sum512(config)
	if len(cfg.Storage.Files) != 1 {
		t.Fatalf("install.ign writes %d files, want the node's config", len(cfg.Storage.Files))
	}
	c := cfg.Storage.Files[0].Contents
	if c.Source == nil || *c.Source != url || c.Verification.Hash == nil || *c.Verification.Hash != "sha512-"+hex.EncodeToString(sum[:]) {
		t.Errorf("install.ign fetches %v (hash %v); want %s with config.ign's SHA-512", c.Source, c.Verification.Hash, url)
	}
}
