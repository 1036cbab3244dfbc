package render_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/k8sgen/k8sgen/render"
	"github.com/k8sgen/k8sgen/render/secrets"
	"github.com/k8sgen/k8sgen/render/spec"
)

// scaleSpec is three control planes and workers workers, the first three of
// them w-0000, w-0001, w-0002 whatever the count.
func scaleSpec(os string, workers int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "name: scale\nkubernetesVersion: \"1.34.0\"\nos: %s\nnetwork:\n  podSubnet: 10.128.0.0/9\nnodes:\n", os)
	for i := 0; i < 3; i++ {
		fmt.Fprintf(&b, "  - {name: cp-%d, role: control-plane, ip: 10.0.0.%d}\n", i, 10+i)
	}
	for i := 0; i < workers; i++ {
		fmt.Fprintf(&b, "  - {name: w-%04d, role: worker, ip: 10.1.%d.%d}\n", i, i/250, 1+i%250)
	}
	return []byte(b.String())
}

func renderScale(t *testing.T, src []byte, b *secrets.Bundle) *render.Result {
	t.Helper()
	doc, probs := spec.Check(src)
	if len(probs.Errors()) > 0 {
		t.Fatal(probs.Errors())
	}
	res, err := render.Render(doc.Cluster, b, render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestNodeFilesDoNotGrowWithTheCluster: the control planes' and the first
// workers' files are byte-identical whether the cluster has 3 or 3,000
// workers: a node's files hold itself, the endpoint and the control planes,
// never the other workers. Also for Ignition (Flatcar).
func TestNodeFilesDoNotGrowWithTheCluster(t *testing.T) {
	b, err := secrets.New(rand.Reader, time.Now(), "scale")
	if err != nil {
		t.Fatal(err)
	}
	for _, os := range []string{"ubuntu-24.04", "flatcar"} {
		workers := 3000
		if os == "flatcar" {
			workers = 100 // Butane's translation is the slow part; 100 shows the same
		}
		small := renderScale(t, scaleSpec(os, 3), b)
		big := renderScale(t, scaleSpec(os, workers), b)
		for i := range small.Nodes {
			s, l := small.Nodes[i], big.Nodes[i]
			if s.Name != l.Name || len(s.Files) != len(l.Files) {
				t.Fatalf("%s: node %d is %s with %d files, and %s with %d", os, i, s.Name, len(s.Files), l.Name, len(l.Files))
			}
			for j := range s.Files {
				if !bytes.Equal(s.Files[j].Data, l.Files[j].Data) {
					t.Errorf("%s: %s's %s differs between 3 and %d workers", os, s.Name, s.Files[j].Path, workers)
				}
			}
		}
	}
}
