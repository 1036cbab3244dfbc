package consumers

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/k8sgen/k8sgen/render"
	"github.com/k8sgen/k8sgen/render/spec"
)

// userDataProbe loads a user-data file (argv[1]) with cloud-init's own YAML
// loader and prints its write_files contents by path, as JSON.
const userDataProbe = `
import json, sys
from cloudinit import util
with open(sys.argv[1]) as f:
    cfg = util.load_yaml(f.read())
print(json.dumps({w["path"]: w.get("content", "") for w in cfg["write_files"]}))
`

// TestCloudInitReadsFileContents: contents that start with a line break, a
// tab or a blank, or hold blank lines and carriage returns, read back the same
// through cloud-init's own YAML loader from a control plane's user-data (the
// contents of controlPlaneFiles are the user's, checked for nothing).
func TestCloudInitReadsFileContents(t *testing.T) {
	python := interpreterOf(t, needTool(t, "cloud-init"))
	contents := []string{"\napiVersion: v1\n", "\n\n#x\n", "\tx\ny\n", " x\n y\n", "\n", "x\n\n\n",
		"\r\nx\n", "\u00a0x\ny\n", "x \ny\n", "#!/bin/sh\n\techo x\n", "- a\n- b\n", "|\n", "---\n...\n"}
	var src strings.Builder
	src.WriteString("name: lab\nkubernetesVersion: \"1.34.0\"\nos: ubuntu-24.04\ncontrolPlaneFiles:\n")
	for i, c := range contents {
		q, _ := json.Marshal(c) // a YAML double-quoted scalar
		fmt.Fprintf(&src, "  - {path: /etc/kubernetes/extra/f%d, content: %s}\n", i, q)
	}
	src.WriteString("nodes:\n  - {name: cp, role: control-plane, ip: 192.168.1.11}\n")
	doc, probs := spec.Check([]byte(src.String()))
	if doc == nil || len(probs.Errors()) > 0 {
		t.Fatalf("spec refused: %v\n%s", probs, src.String())
	}
	res, err := render.Render(doc.Cluster, labBundle(t, doc.Cluster.Name), render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ud := filepath.Join(t.TempDir(), "user-data")
	if err := os.WriteFile(ud, res.Nodes[0].Files[0].Data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, "-c", userDataProbe, ud).Output()
	if err != nil {
		t.Fatalf("cloud-init's loader: %v", err)
	}
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	for i, c := range contents {
		if p := fmt.Sprintf("/etc/kubernetes/extra/f%d", i); got[p] != c {
			t.Errorf("%s: cloud-init reads %q, the spec says %q", p, got[p], c)
		}
	}
}
