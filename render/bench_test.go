package render_test

import (
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/k8sgen/k8sgen/render"
	"github.com/k8sgen/k8sgen/render/secrets"
	"github.com/k8sgen/k8sgen/render/spec"
)

// bigSpec is a cluster of n nodes: three control planes, the rest workers.
func bigSpec(n int) []byte { return bigSpecOn("ubuntu-24.04", n) }

// bigSpecOn is bigSpec on another OS.
func bigSpecOn(os string, n int) []byte {
	var b strings.Builder
	b.WriteString("name: big\nkubernetesVersion: \"1.34.0\"\nos: " + os + "\ncontrolPlaneEndpoint: \"10.0.0.10:6443\"\nnodes:\n")
	for i := 0; i < n; i++ {
		role := "worker"
		if i < 3 {
			role = "control-plane"
		}
		fmt.Fprintf(&b, "  - name: node-%05d\n    role: %s\n    ip: 10.%d.%d.%d\n", i, role, i/62500, 1+(i/250)%250, 1+i%250)
	}
	return []byte(b.String())
}

// BenchmarkRender1000 measures the in-process pipeline for 1000 nodes: load,
// validate, plan, templates and cloud-config encoding (no file writes).
func BenchmarkRender1000(b *testing.B) { benchRender(b, bigSpec(1000)) }

// BenchmarkRenderFlatcar100 is the same for 100 Flatcar nodes: every node's
// Butane config is translated to Ignition twice (plain, and compressed for the
// size column), and nothing is shared between nodes.
func BenchmarkRenderFlatcar100(b *testing.B) { benchRender(b, bigSpecOn("flatcar", 100)) }

// BenchmarkRenderFCOS100 is the same for 100 Fedora CoreOS nodes.
func BenchmarkRenderFCOS100(b *testing.B) { benchRender(b, bigSpecOn("fcos", 100)) }

func benchRender(b *testing.B, data []byte) {
	bundle, err := secrets.New(rand.Reader, time.Now(), "big")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		doc, probs := spec.Load(data)
		if len(probs) > 0 {
			b.Fatal(probs)
		}
		spec.Defaults(doc.Cluster)
		if probs := spec.Validate(doc); len(probs.Errors()) > 0 {
			b.Fatal(probs)
		}
		if _, err := render.Render(doc.Cluster, bundle, render.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderProcess1000 measures what a user waits for: the whole
// `k8sgen render --force` process for 1000 nodes, writing every file.
func BenchmarkRenderProcess1000(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "k8sgen")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/k8sgen").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	specPath := filepath.Join(dir, "cluster.yaml")
	if err := os.WriteFile(specPath, bigSpec(1000), 0o644); err != nil {
		b.Fatal(err)
	}
	args := []string{"render", "-f", specPath, "-o", filepath.Join(dir, "out"), "--force"}
	// The first run creates the secrets bundle; the timed runs reuse it like a user's re-render.
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		b.Fatalf("render: %v\n%s", err, out)
	}
	b.ResetTimer()
	for b.Loop() {
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			b.Fatalf("render: %v\n%s", err, out)
		}
	}
}
