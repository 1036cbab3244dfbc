// Package hostprep tests the helpers that boot lab stage 1 runs inside the guest
// (checks.sh): the checks parse JSON and TOML, so a reordered key or another
// spacing in crictl's or containerd's output cannot fail them, and a wrong value does.
package hostprep

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// run calls one checks.sh function with args and reports whether it succeeded.
func run(t *testing.T, dir string, args ...string) bool {
	t.Helper()
	for _, tool := range []string{"bash", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s", tool)
		}
	}
	cmd := exec.Command("bash", append([]string{"-c", `. ./checks.sh; "$@"`, "checks"}, args...)...)
	cmd.Env = append(os.Environ(), "FIXTURES="+dir)
	out, err := cmd.CombinedOutput()
	t.Logf("%v: %s", args, out)
	return err == nil
}

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRuntimeReadyInAnyKeyOrder(t *testing.T) {
	dir := t.TempDir()
	const expr = `[c["status"] for c in d["status"]["conditions"] if c["type"] == "RuntimeReady"] == [True]`
	for name, text := range map[string]string{
		// crictl 1.30 against containerd 2.1 prints "type" first; older pairs "status" first.
		"type-first.json":   `{"status": {"conditions": [{"type": "RuntimeReady", "status": true}, {"type": "NetworkReady", "status": false}]}}`,
		"status-first.json": `{"status": {"conditions": [{"status": true, "type": "RuntimeReady", "reason": ""}]}}`,
	} {
		p := write(t, dir, name, text)
		if !run(t, dir, "json_cmd_check", expr, "cat", p) {
			t.Errorf("%s: RuntimeReady not seen", name)
		}
	}
	p := write(t, dir, "not-ready.json", `{"status": {"conditions": [{"status": false, "type": "RuntimeReady"}, {"status": true, "type": "NetworkReady"}]}}`)
	if run(t, dir, "json_cmd_check", expr, "cat", p) {
		t.Error("a runtime that is not ready passed")
	}
}

func TestContainerdSettingsIn17And2x(t *testing.T) {
	dir := t.TempDir()
	v3 := write(t, dir, "v3.toml", `version = 3
[plugins.'io.containerd.cri.v1.images'.pinned_images]
  sandbox = "harbor:443/k8s/pause:3.10"
[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
  SystemdCgroup = true
[plugins.'io.containerd.cri.v1.images'.registry.configs."harbor:443".auth]
  username = "lab"
`)
	v2 := write(t, dir, "v2.toml", `version = 2
[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "harbor:443/k8s/pause:3.9"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      SystemdCgroup=true
`)
	for _, tc := range []struct {
		args []string
		ok   bool
	}{
		{[]string{"toml_has", v3, "runtimes.runc.options.SystemdCgroup", "true"}, true},
		{[]string{"toml_has", v2, "runtimes.runc.options.SystemdCgroup", "true"}, true},
		{[]string{"toml_has", v3, "pinned_images.sandbox", `"harbor:443/k8s/pause:3.10"`}, true},
		{[]string{"toml_has", v2, "sandbox_image", `"harbor:443/k8s/pause:3.9"`}, true},
		{[]string{"toml_has", v3, "auth.username", `"lab"`}, true},
		{[]string{"toml_has", v3, "pinned_images.sandbox", `"harbor:443/k8s/pause:3.9"`}, false},
		{[]string{"toml_has", v2, "runtimes.runc.options.SystemdCgroup", "false"}, false},
		{[]string{"toml_has", v3, "auth.password", `"lab"`}, false},
	} {
		if got := run(t, dir, tc.args...); got != tc.ok {
			t.Errorf("%v: got %v, want %v", tc.args, got, tc.ok)
		}
	}
}
