package consumers

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAutoinstallSchema: every autoinstall config (Ubuntu's installer's
// user-data) passes cloud-init's schema, which knows autoinstall's key
// (its version is required) and every cloud-config key beside it. The
// user-data it carries is the node's (TestAutoinstallCarriesTheNode in
// render), which TestConsumers checks.
func TestAutoinstallSchema(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(goldenRoot, "*", "out", "*", "autoinstall", "user-data"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden autoinstall/user-data: the ubuntu-pxe case writes them")
	}
	bin := needTool(t, "cloud-init")
	for _, f := range files {
		rel, _ := filepath.Rel(goldenRoot, f)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			out, err := exec.Command(bin, "schema", "-c", f).CombinedOutput()
			lower := strings.ToLower(strings.ReplaceAll(string(out), f, ""))
			if err != nil || strings.Contains(lower, "invalid") || strings.Contains(lower, "deprecat") {
				t.Fatalf("cloud-init schema: %v\n%s", err, bytes.TrimSpace(out))
			}
		})
	}
}
