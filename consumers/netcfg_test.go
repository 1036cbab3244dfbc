package consumers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// TestNetworkConfigs checks every rendered network-config twice: against
// cloud-init's own JSON schema for version 2 (loose: it checks the keys and
// their types) and with netplan's parser (strict), which is what Ubuntu's
// cloud-init hands a version 2 config to. netplan must then write the node's
// address, gateway and DNS into the systemd-networkd files it generates.
// A broken config must fail both, or the checks prove nothing.
func TestNetworkConfigs(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(goldenRoot, "*", "out", "*", "network-config"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no golden network-config under %s: the static-lab case writes three", goldenRoot)
	}
	schema := netcfgSchema(t)
	netplan := netplanTool(t)
	for _, f := range files {
		rel, _ := filepath.Rel(goldenRoot, f)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := validateNetcfg(schema, data); err != nil {
				t.Errorf("cloud-init's network-config v2 schema refuses %s:\n%v", rel, err)
			}
			checkNetConvert(t, f, data)
			out, err := netplanGenerate(t, netplan, data)
			if err != nil {
				t.Fatalf("netplan generate refuses %s: %v\n%s", rel, err, out)
			}
			var cfg struct {
				Ethernets map[string]struct {
					Addresses []string `yaml:"addresses"`
					Routes    []struct {
						Via string `yaml:"via"`
					} `yaml:"routes"`
					Nameservers struct {
						Addresses []string `yaml:"addresses"`
					} `yaml:"nameservers"`
				} `yaml:"ethernets"`
			}
			if err := yaml.Unmarshal(data, &cfg); err != nil {
				t.Fatal(err)
			}
			for _, e := range cfg.Ethernets {
				want := []string{"Address=" + e.Addresses[0]}
				for _, r := range e.Routes {
					want = append(want, "Gateway="+r.Via)
				}
				for _, ns := range e.Nameservers.Addresses {
					want = append(want, "DNS="+ns)
				}
				for _, w := range want {
					if !strings.Contains(out, w+"\n") {
						t.Errorf("netplan's networkd files for %s lack %q:\n%s", rel, w, out)
					}
				}
			}
		})
	}
	t.Run("a broken config fails both", func(t *testing.T) {
		data, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := validateNetcfg(schema, bytes.Replace(data, []byte("version: 2"), []byte("version: 3"), 1)); err == nil {
			t.Error("the schema accepts version: 3")
		}
		if out, err := netplanGenerate(t, netplan, bytes.Replace(data, []byte("addresses:"), []byte("adresses:"), 1)); err == nil {
			t.Errorf("netplan accepts a misspelt key:\n%s", out)
		}
	})
}

// checkNetConvert has this machine's cloud-init (22.4 on Debian 12, the
// oldest that k8sgen's OSes ship) turn the config into each renderer's files
// as it would on a node: ifupdown (Debian), networkd, sysconfig (the RHEL
// family) and netplan (Ubuntu). Each must take it and carry the address.
func checkNetConvert(t *testing.T, file string, data []byte) {
	t.Helper()
	ci := needTool(t, "cloud-init")
	var cfg struct {
		Ethernets map[string]struct {
			Addresses []string `yaml:"addresses"`
		} `yaml:"ethernets"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct{ kind, distro string }{{"eni", "debian"}, {"networkd", "debian"}, {"sysconfig", "rhel"}, {"netplan", "ubuntu"}} {
		kind := r.kind
		dir := t.TempDir()
		out, err := exec.Command(ci, "devel", "net-convert", "--network-data", file, "--kind", "yaml",
			"--output-kind", kind, "--distro", r.distro, "--directory", dir).CombinedOutput()
		if err != nil {
			t.Errorf("cloud-init devel net-convert --output-kind %s refuses it: %v\n%s", kind, err, out)
			continue
		}
		var all strings.Builder
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				b, _ := os.ReadFile(p)
				all.Write(b)
			}
			return nil
		})
		for _, e := range cfg.Ethernets {
			ip, _, _ := strings.Cut(e.Addresses[0], "/")
			if !strings.Contains(all.String(), ip) {
				t.Errorf("cloud-init's %s files lack the address %s:\n%s", kind, ip, all.String())
			}
		}
	}
}

var netcfgSchemaOnce hackOnce

// netcfgSchema compiles cloud-init's network-config v2 schema, fetched by
// hack/netcfg-schema.sh once per run.
func netcfgSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	needTool(t, "apt-get")
	f, err := os.Open(netcfgSchemaOnce.path(t, "netcfg-schema.sh"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("network-config-v2.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("network-config-v2.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// validateNetcfg checks a network-config, read as YAML, against the schema.
func validateNetcfg(s *jsonschema.Schema, data []byte) error {
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return err
	}
	// The schema validator takes what encoding/json decodes.
	j, err := json.Marshal(v)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		return err
	}
	return s.Validate(inst)
}

// netplanTool is netplan's path (/usr/sbin is not on every PATH).
func netplanTool(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("netplan"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/netplan"); err == nil {
		return "/usr/sbin/netplan"
	}
	missingTool(t, "netplan (Debian's netplan.io) not found")
	return ""
}

// netplanGenerate has netplan generate networkd files from a network-config
// as cloud-init writes it for netplan (under a top-level network key, in
// /etc/netplan/50-cloud-init.yaml) in a root of its own; it returns the
// generated .network files, or netplan's output when it fails.
func netplanGenerate(t *testing.T, netplan string, data []byte) (string, error) {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "etc", "netplan")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("network:\n")
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if line != "" {
			b.WriteString("  " + line)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "50-cloud-init.yaml"), []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(netplan, "generate", "--root-dir", root).CombinedOutput()
	if err != nil {
		return string(out), err
	}
	nets, _ := filepath.Glob(filepath.Join(root, "run", "systemd", "network", "*.network"))
	if len(nets) == 0 {
		return string(out), fmt.Errorf("netplan wrote no .network file")
	}
	var all strings.Builder
	for _, n := range nets {
		data, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(data)
	}
	return all.String(), nil
}
