package render_test

import (
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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

// BenchmarkRender10, 1000 and 10000 measure the in-process pipeline for that
// many nodes: load, validate, plan, templates and cloud-config encoding (no
// file writes). Besides time per render they report time, allocations and
// bytes of files per node (ns/node, allocs/node, B/node).
func BenchmarkRender10(b *testing.B)    { benchRender(b, bigSpec(10)) }
func BenchmarkRender1000(b *testing.B)  { benchRender(b, bigSpec(1000)) }
func BenchmarkRender10000(b *testing.B) { benchRender(b, bigSpec(10000)) }

// BenchmarkRenderFlatcar100 is the same for 100 Flatcar nodes: Butane
// translates each kind of node once (ignSkeleton), which serves the readable
// and the compact form.
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
	var nodes, written int
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	for b.Loop() {
		doc, probs := spec.Load(data)
		if len(probs) > 0 {
			b.Fatal(probs)
		}
		spec.Defaults(doc.Cluster)
		if probs := spec.Validate(doc); len(probs.Errors()) > 0 {
			b.Fatal(probs)
		}
		res, err := render.Render(doc.Cluster, bundle, render.Options{})
		if err != nil {
			b.Fatal(err)
		}
		nodes += len(res.Nodes)
		for _, n := range res.Nodes {
			for _, f := range n.Files {
				written += len(f.Data)
			}
		}
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if nodes > 0 {
		b.ReportMetric(float64(elapsed.Nanoseconds())/float64(nodes), "ns/node")
		b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(nodes), "allocs/node")
		b.ReportMetric(float64(written)/float64(nodes), "B/node")
	}
}

// BenchmarkRenderProcess10, 1000 and 10000 measure what a user waits for:
// the whole `k8sgen render --force` process, writing every file, with the
// output and the secrets on the benchmark's temporary directory.
func BenchmarkRenderProcess10(b *testing.B)    { benchProcess(b, 10) }
func BenchmarkRenderProcess1000(b *testing.B)  { benchProcess(b, 1000) }
func BenchmarkRenderProcess10000(b *testing.B) { benchProcess(b, 10000) }

// BenchmarkRenderProcessFlatcar1000 and FCOS1000 are the same for 1,000
// Ignition nodes.
func BenchmarkRenderProcessFlatcar1000(b *testing.B) { benchProcessOn(b, "flatcar", 1000) }
func BenchmarkRenderProcessFCOS1000(b *testing.B)    { benchProcessOn(b, "fcos", 1000) }

func benchProcess(b *testing.B, n int) { benchProcessOn(b, "ubuntu-24.04", n) }

func benchProcessOn(b *testing.B, os_ string, n int) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "k8sgen")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/k8sgen").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	specPath := filepath.Join(dir, "cluster.yaml")
	if err := os.WriteFile(specPath, bigSpecOn(os_, n), 0o644); err != nil {
		b.Fatal(err)
	}
	args := []string{"render", "-f", specPath, "-o", filepath.Join(dir, "out"), "--force"}
	// The first run creates the secrets bundle; the timed runs reuse it like a user's re-render.
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		b.Fatalf("render: %v\n%s", err, out)
	}
	var written int64
	filepath.Walk(filepath.Join(dir, "out"), func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			written += fi.Size()
		}
		return nil
	})
	// Peak RSS is not reported here: a child started from this (large) test
	// process is charged the parent's pages until it execs; measure it with
	// /usr/bin/time -f %M k8sgen render ... instead.
	start := time.Now()
	for b.Loop() {
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			b.Fatalf("render: %v\n%s", err, out)
		}
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*n), "ns/node")
	b.ReportMetric(float64(written)/float64(n), "B/node")
}
