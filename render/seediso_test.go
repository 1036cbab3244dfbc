package render

import (
	"bytes"
	"testing"
	"time"
)

// TestSeedISODeterministic: two images of the same files made at different
// times are the same bytes, and every volume descriptor date is seedTime.
func TestSeedISODeterministic(t *testing.T) {
	files := []seedFile{{"user-data", []byte("#cloud-config\n")}, {"meta-data", []byte("instance-id: a\n")}, {"network-config", []byte("version: 2\n")}}
	a, err := seedISO(files, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // go-diskfs dates the volume to the second
	b, err := seedISO(files, "")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatalf("two seed images of the same files differ (%d and %d bytes)", len(a), len(b))
	}
	// go-diskfs dates directory records in the local time zone; the image
	// must not depend on it.
	local := time.Local
	time.Local = time.FixedZone("k8sgen-test", -(4*3600 + 30*60))
	c, err := seedISO(files, "")
	time.Local = local
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, c) {
		t.Fatalf("the seed image differs in another time zone")
	}
	if len(a)%2048 != 0 || len(a) > 64<<10 {
		t.Errorf("seed image is %d bytes: want whole sectors, cut to the volume", len(a))
	}
	want := map[int]string{813: "2000010100000000\x00", 830: "2000010100000000\x00", 847: "0000000000000000\x00", 864: "0000000000000000\x00"}
	n := 0
	for s := 16; s*2048+2048 <= len(a) && a[s*2048] != 255; s++ {
		n++
		d := a[s*2048:]
		for at, w := range want {
			if string(d[at:at+17]) != w {
				t.Errorf("volume descriptor %d: date at %d is %q, want %q", s, at, d[at:at+17], w)
			}
		}
	}
	if n < 2 {
		t.Errorf("%d volume descriptors before the terminator; want the primary and Joliet's", n)
	}
}
