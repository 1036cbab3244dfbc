package render_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/k8sgen/k8sgen/render"
)

// fuzzPXESpec has the network boot values that reach iPXE scripts and
// kernel command lines (Debian: the spec gives the kernel and initrd).
const fuzzPXESpec = `name: lab
kubernetesVersion: "1.33.0"
os: debian-12
bootMedia:
  pxe:
    baseURL: @0@
    kernel: @1@
    initrd: [@2@]
    args: [root=/dev/vda1, @3@]
nodes:
  - {name: cp, role: control-plane, ip: 192.168.50.10, mac: @4@}
  - {name: @5@, role: worker, ip: 192.168.50.11, mac: "52:54:00:00:50:11"}
`

var fuzzPXEDefaults = []string{"http://192.168.50.1:8080", "http://192.168.50.1/vmlinuz", "http://192.168.50.1/initrd.img", "console=ttyS0", "52:54:00:00:50:10", "w1"}

// FuzzRenderPXE is FuzzRender over network boot: an accepted value renders,
// and every iPXE script has the lines and the words per line of the default
// spec's: a value cannot add a command, an argument or a line.
func FuzzRenderPXE(f *testing.F) {
	for slot := range fuzzPXEDefaults {
		f.Add(uint8(slot), fuzzPXEDefaults[slot])
		for _, v := range []string{"a b", "${mac}", "x||y", "||", ";", "a\nkernel http://evil/k", "http://h/a b", "http://h/#x", "http://u:p@h/", "a#b", "52:54:00:00:50:1G", "w1.installed"} {
			f.Add(uint8(slot), v)
		}
	}
	var (
		once sync.Once
		want []string
	)
	f.Fuzz(func(t *testing.T, slot uint8, value string) {
		once.Do(func() {
			src, _ := fillSlots(fuzzPXESpec, fuzzPXEDefaults, -1, "")
			want = ipxeShapes(t, renderAccepted(t, src, ""))
		})
		src, ok := fillSlots(fuzzPXESpec, fuzzPXEDefaults, int(slot)%len(fuzzPXEDefaults), value)
		if !ok {
			return
		}
		res := renderAccepted(t, src, value)
		if res == nil {
			return
		}
		got := ipxeShapes(t, res)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("script %d has another shape with %q:\n%s\nwant\n%s", i, value, got[i], want[i])
			}
		}
	})
}

// ipxeShapes is, for the top boot.ipxe and each node's, in order, its
// number of words per line.
func ipxeShapes(t testing.TB, res *render.Result) []string {
	t.Helper()
	if res == nil {
		t.Fatal("the default spec does not render")
	}
	var scripts [][]byte
	for _, f := range res.Files {
		scripts = append(scripts, f.Data)
	}
	for _, n := range res.Nodes {
		for _, f := range n.Files {
			if strings.HasSuffix(f.Path, "/boot.ipxe") {
				scripts = append(scripts, f.Data)
			}
		}
	}
	if len(scripts) != 3 {
		t.Fatalf("%d iPXE scripts, want 3", len(scripts))
	}
	var out []string
	for _, s := range scripts {
		var b strings.Builder
		for _, line := range strings.Split(string(s), "\n") {
			b.WriteString(strings.Repeat("w", len(strings.Fields(line))) + "\n")
		}
		out = append(out, b.String())
	}
	return out
}
