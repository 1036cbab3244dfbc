package consumers

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/k8sgen/k8sgen/internal/ignread"
)

// checkIgnition checks a node's config.ign with Ignition's parser for its spec
// version (an empty report: no error, no warning), with ignition-validate built
// from the Ignition module k8sgen links, and then the files it writes with the
// checks every node's files get.
func checkIgnition(t *testing.T, c goldenCase, file string) {
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read %s: %v", file, err)
	}
	t.Run("ignition-validate", func(t *testing.T) {
		bin := ignitionValidate(t)
		out, err := exec.Command(bin, file).CombinedOutput()
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Fatalf("ignition-validate %s: %v\n%s", file, err, out)
		}
	})
	cfg, err := ignread.Parse(raw)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	t.Run("ignition-apply", func(t *testing.T) {
		checkApplied(t, file, cfg)
	})
	files := make([]nodeFile, len(cfg.Files))
	for i, f := range cfg.Files {
		files[i] = nodeFile{f.Path, f.Data}
	}
	checkFiles(t, c, files)
}

// checkApplied has the real Ignition (ignition-apply, hack/ignition.sh) write the
// config into an empty directory, as a first boot writes the real root, and
// checks the tree: every file with its contents and mode, the bootstrap unit and
// its enablement preset, each masked unit linked to /dev/null, and nothing else.
// Users (passwd) are left to the OS image: ignition-apply skips them.
func checkApplied(t *testing.T, file string, cfg *ignread.Config) {
	if os.Geteuid() != 0 {
		missingTool(t, "ignition-apply writes files owned by root: the test needs root")
	}
	bin := ignitionApply(t)
	root := t.TempDir()
	cmd := exec.Command(bin, "--root", root, "--offline", "--ignore-unsupported", file)
	// ignition-apply runs only where it detects a container: a system it would
	// otherwise treat as its own real root.
	cmd.Env = append(os.Environ(), "container=k8sgen-test")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ignition-apply: %v\n%s", err, out)
	}
	want := map[string]bool{}
	for _, f := range cfg.Files {
		p := filepath.Join(root, f.Path)
		got, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("%s: %v", f.Path, err)
			continue
		}
		st, _ := os.Stat(p)
		if string(got) != f.Data || int(st.Mode().Perm()) != f.Mode {
			t.Errorf("%s: %d bytes mode %o written; the config says %d bytes mode %o", f.Path, len(got), st.Mode().Perm(), len(f.Data), f.Mode)
		}
		want[f.Path] = true
	}
	preset, _ := os.ReadFile(filepath.Join(root, "etc/systemd/system-preset/20-ignition.preset"))
	want["/etc/systemd/system-preset/20-ignition.preset"] = true
	for _, u := range cfg.Units {
		p := filepath.Join(root, "etc/systemd/system", u.Name)
		want["/etc/systemd/system/"+u.Name] = true
		switch {
		case u.Mask != nil && *u.Mask:
			if dest, err := os.Readlink(p); err != nil || dest != "/dev/null" {
				t.Errorf("%s is not masked (a link to /dev/null): %q %v", u.Name, dest, err)
			}
		case u.Contents != nil:
			if got, err := os.ReadFile(p); err != nil || string(got) != *u.Contents {
				t.Errorf("%s: not written as the config says (%v)", u.Name, err)
			}
			if u.Enabled != nil && *u.Enabled && !strings.Contains(string(preset), "enable "+u.Name+"\n") {
				t.Errorf("%s is not enabled in the preset:\n%s", u.Name, preset)
			}
		}
	}
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if rel := "/" + strings.TrimPrefix(p, root+"/"); !want[rel] {
			t.Errorf("ignition-apply wrote %s, which the config does not name", rel)
		}
		return nil
	})
	t.Logf("ignition-apply wrote %d files and %d units under a scratch root", len(cfg.Files), len(cfg.Units))
}

var iaOnce hackOnce

// ignitionApply builds (or finds) ignition-apply with hack/ignition.sh, once per run.
func ignitionApply(t *testing.T) string {
	t.Helper()
	needTool(t, "go")
	needTool(t, "gcc")
	return iaOnce.path(t, "ignition.sh")
}

// hackOnce runs a hack/ script that prints the path of what it built or
// fetched (hack/ignition.sh, matchbox.sh, netcfg-schema.sh), once per run.
type hackOnce struct {
	once sync.Once
	out  string
	err  error
}

func (h *hackOnce) path(t *testing.T, name string) string {
	t.Helper()
	h.once.Do(func() {
		script, err := filepath.Abs(filepath.Join("..", "hack", name))
		if err != nil {
			h.err = err
			return
		}
		var stderr bytes.Buffer
		cmd := exec.Command("bash", script)
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			h.err = fmt.Errorf("%s: %v\n%s", script, err, stderr.String())
			return
		}
		h.out = strings.TrimSpace(string(out))
	})
	if h.err != nil {
		t.Fatal(h.err)
	}
	return h.out
}

var ivOnce struct {
	sync.Once
	path string
	err  error
}

// ignitionValidate builds ignition-validate from the Ignition module in go.mod
// (the validator Ignition's releases ship), once per test run.
func ignitionValidate(t *testing.T) string {
	t.Helper()
	needTool(t, "go")
	ivOnce.Do(func() {
		dir, err := os.MkdirTemp("", "k8sgen-ignition-validate-")
		if err != nil {
			ivOnce.err = err
			return
		}
		ivOnce.path = filepath.Join(dir, "ignition-validate")
		out, err := exec.Command("go", "build", "-o", ivOnce.path, "github.com/coreos/ignition/v2/validate").CombinedOutput()
		if err != nil {
			ivOnce.err = fmt.Errorf("go build ignition-validate: %v\n%s", err, strings.TrimSpace(string(out)))
		}
	})
	if ivOnce.err != nil {
		t.Fatal(ivOnce.err)
	}
	return ivOnce.path
}

// TestOtherIgnitionConfigs has ignition-validate check the Ignition configs
// beside the nodes' config.ign: installer configs (install.ign) and
// matchbox's copies.
func TestOtherIgnitionConfigs(t *testing.T) {
	var files []string
	for _, pattern := range []string{"*/out/*/install.ign", "*/out/matchbox/ignition/*.ign"} {
		m, err := filepath.Glob(filepath.Join(goldenRoot, pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no install.ign or matchbox config among the goldens: the flatcar-pxe case writes both")
	}
	bin := ignitionValidate(t)
	for _, f := range files {
		rel, _ := filepath.Rel(goldenRoot, f)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			out, err := exec.Command(bin, f).CombinedOutput()
			if err != nil || len(bytes.TrimSpace(out)) > 0 {
				t.Fatalf("ignition-validate: %v\n%s", err, out)
			}
		})
	}
}
