package consumers

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/coreos/ignition/v2/config/v3_4"
	"github.com/coreos/ignition/v2/config/v3_5"
	"github.com/coreos/vcontext/report"
	"github.com/vincent-petithory/dataurl"
)

// checkIgnition checks a node's config.ign with Ignition's parser for its spec
// version (an empty report: no error, no warning), with ignition-validate built
// from the Ignition module k8sgen links, and then the files it writes with the
// checks every node's files get.
func checkIgnition(t *testing.T, c goldenCase, file string) {
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read %s: %v", file, err)
	}
	t.Run("ignition-validate", func(t *testing.T) {
		bin := ignitionValidate(t)
		out, err := exec.Command(bin, file).CombinedOutput()
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Fatalf("ignition-validate %s: %v\n%s", file, err, out)
		}
	})
	files, err := ignitionFiles(raw)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	checkFiles(t, c, files)
}

// ignitionFiles parses raw with Ignition's parser of its spec version and
// returns the files it writes, decoded.
func ignitionFiles(raw []byte) ([]nodeFile, error) {
	var cfg struct {
		Ignition struct {
			Version string `json:"version"`
		} `json:"ignition"`
		Storage struct {
			Files []struct {
				Path     string `json:"path"`
				Contents struct {
					Source      *string `json:"source"`
					Compression *string `json:"compression"`
				} `json:"contents"`
			} `json:"files"`
		} `json:"storage"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	var rep report.Report
	var err error
	switch v := cfg.Ignition.Version; v {
	case "3.4.0":
		_, rep, err = v3_4.Parse(raw)
	case "3.5.0":
		_, rep, err = v3_5.Parse(raw)
	default:
		return nil, fmt.Errorf("Ignition spec version %q is not one k8sgen writes", v)
	}
	if err != nil || len(rep.Entries) > 0 {
		return nil, fmt.Errorf("Ignition %s parser: %v; report: %s", cfg.Ignition.Version, err, rep.String())
	}
	var files []nodeFile
	for _, f := range cfg.Storage.Files {
		if f.Contents.Source == nil {
			return nil, fmt.Errorf("%s has no contents", f.Path)
		}
		du, err := dataurl.DecodeString(*f.Contents.Source)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Path, err)
		}
		data := du.Data
		if z := f.Contents.Compression; z != nil && *z == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f.Path, err)
			}
			if data, err = io.ReadAll(zr); err != nil {
				return nil, fmt.Errorf("%s: %w", f.Path, err)
			}
		}
		files = append(files, nodeFile{f.Path, string(data)})
	}
	return files, nil
}

var ivOnce struct {
	sync.Once
	path string
	err  error
}

// ignitionValidate builds ignition-validate from the Ignition module in go.mod
// (the validator Ignition's releases ship), once per test run.
func ignitionValidate(t *testing.T) string {
	t.Helper()
	needTool(t, "go")
	ivOnce.Do(func() {
		dir, err := os.MkdirTemp("", "k8sgen-ignition-validate-")
		if err != nil {
			ivOnce.err = err
			return
		}
		ivOnce.path = filepath.Join(dir, "ignition-validate")
		out, err := exec.Command("go", "build", "-o", ivOnce.path, "github.com/coreos/ignition/v2/validate").CombinedOutput()
		if err != nil {
			ivOnce.err = fmt.Errorf("go build ignition-validate: %v\n%s", err, strings.TrimSpace(string(out)))
		}
	})
	if ivOnce.err != nil {
		t.Fatal(ivOnce.err)
	}
	return ivOnce.path
}
