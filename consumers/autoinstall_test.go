package consumers

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAutoinstallSchema: every autoinstall config (Ubuntu's installer's
// user-data), and the empty vendor-data served beside NoCloud data over the
// network, pass cloud-init's schema, which knows autoinstall's key
// (its version is required) and every cloud-config key beside it. The
// user-data it carries is the node's (TestAutoinstallCarriesTheNode in
// render), which TestConsumers checks.
func TestAutoinstallSchema(t *testing.T) {
	var files []string
	for _, pattern := range [][]string{{"*", "autoinstall", "user-data"}, {"*", "autoinstall", "vendor-data"}, {"*", "vendor-data"}} {
		m, err := filepath.Glob(filepath.Join(append([]string{goldenRoot, "*", "out"}, pattern...)...))
		if err != nil {
			t.Fatal(err)
		}
		if len(m) == 0 {
			t.Fatalf("no golden %s: the ubuntu-pxe and debian-pxe cases write them", filepath.Join(pattern...))
		}
		files = append(files, m...)
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
