package render

import (
	"math/rand/v2"
	"testing"

	butaneutil "github.com/coreos/butane/base/util"
)

// TestDataURL: dataURL gives what Butane's MakeDataURL gives without
// compression, for every byte alone and in text, for binary data (where
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
	for _, c := range cases {
		want, compression, err := butaneutil.MakeDataURL(c, nil, false)
		if err != nil {
			t.Fatal(err)
		}
		if got := dataURL(c); got != want || compression == nil || *compression != noCompression {
			t.Fatalf("dataURL(%q) = %q, Butane gives %q (compression %v)", c, got, want, compression)
		}
	}
}
