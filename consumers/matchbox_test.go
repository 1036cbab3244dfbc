package consumers

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	ignition "github.com/coreos/ignition/v2/config/v3_4"
	ignitiontypes "github.com/coreos/ignition/v2/config/v3_4/types"
	"gopkg.in/yaml.v3"
)

// TestMatchbox runs the real matchbox (v0.11.0, hack/matchbox.sh) on loopback
// over every golden matchbox/ tree, as its data directory. For each node,
// selected by its group's MAC address:
//   - GET /ipxe gives the node's own boot.ipxe as matchbox writes it: the same
//     kernel, initrds and arguments, its Ignition config fetched from matchbox;
//   - GET /ignition gives the node's config.ign (as Ignition reads both) or,
//     for an OS whose live system runs an installer, its install.ign, whose
//     installed config, fetched from matchbox as the live system would, has
//     the SHA-512 the installer checks and is config.ign (matchbox re-encodes
//     a config; k8sgen's tree holds the installed config in that encoding).
func TestMatchbox(t *testing.T) {
	trees, err := filepath.Glob(filepath.Join(goldenRoot, "*", "out", "matchbox"))
	if err != nil {
		t.Fatal(err)
	}
	if len(trees) == 0 {
		t.Fatalf("no golden matchbox tree under %s: the fcos-pxe case writes one", goldenRoot)
	}
	bin := matchboxBinary(t)
	for _, tree := range trees {
		rel, _ := filepath.Rel(goldenRoot, tree)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			var spec struct {
				BootMedia struct {
					PXE struct {
						BaseURL     string `yaml:"baseURL"`
						MatchboxURL string `yaml:"matchboxURL"`
					} `yaml:"pxe"`
				} `yaml:"bootMedia"`
			}
			raw, err := os.ReadFile(filepath.Join(filepath.Dir(filepath.Dir(tree)), "cluster.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if err := yaml.Unmarshal(raw, &spec); err != nil {
				t.Fatal(err)
			}
			serveURL := strings.TrimRight(spec.BootMedia.PXE.BaseURL, "/")
			mbxURL := strings.TrimRight(spec.BootMedia.PXE.MatchboxURL, "/")
			base := startMatchbox(t, bin, tree)
			groups, _ := filepath.Glob(filepath.Join(tree, "groups", "*.json"))
			if len(groups) == 0 {
				t.Fatal("no groups")
			}
			out := filepath.Dir(tree)
			for _, g := range groups {
				var group struct {
					ID       string            `json:"id"`
					Profile  string            `json:"profile"`
					Selector map[string]string `json:"selector"`
				}
				readJSON(t, g, &group)
				if group.Selector["os"] == "installed" {
					continue // the installer's config fetches it, below
				}
				var profile struct {
					Name string `json:"name"`
				}
				readJSON(t, filepath.Join(tree, "profiles", group.Profile+".json"), &profile)
				node, _, _ := strings.Cut(profile.Name, " ")
				mac := strings.ReplaceAll(group.Selector["mac"], ":", "-")
				// The first boot's config: the node's own, or its installer's.
				first := "config.ign"
				if _, err := os.Stat(filepath.Join(out, node, "install.ign")); err == nil {
					first = "install.ign"
				}

				script := get(t, base+"/ipxe?mac="+mac)
				own, err := os.ReadFile(filepath.Join(out, node, "boot.ipxe"))
				if err != nil {
					t.Fatal(err)
				}
				// The same boot, but the config comes from matchbox, by MAC.
				want := strings.ReplaceAll(ipxeBoot(string(own)), serveURL+"/"+node+"/"+first, mbxURL+"/ignition?mac=${mac:hexhyp}")
				if got := ipxeBoot(script); got != want || got == "" || !strings.Contains(string(own), first) {
					t.Errorf("%s: matchbox's iPXE script boots\n%s\nwant (k8sgen's boot.ipxe, its config from matchbox)\n%s", node, got, want)
				}

				a := parseIgnition(t, node+": matchbox's Ignition config", []byte(get(t, base+"/ignition?mac="+mac)))
				b := parseIgnition(t, node+": "+first, readFile(t, filepath.Join(out, node, first)))
				if first == "install.ign" {
					// The installer fetches the installed system's config from
					// matchbox (os=installed), checked by its SHA-512: fetch it
					// as the live system would, and compare with config.ign.
					if len(a.Storage.Files) != 1 || len(b.Storage.Files) != 1 {
						t.Fatalf("%s: an installer config writes the node's config alone", node)
					}
					ac, bc := &a.Storage.Files[0].Contents, &b.Storage.Files[0].Contents
					src := *ac.Source
					if !strings.HasPrefix(src, mbxURL+"/ignition?") || *bc.Source != serveURL+"/"+node+"/config.ign" {
						t.Fatalf("%s: the installers fetch %s and %s", node, src, *bc.Source)
					}
					installed := []byte(get(t, base+strings.TrimPrefix(src, mbxURL)))
					sum := sha512.Sum512(installed)
					if ac.Verification.Hash == nil || *ac.Verification.Hash != "sha512-"+hex.EncodeToString(sum[:]) {
						t.Errorf("%s: matchbox serves the installed config with another SHA-512 than the installer checks", node)
					}
					if !reflect.DeepEqual(parseIgnition(t, node+": the installed config from matchbox", installed),
						parseIgnition(t, node+": config.ign", readFile(t, filepath.Join(out, node, "config.ign")))) {
						t.Errorf("%s: matchbox serves another installed config than config.ign", node)
					}
					// The rest is install.ign's: the hash is of matchbox's encoding.
					ac.Source, ac.Verification = bc.Source, bc.Verification
				}
				if !reflect.DeepEqual(a, b) {
					t.Errorf("%s: matchbox serves another Ignition config than %s", node, first)
				}
			}
			if resp := get(t, base+"/ipxe?mac=52-54-00-ff-ff-ff"); resp != "" && !strings.Contains(resp, "404") {
				t.Errorf("an unknown MAC got a script:\n%s", resp)
			}
		})
	}
}

// ipxeBoot is what an iPXE script boots: its kernel, initrd and boot
// commands, one a line, with single spaces.
func ipxeBoot(script string) string {
	var lines []string
	for _, line := range strings.Split(script, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || (f[0] != "kernel" && f[0] != "initrd" && f[0] != "boot") {
			continue
		}
		lines = append(lines, strings.Join(f, " "))
	}
	return strings.Join(lines, "\n")
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// get fetches url and returns the body of a 200, or "404" and the like.
func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Sprint(resp.StatusCode)
	}
	return string(body)
}

// startMatchbox runs matchbox on a free loopback port with data as its data
// directory, until the test ends, and returns its base URL.
func startMatchbox(t *testing.T, bin, data string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var log bytes.Buffer
	cmd := exec.Command(bin, "-address", addr, "-data-path", data, "-assets-path", t.TempDir(), "-log-level", "debug")
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("matchbox's log:\n%s", log.String())
		}
	})
	for i := 0; i < 100; i++ {
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			return "http://" + addr
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("matchbox did not listen on %s:\n%s", addr, log.String())
	return ""
}

var matchboxOnce hackOnce

// matchboxBinary builds (or finds) matchbox with hack/matchbox.sh, once per run.
func matchboxBinary(t *testing.T) string {
	t.Helper()
	needTool(t, "go")
	return matchboxOnce.path(t, "matchbox.sh")
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// parseIgnition parses an Ignition 3.4 config; what is the message's subject.
func parseIgnition(t *testing.T, what string, data []byte) ignitiontypes.Config {
	t.Helper()
	cfg, rpt, err := ignition.Parse(data)
	if err != nil || len(rpt.Entries) > 0 {
		t.Fatalf("%s does not parse: %v %s", what, err, rpt)
	}
	return cfg
}
