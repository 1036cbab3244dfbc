package consumers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// cmdlineProbe runs cloud-init's own readers of the kernel command line (its
// NoCloud datasource's ds= parser and its network-config= source) over one
// command line, given as argv[1], and prints what they found as JSON.
const cmdlineProbe = `
import json, sys
from cloudinit.sources import DataSourceNoCloud
from cloudinit.net import cmdline
fill = {}
found = DataSourceNoCloud.load_cmdline_data(fill, sys.argv[1])
print(json.dumps({"nocloud": found, "seedfrom": fill.get("seedfrom"), "dsmode": fill.get("dsmode"),
                  "network": cmdline.read_kernel_cmdline_config(cmdline=sys.argv[1])}))
`

// TestCloudInitReadsTheKernelCommandLine: for every golden node booted from
// the network onto a cloud-init OS, cloud-init itself (the Python of the
// cloud-init on PATH) reads the kernel command line of its boot.ipxe: the
// NoCloud datasource over the network from the node's directory (or its
// autoinstall directory) and, for a node with a network-config that its
// script carries, that network-config, as it reads.
func TestCloudInitReadsTheKernelCommandLine(t *testing.T) {
	bin := needTool(t, "cloud-init")
	python := interpreterOf(t, bin)
	scripts, err := filepath.Glob(filepath.Join(goldenRoot, "*", "out", "*", "boot.ipxe"))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, script := range scripts {
		node := filepath.Dir(script)
		if _, err := os.Stat(filepath.Join(node, "user-data")); err != nil {
			continue // an Ignition OS
		}
		rel, _ := filepath.Rel(goldenRoot, script)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			line := kernelLine(t, script)
			out, err := exec.Command(python, "-c", cmdlineProbe, line).Output()
			if err != nil {
				t.Fatalf("cloud-init's readers: %v", err)
			}
			var got struct {
				NoCloud  bool   `json:"nocloud"`
				SeedFrom string `json:"seedfrom"`
				DSMode   string `json:"dsmode"`
				Network  any    `json:"network"`
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			name := filepath.Base(node)
			if !got.NoCloud || got.DSMode != "net" || !(strings.HasSuffix(got.SeedFrom, "/"+name+"/") || strings.HasSuffix(got.SeedFrom, "/"+name+"/autoinstall/")) {
				t.Errorf("cloud-init reads NoCloud %v, mode %q, from %q; want the network, from the node's directory", got.NoCloud, got.DSMode, got.SeedFrom)
			}
			var want any
			if data, err := os.ReadFile(filepath.Join(node, "network-config")); err == nil && strings.Contains(line, "network-config=") {
				if err := yaml.Unmarshal(data, &want); err != nil {
					t.Fatal(err)
				}
				// As JSON, the way the probe printed cloud-init's.
				j, _ := json.Marshal(want)
				want = nil
				json.Unmarshal(j, &want)
			}
			if !reflect.DeepEqual(got.Network, want) {
				t.Errorf("cloud-init reads the network %v from the command line; want the node's network-config %v", got.Network, want)
			}
			checked++
		})
	}
	if checked == 0 {
		t.Fatal("no golden cloud-init node boots from the network: debian-pxe and ubuntu-pxe do")
	}
}

// kernelLine is the command line of an iPXE script's kernel line: its
// arguments after the kernel's URL.
func kernelLine(t *testing.T, script string) string {
	t.Helper()
	data, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) > 1 && f[0] == "kernel" {
			return strings.Join(f[2:], " ")
		}
	}
	t.Fatalf("%s has no kernel line", script)
	return ""
}

// interpreterOf is the interpreter of a script's #! line.
func interpreterOf(t *testing.T, script string) string {
	t.Helper()
	data, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(strings.TrimPrefix(first, "#!"))
	if !strings.HasPrefix(first, "#!") || len(f) == 0 {
		t.Fatalf("%s has no #! line", script)
	}
	return f[0]
}
