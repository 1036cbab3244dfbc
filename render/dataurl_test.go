package render

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	butaneutil "github.com/coreos/butane/base/util"
)

// TestDataURL: dataURL gives what Butane's MakeDataURL gives without
// compression, and dataURLGzip what it gives with compression allowed, for every byte alone and in text, for binary data (where
// base64 wins) and for lengths around the point where the two forms tie.
func TestDataURL(t *testing.T) {
	var cases [][]byte
	for c := range 256 {
		cases = append(cases, []byte{byte(c)}, []byte{'a', byte(c), 'b'})
	}
	rng := rand.New(rand.NewPCG(3, 4))
	const text = "abcXYZ019 -_.!~*'()\n\t#$%&/:;=?@[]{}\"\\"
	for range 3000 {
		n := rng.IntN(300)
		b := make([]byte, n)
		isText := rng.IntN(3) != 0
		for i := range b {
			if isText {
				b[i] = text[rng.IntN(len(text))]
			} else {
				b[i] = byte(rng.IntN(256))
			}
		}
		cases = append(cases, b)
	}
	// Text that gzips well, from a line to kilobytes: where Butane's
	// compression wins, and around where it starts to.
	for k := range 60 {
		cases = append(cases, []byte(strings.Repeat(fmt.Sprintf("echo step %d; sysctl -w net.ipv4.ip_forward=1\n", k%7), 1+k*k/4)))
	}
	gzipped := 0
	for _, c := range cases {
		want, compression, err := butaneutil.MakeDataURL(c, nil, false)
		if err != nil {
			t.Fatal(err)
		}
		if got := dataURL(c); got != want || compression == nil || *compression != noCompression {
			t.Fatalf("dataURL(%q) = %q, Butane gives %q (compression %v)", c, got, want, compression)
		}
		want, compression, err = butaneutil.MakeDataURL(c, nil, true)
		if err != nil {
			t.Fatal(err)
		}
		if *compression == gzipCompression {
			gzipped++
		}
		got, gotCompression, err := dataURLGzip(c)
		if err != nil || got != want || compression == nil || gotCompression == nil || *gotCompression != *compression {
			t.Fatalf("dataURLGzip(%q) = %q (compression %v), Butane gives %q (compression %v)", c, got, gotCompression, want, compression)
		}
	}
	if gzipped < 20 {
		t.Fatalf("Butane compressed %d of the cases: too few to compare dataURLGzip on", gzipped)
	}
}
