package render_test

import (
	"bytes"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"unsafe"

	"github.com/k8sgen/k8sgen/render"
)

// TestSinkReusesOnlyOwnBuffers: with a Sink, Render hands a node's
// first-boot config buffer back to its pool once the sink returns. That
// buffer must be the node's alone (no other file of the node shares it),
// and the bytes every sink saw must be the bytes a render without a sink
// (which reuses nothing) gives: a file holding a reused buffer, a shared
// value or a package-level one would show here once overwritten.
func TestSinkReusesOnlyOwnBuffers(t *testing.T) {
	for _, dir := range cases(t) {
		c, b := loadCase(t, dir)
		name := filepath.Base(dir)
		seen := map[string][]byte{}
		type span struct {
			path       string
			start, end uintptr
		}
		// Buffers never handed back (every file's but the pooled ones) stay
		// the files' for the whole render: no pooled buffer may overlap one.
		// The test holds them (alive), or the allocator could give their
		// memory, freed once the sink returned, to a later node's buffer.
		var kept []span
		var hold [][]byte
		pooled := 0
		var mu sync.Mutex // the sink runs on several goroutines at once
		_, err := render.Render(c, b, render.Options{Sink: func(n render.Node) error {
			mu.Lock()
			defer mu.Unlock()
			var mine, own []span
			for _, f := range n.Files {
				seen[f.Path] = bytes.Clone(f.Data)
				if cap(f.Data) == 0 {
					continue
				}
				start := uintptr(unsafe.Pointer(unsafe.SliceData(f.Data)))
				sp := span{f.Path, start, start + uintptr(cap(f.Data))}
				if render.Pooled(f) {
					mine = append(mine, sp)
				} else {
					own = append(own, sp)
					hold = append(hold, f.Data)
				}
			}
			kept = append(kept, own...)
			pooled += len(mine)
			for i, a := range mine {
				for _, o := range append(slices.Clip(kept), mine[:i]...) {
					if a.start < o.end && o.start < a.end {
						t.Errorf("%s: %s, whose buffer is reused, shares bytes with %s", name, a.path, o.path)
					}
				}
			}
			return nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		runtime.KeepAlive(hold)
		if pooled != len(c.Nodes) {
			t.Errorf("%s: %d buffers handed back for %d nodes: each node's first-boot config alone", name, pooled, len(c.Nodes))
		}
		res, err := render.Render(c, b, render.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range res.Nodes {
			for _, f := range n.Files {
				if got, ok := seen[f.Path]; !ok || !bytes.Equal(got, f.Data) {
					t.Errorf("%s: %s differs between a render with a sink and one without", name, f.Path)
				}
			}
		}
	}
}
