package spec

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf16"
)

// FuzzLoad feeds arbitrary bytes through Load, Defaults and Validate, as the CLI
// does. Properties: no panic; no document means at least one error; every
// problem says something; every reported line exists in the input.
func FuzzLoad(f *testing.F) {
	seeds, err := filepath.Glob("../../testdata/golden/*/cluster.yaml")
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no golden specs to seed with (%v)", err)
	}
	seeds = append(seeds, "../../cmd/k8sgen/example.yaml")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"",
		"  \n\t\n",
		"# only a comment\n",
		"---\n",
		"name: lab\n---\nname: other\n",
		"- a\n- b\n",
		"name: [\n",
		"name: lab\nos: \"ubuntu\n",
		"name: &a lab\nos: *a\n",
		"nodes:\n  - name: a\n    rol: worker\n",
		"nodes: {a: 1}\n",
		"nodes:\n  - [a]\n  - ~\n  -\n",
		"network: [1]\nntp: {servers: [{a: 1}]}\n",
		"? [a]\n: b\n",
		"name: !!int abc\nkubernetesVersion: !!binary aGVsbG8=\n",
		"<<: {name: lab}\n",
		"name: lab\nkubernetesVersion: 1.32\nos: debian-12\ncontrolPlaneEndpoint: \"[::1]:x\"\nnodes:\n  - {name: a, role: control-plane, ip: 10.96.0.1}\n  - {name: a, role: control-plane, ip: 10.96.0.1}\n",
		"\xff\xfe\x00n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, probs := Check(data)
		if doc == nil && len(probs.Errors()) == 0 {
			t.Fatalf("Check returned no document and no error: %#v", probs)
		}
		if doc != nil && doc.Cluster == nil {
			t.Fatal("Check returned a document without a cluster")
		}
		for i := 1; i < len(probs); i++ {
			if probs[i].Line < probs[i-1].Line {
				t.Fatalf("problems out of line order: %#v", probs)
			}
		}
		lines := lineCount(data)
		for _, p := range probs {
			if p.Msg == "" {
				t.Errorf("problem without a message: %#v", p)
			}
			if p.Line < 0 || p.Line > lines {
				t.Errorf("problem on line %d of a %d-line input: %#v", p.Line, lines, p)
			}
		}
	})
}

// lineCount counts lines as YAML does: \r\n, \r, \n, NEL, LS and PS all end
// a line. Input with a UTF-16 byte order mark is decoded first, as YAML does.
func lineCount(data []byte) int {
	data = utf16ToUTF8(data)
	n := 1
	for i := 0; i < len(data); i++ {
		switch {
		case data[i] == '\n':
			n++
		case data[i] == '\r':
			n++
			if i+1 < len(data) && data[i+1] == '\n' {
				i++
			}
		case bytes.HasPrefix(data[i:], []byte("\u0085")),
			bytes.HasPrefix(data[i:], []byte("\u2028")),
			bytes.HasPrefix(data[i:], []byte("\u2029")):
			n++
		}
	}
	return n
}

func utf16ToUTF8(data []byte) []byte {
	var order binary.ByteOrder
	switch {
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}):
		order = binary.LittleEndian
	case bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		order = binary.BigEndian
	default:
		return data
	}
	data = data[2:]
	units := make([]uint16, len(data)/2)
	for i := range units {
		units[i] = order.Uint16(data[2*i:])
	}
	return []byte(string(utf16.Decode(units)))
}
