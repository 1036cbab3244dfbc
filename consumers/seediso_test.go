package consumers

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestSeedISOs reads every golden seed.iso back with an independent reader,
// isoinfo (Debian's genisoimage package; only its reader is used): the
// volume is labelled cidata, it holds Joliet names, and its files are the
// node's user-data, meta-data and network-config (when there is one), byte
// for byte, and nothing else.
func TestSeedISOs(t *testing.T) {
	isos, err := filepath.Glob(filepath.Join(goldenRoot, "*", "out", "*", "seed.iso"))
	if err != nil {
		t.Fatal(err)
	}
	if len(isos) == 0 {
		t.Fatalf("no golden seed.iso under %s: the static-lab case writes three", goldenRoot)
	}
	isoinfo := needTool(t, "isoinfo")
	for _, iso := range isos {
		rel, _ := filepath.Rel(goldenRoot, iso)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			dir := filepath.Dir(iso)
			desc, err := exec.Command(isoinfo, "-d", "-i", iso).CombinedOutput()
			if err != nil {
				t.Fatalf("isoinfo -d: %v\n%s", err, desc)
			}
			if !regexp.MustCompile(`(?m)^Volume id: cidata$`).Match(desc) {
				t.Errorf("volume id is not cidata:\n%s", desc)
			}
			if !bytes.Contains(desc, []byte("Joliet")) {
				t.Errorf("no Joliet names (user-data would lose its dash):\n%s", desc)
			}
			list, err := exec.Command(isoinfo, "-J", "-f", "-i", iso).CombinedOutput()
			if err != nil {
				t.Fatalf("isoinfo -f: %v\n%s", err, list)
			}
			got := strings.Fields(string(list))
			sort.Strings(got)
			want := []string{"/meta-data", "/user-data"}
			if _, err := os.Stat(filepath.Join(dir, "network-config")); err == nil {
				want = append(want, "/network-config")
			}
			sort.Strings(want)
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("files %v, want %v", got, want)
			}
			for _, name := range want {
				inside, err := exec.Command(isoinfo, "-J", "-x", name, "-i", iso).Output()
				if err != nil {
					t.Fatalf("isoinfo -x %s: %v", name, err)
				}
				beside, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(inside, beside) {
					t.Errorf("%s in the image (%d bytes) differs from the one beside it (%d bytes)", name, len(inside), len(beside))
				}
			}
		})
	}
}
