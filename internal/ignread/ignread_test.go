package ignread

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte("zipped\n"))
	zw.Close()
	good := `{"ignition":{"version":"3.4.0"},"storage":{"files":[
	  {"path":"/etc/a","mode":420,"contents":{"source":"data:,a%20b%0A"}},
	  {"path":"/etc/z","mode":384,"contents":{"compression":"gzip","source":"data:;base64,` + base64.StdEncoding.EncodeToString(z.Bytes()) + `"}}]},
	  "systemd":{"units":[{"name":"x.service","mask":true}]}}`
	c, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Files) != 2 || c.Files[0].Data != "a b\n" || c.Files[0].Mode != 0o644 || c.Files[1].Data != "zipped\n" || len(c.Units) != 1 {
		t.Fatalf("parsed %+v", c)
	}
	for name, bad := range map[string]string{
		"other version": strings.Replace(good, "3.4.0", "3.3.0", 1),
		"relative path": strings.Replace(good, `"/etc/a"`, `"etc/a"`, 1),
		"twice":         strings.Replace(good, `"/etc/z"`, `"/etc/a"`, 1),
		"not JSON":      good[:20],
	} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
