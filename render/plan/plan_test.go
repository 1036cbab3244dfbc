package plan_test

import (
	"crypto/rand"
	"io"
	"os"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/k8sgen/k8sgen/render/plan"
	"github.com/k8sgen/k8sgen/render/secrets"
	"github.com/k8sgen/k8sgen/render/spec"
)

// TestSharedFilesSeeNoNodeFields: the data of every shared file is a view without
// the node's fields, so a shared template that names one fails instead of
// copying the first node's value to every other node.
func TestSharedFilesSeeNoNodeFields(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/golden/lab/cluster.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc, probs := spec.Check(raw)
	if len(probs.Errors()) > 0 {
		t.Fatal(probs)
	}
	b, err := secrets.New(rand.Reader, time.Now(), doc.Cluster.Name)
	if err != nil {
		t.Fatal(err)
	}
	plans, err := plan.Build(doc.Cluster, b)
	if err != nil {
		t.Fatal(err)
	}
	shared := 0
	for _, p := range plans {
		for _, f := range p.Files {
			for _, field := range []string{"Name", "IP", "Files"} {
				tm := template.Must(template.New("x").Parse("{{." + field + "}}"))
				data := any(p)
				if f.Data != nil {
					data = f.Data
				}
				err := tm.Execute(io.Discard, data)
				switch {
				case f.Share != "" && f.Template != "" && (err == nil || !strings.Contains(err.Error(), "can't evaluate field "+field)):
					t.Errorf("%s: shared file %s can read the node's %s (err %v)", p.Name, f.Path, field, err)
				case f.Share == "" && f.Template != "" && f.Data == nil && err != nil:
					t.Errorf("%s: per-node file %s cannot read %s: %v", p.Name, f.Path, field, err)
				}
			}
			if f.Share != "" && f.Template != "" {
				shared++
			}
		}
	}
	if shared == 0 {
		t.Fatal("no shared templated file checked")
	}
}
