package render_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/k8sgen/k8sgen/render"
)

// TestKernelCommandLineBound: a command line that a static node's
// network-config takes over the bound iPXE passes is refused at render,
// naming the node and the field (the spec's rules refuse the rest, with its
// line); one at the bound renders.
func TestKernelCommandLineBound(t *testing.T) {
	c, b := loadCase(t, filepath.Join("..", "testdata", "golden", "debian-pxe"))
	res, err := render.Render(c, b, render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// w2's line is the longest: it carries its network-config.
	var line string
	for _, f := range res.Nodes[2].Files {
		if f.Path == "w2/boot.ipxe" {
			for _, l := range strings.Split(string(f.Data), "\n") {
				if rest, ok := strings.CutPrefix(l, "kernel "); ok {
					_, line, _ = strings.Cut(rest, " ")
				}
			}
		}
	}
	if line == "" {
		t.Fatal("no kernel line in w2/boot.ipxe")
	}
	room := 2047 - len(line) - 1 // one more argument and its space
	c.BootMedia.PXE.Args = append(c.BootMedia.PXE.Args, "x="+strings.Repeat("y", room-2))
	if _, err := render.Render(c, b, render.Options{}); err != nil {
		t.Fatalf("a 2,047-byte command line: %v", err)
	}
	c.BootMedia.PXE.Args[len(c.BootMedia.PXE.Args)-1] += "y"
	_, err = render.Render(c, b, render.Options{})
	if err == nil || !strings.Contains(err.Error(), "bootMedia.pxe: node w2's kernel command line with its network-config would be 2048 bytes") {
		t.Fatalf("a 2,048-byte command line: %v", err)
	}
}

// TestBootIPXEBlocksEnd: in the cluster's boot.ipxe, each node's block ends
// after its chain: a chained script that returns, even with success, must
// not run into the next node's block and boot the machine as that node.
func TestBootIPXEBlocksEnd(t *testing.T) {
	c, b := loadCase(t, filepath.Join("..", "testdata", "golden", "debian-pxe"))
	res, err := render.Render(c, b, render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 1 || res.Files[0].Path != "boot.ipxe" {
		t.Fatalf("want boot.ipxe beside the nodes, got %d files", len(res.Files))
	}
	lines := strings.Split(string(res.Files[0].Data), "\n")
	chains := 0
	for i, l := range lines {
		if !strings.HasPrefix(l, "chain ") {
			continue
		}
		chains++
		if i+1 >= len(lines) || (lines[i+1] != "goto failed" && !strings.HasPrefix(lines[i+1], "exit")) {
			t.Errorf("line %d (%s) is followed by %q: a chain that returns falls through", i+1, l, lines[min(i+1, len(lines)-1)])
		}
	}
	if chains != len(c.Nodes) {
		t.Errorf("%d chains for %d nodes", chains, len(c.Nodes))
	}
}
