package render

import (
	"math/rand/v2"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestSurelyPlain checks surelyPlain, the shapes' shortcut past the YAML
// encoder, against the encoder itself: every value it calls plain must be
// written plain. The values are every string of up to three characters from
// the characters that make numbers, keywords and addresses, the words YAML
// gives a meaning, and random strings of the holes' classes.
func TestSurelyPlain(t *testing.T) {
	const chars = "0123456789abefilnorstuxyz.-"
	var vals []string
	var grow func(prefix string, n int)
	grow = func(prefix string, n int) {
		if prefix != "" {
			vals = append(vals, prefix)
		}
		if n == 0 {
			return
		}
		for i := 0; i < len(chars); i++ {
			grow(prefix+chars[i:i+1], n-1)
		}
	}
	grow("", 3)
	vals = append(vals, "null", "true", "false", "yes", "no", "on", "off", "y", "n", ".inf", "-.inf", ".nan",
		"1e5", "1e-5", "0x1f", "0o17", "0b101", "0xdeadbeef", "123e45", "1.5e3", "2024-01-01", "2024-1-2",
		"1.2", "1.2.3", "10.0.0.1", "255.255.255.255", "01.02.03.04", "1..2", "1.2.", "0.0.0.0", "1e5.2.3",
		"lv4btq.q0dg6w1j9237nurr", "4abcde.0123456789abcdef", "123456", "abcdef", "0abcde", "9zzzzz", "k8s-worker1")
	rng := rand.New(rand.NewPCG(1, 2))
	// Letters only, around the longest keyword (false): a token id of six
	// letters is plain.
	vals = append(vals, "falsey", "nullnull", "offset", "yesyes", "abcdef", "pkalrb")
	for range 5000 {
		b := make([]byte, 1+rng.IntN(9))
		for i := range b {
			b[i] = byte('a' + rng.IntN(26))
		}
		vals = append(vals, string(b))
	}
	const class = "0123456789abcdefghijklmnopqrstuvwxyz.-"
	for range 20000 {
		b := make([]byte, 1+rng.IntN(24))
		for i := range b {
			b[i] = class[rng.IntN(len(class))]
		}
		vals = append(vals, string(b))
	}
	surely := 0
	for _, v := range vals {
		if !surelyPlain(v) {
			continue
		}
		surely++
		out, err := yaml.Marshal([]string{v})
		if err != nil || string(out) != "- "+v+"\n" {
			t.Errorf("surelyPlain(%q) is true, but the encoder writes %q (err %v)", v, out, err)
		}
	}
	t.Logf("%d of %d values surely plain", surely, len(vals))
	for _, v := range []string{"k8s-worker1", "node-00042", "10.0.1.5", "lv4btq.q0dg6w1j9237nurr", "lv4btq", "4zbcde.0123456789abcdef", "4zbcde"} {
		if !surelyPlain(v) {
			t.Errorf("surelyPlain(%q) is false: a usual worker value misses the shortcut", v)
		}
	}
}
