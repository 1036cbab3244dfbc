package render_test

import (
	"path/filepath"
	"testing"

	"github.com/k8sgen/k8sgen/render"
)

// TestGzippedFigure: the size warning's gzipped figure is the largest node's
// size with --gzip, whether the render's early guess (its first control
// plane) was that node or not.
func TestGzippedFigure(t *testing.T) {
	for _, name := range []string{"flatcar", "ha-five", "tutorial-000"} {
		c, b := loadCase(t, filepath.Join("..", "testdata", "golden", name))
		res, err := render.Render(c, b, render.Options{})
		if err != nil {
			t.Fatal(err)
		}
		gz, err := render.Render(c, b, render.Options{Gzip: true})
		if err != nil {
			t.Fatal(err)
		}
		largest := -1
		for i, n := range res.Nodes {
			if n.Raw > render.SizeLimit && (largest < 0 || n.Raw > res.Nodes[largest].Raw) {
				largest = i
			}
		}
		if largest < 0 {
			t.Fatalf("%s: no node over the size limit", name)
		}
		want := gz.Nodes[largest].Gzipped
		check := func(how string, r *render.Result) {
			for i, n := range r.Nodes {
				if got := n.Gzipped; (i == largest && got != want) || (i != largest && got != 0) {
					t.Errorf("%s, %s: node %s's gzipped figure %d; want %d on %s alone", name, how, n.Name, got, want, r.Nodes[largest].Name)
				}
			}
		}
		check("render", res)
		for _, g := range []int{largest, (largest + 1) % len(res.Nodes)} {
			if err := render.GzippedLargestWithGuess(c, b, res, g); err != nil {
				t.Fatal(err)
			}
			check("guess on "+res.Nodes[g].Name, res)
		}
	}
}
