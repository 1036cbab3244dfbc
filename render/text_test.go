package render

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/coreos/butane/config/common"
	"gopkg.in/yaml.v3"
)

// textCases are file contents made of what YAML treats specially at the
// start of a block (blanks, tabs, line breaks, indicators), seeds first.
func textCases(n int) []string {
	cases := []string{"", "\n", "\n\n", "\napiVersion: v1\n", "\tx\ny\n", " x\n y\n", "x\n\n\n", "\r\nx\n",
		"\u00a0x\ny\n", "\ufeffx\ny", "x \ny\n", "#!/bin/sh\n\techo x\n", "- a\n- b\n", "|\n", "---\n...\n"}
	parts := []string{"a", " ", "\t", "\n", "\r", "#", ":", "-", "'", "\"", "|", ">", "&", "*", "!", "%", "@", "`", "{", "[", "\u00a0", "\u0085", "\ufeff", "é"}
	rng := rand.New(rand.NewPCG(7, 8))
	for range n {
		var b strings.Builder
		for range 1 + rng.IntN(9) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		if rng.IntN(2) == 0 {
			b.WriteString("\nx\n")
		}
		cases = append(cases, b.String())
	}
	return cases
}

// TestTextRoundTrips: file contents written by the YAML encoder read back
// the same, in write_files (gopkg.in/yaml.v3 here; the consumers test holds
// cloud-init's PyYAML to it) and through Butane, whose entry for the file must
// be the one k8sgen makes (raw and compressed). Without Text's double quotes
// a leading line break is lost and a leading tab is refused.
func TestTextRoundTrips(t *testing.T) {
	translate := translators["flatcar 1.1.0"]
	for i, c := range textCases(3000) {
		ud, err := encodeYAML(struct {
			Files []WriteFile `yaml:"write_files"`
		}{[]WriteFile{{Path: "/etc/x", Owner: "root:root", Permissions: "0644", Content: Text(c)}}})
		if err != nil {
			t.Fatal(err)
		}
		var back struct {
			Files []struct{ Content string } `yaml:"write_files"`
		}
		if err := yaml.Unmarshal(ud, &back); err != nil || len(back.Files) != 1 || back.Files[0].Content != c {
			t.Fatalf("write_files content %q reads back as %+v (%v):\n%s", c, back, err, ud)
		}
		if i%5 != 0 {
			continue // Butane's translation costs most of a millisecond
		}
		bu, err := encodeYAML(butaneConfig{Variant: "flatcar", Version: "1.1.0",
			Storage: butaneStorage{Files: []butaneFile{{Path: "/etc/x", Mode: 0o644, Overwrite: true, Contents: butaneContents{Inline: Text(c)}}}}})
		if err != nil {
			t.Fatal(err)
		}
		for _, compress := range []bool{false, true} {
			opts := common.TranslateBytesOptions{Pretty: !compress}
			opts.NoResourceAutoCompression = !compress
			ign, rep, err := translate(bu, opts)
			if err != nil || len(rep.Entries) > 0 {
				t.Fatalf("Butane refuses contents %q (%v %v):\n%s", c, err, rep, bu)
			}
			all, err := fileEntries(ign)
			if err != nil || len(all) != 1 {
				t.Fatalf("contents %q: %d entries (%v)", c, len(all), err)
			}
			indent := ""
			if !compress {
				at := bytes.Index(ign, all[0])
				indent = string(ign[bytes.LastIndexByte(ign[:at], '\n')+1 : at])
			}
			want, err := realEntry("/etc/x", 0o644, []byte(c), compress, indent)
			if err != nil || !bytes.Equal(want, all[0]) {
				t.Fatalf("contents %q (compress %v): Butane's entry\n%s\nk8sgen's\n%s", c, compress, all[0], want)
			}
		}
	}
}
