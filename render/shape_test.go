package render_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/k8sgen/k8sgen/render"
	"github.com/k8sgen/k8sgen/render/plan"
	"github.com/k8sgen/k8sgen/render/secrets"
	"github.com/k8sgen/k8sgen/render/spec"
)

// sameAsNodeByNode renders c again with every node on its own and fails on
// any byte that differs from res: shapes must never change output.
func sameAsNodeByNode(t *testing.T, c *spec.Cluster, b *secrets.Bundle, opt render.Options, res *render.Result, what string) int {
	t.Helper()
	alone, err := render.RenderNodeByNode(c, b, opt)
	if err != nil {
		t.Fatalf("node by node: %v\n%s", err, what)
	}
	shaped := 0
	for i, n := range res.Nodes {
		a := alone.Nodes[i]
		if render.Shaped(n) {
			shaped++
		}
		if n.Name != a.Name || n.Raw != a.Raw || n.Gzipped != a.Gzipped || len(n.Files) != len(a.Files) {
			t.Fatalf("%s: shaped %s (%d/%d bytes) differs from node by node %s (%d/%d bytes)\n%s", n.Name, n.Name, n.Raw, n.Gzipped, a.Name, a.Raw, a.Gzipped, what)
		}
		for j, f := range n.Files {
			if f.Path != a.Files[j].Path || f.Mode != a.Files[j].Mode || !bytes.Equal(f.Data, a.Files[j].Data) {
				t.Fatalf("%s: %s rendered from its shape differs from node by node\n--- shaped\n%s\n--- alone\n%s\n%s", n.Name, f.Path, f.Data, a.Files[j].Data, what)
			}
		}
	}
	return shaped
}

// TestShapesEqualNodeByNode: every node of every golden case, raw and
// gzipped, is byte-identical rendered from its kind's shape and on its own,
// and the cases' workers do take the shape.
func TestShapesEqualNodeByNode(t *testing.T) {
	total, shaped := 0, 0
	for _, dir := range cases(t) {
		c, b := loadCase(t, dir)
		for _, gz := range []bool{false, true} {
			opt := render.Options{Gzip: gz}
			res, err := render.Render(c, b, opt)
			if err != nil {
				t.Fatal(err)
			}
			n := sameAsNodeByNode(t, c, b, opt, res, dir)
			if !gz {
				shaped += n
				total += len(res.Nodes)
			}
		}
	}
	t.Logf("%d of %d golden nodes rendered from shapes", shaped, total)
	if shaped == 0 {
		t.Fatal("no golden node was rendered from a shape")
	}
}

// TestShapeNearMisses: of two workers whose values or plans differ in ways a
// shape cannot fill, one renders on its own, and both still equal a render
// node by node.
func TestShapeNearMisses(t *testing.T) {
	bundle, err := secrets.New(rand.Reader, time.Unix(1700000000, 0), "big")
	if err != nil {
		t.Fatal(err)
	}
	head := "name: big\nkubernetesVersion: \"1.34.0\"\nos: ubuntu-24.04\ncontrolPlaneEndpoint: \"10.0.0.10:6443\"\nnodes:\n" +
		"  - {name: cp, role: control-plane, ip: 10.0.0.10}\n  - {name: w-first, role: worker, ip: 10.0.0.20}\n"
	for _, tc := range []struct {
		name, node string
		shaped     bool
	}{
		{"plain", "{name: w2, role: worker, ip: 10.0.0.21}", true},
		{"name starting with a digit", "{name: 1w2, role: worker, ip: 10.0.0.21}", true},
		{"dotted name", "{name: w2.lab.example, role: worker, ip: 10.0.0.21}", false},
		{"numeric name", "{name: \"123\", role: worker, ip: 10.0.0.21}", false},
		{"yaml word", "{name: \"no\", role: worker, ip: 10.0.0.21}", false},
		{"yaml word true", "{name: \"true\", role: worker, ip: 10.0.0.21}", false},
		{"labels", "{name: w2, role: worker, ip: 10.0.0.21, labels: {zone: a}}", false},
		{"taints", "{name: w2, role: worker, ip: 10.0.0.21, taints: [{key: gpu, effect: NoSchedule}]}", false},
		{"older kubelet", "{name: w2, role: worker, ip: 10.0.0.21, kubernetesVersion: \"1.33.2\"}", true},
		{"arm64", "{name: w2, role: worker, ip: 10.0.0.21, arch: arm64}", true},
		{"name like the stand-in", "{name: zzk8sgenshapenamezz, role: worker, ip: 192.0.2.251}", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := head + "  - " + tc.node + "\n"
			doc, probs := spec.Check([]byte(src))
			if doc == nil || len(probs.Errors()) > 0 {
				t.Fatalf("spec refused: %v\n%s", probs, src)
			}
			res, err := render.Render(doc.Cluster, bundle, render.Options{})
			if err != nil {
				t.Fatal(err)
			}
			sameAsNodeByNode(t, doc.Cluster, bundle, render.Options{}, res, src)
			// Whichever worker comes first makes the shape; the other
			// takes it only where the two can share it.
			first, last := res.Nodes[1], res.Nodes[2]
			if both := render.Shaped(first) && render.Shaped(last); both != tc.shaped {
				t.Errorf("%s and %s both shaped: %v, want %v", first.Name, last.Name, both, tc.shaped)
			}
		})
	}
}

// TestShapeManyWorkers: a cluster of 300 workers renders every worker from
// one shape, equal to node by node.
func TestShapeManyWorkers(t *testing.T) {
	testShapeManyWorkers(t, "ubuntu-24.04", 303)
}

// TestShapeManyIgnitionNodes: the same for 40 workers (and the three
// control planes) on Flatcar and on Fedora CoreOS, raw and with --gzip: the
// fuzzers' specs have one node of each kind, so a shape made from one node
// and used for others is tested here.
func TestShapeManyIgnitionNodes(t *testing.T) {
	for _, os := range []string{"flatcar", "fcos"} {
		testShapeManyWorkers(t, os, 43)
	}
}

func testShapeManyWorkers(t *testing.T, os string, n int) {
	doc, probs := spec.Check(bigSpecOn(os, n))
	if doc == nil || len(probs.Errors()) > 0 {
		t.Fatal(probs)
	}
	bundle, err := secrets.New(rand.Reader, time.Unix(1700000000, 0), "big")
	if err != nil {
		t.Fatal(err)
	}
	for _, gz := range []bool{false, true} {
		opt := render.Options{Gzip: gz}
		res, err := render.Render(doc.Cluster, bundle, opt)
		if err != nil {
			t.Fatal(err)
		}
		want := n - 3 // the workers; Ignition shapes take control planes too
		if os == "flatcar" || os == "fcos" {
			want = n - 1 // all but the first control plane, alone of its kind
		}
		if got := sameAsNodeByNode(t, doc.Cluster, bundle, opt, res, os); got < want {
			t.Errorf("%s gzip %v: %d nodes rendered from shapes, want at least %d", os, gz, got, want)
		}
		for _, nd := range res.Nodes {
			if bytes.Contains(nd.Files[0].Data, []byte("k8sgenshape")) {
				t.Fatal(fmt.Sprintf("%s holds a stand-in", nd.Name))
			}
			if bytes.Contains(nd.Files[0].Data, []byte("placeholder")) {
				t.Fatalf("%s holds a placeholder for a file's contents", nd.Name)
			}
		}
	}
}

// TestSameOtherwiseKnowsFile: sameFile compares plan.File field by field;
// a new field must be added there (and here).
func TestSameOtherwiseKnowsFile(t *testing.T) {
	var names []string
	ft := reflect.TypeOf(plan.File{})
	for i := range ft.NumField() {
		names = append(names, ft.Field(i).Name)
	}
	if got, want := strings.Join(names, " "), "Path Mode Template Data Content Scope"; got != want {
		t.Fatalf("plan.File has the fields %s; sameFile in shape.go compares %s", got, want)
	}
}
