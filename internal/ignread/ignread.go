// Package ignread reads an Ignition config the way Ignition does, for the tests
// that check k8sgen's config.ign: Ignition's own parser for the config's spec
// version, with an empty report, then every file's data URL decoded (and
// gunzipped when Butane compressed it).
package ignread

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"

	"github.com/coreos/ignition/v2/config/v3_4"
	"github.com/coreos/ignition/v2/config/v3_5"
	"github.com/coreos/vcontext/report"
	"github.com/vincent-petithory/dataurl"
)

// File is one file the config writes, decoded.
type File struct {
	Path string
	Mode int
	Data string
}

// Unit is one systemd unit of the config.
type Unit struct {
	Name     string  `json:"name"`
	Enabled  *bool   `json:"enabled"`
	Mask     *bool   `json:"mask"`
	Contents *string `json:"contents"`
}

// User is one passwd user of the config.
type User struct {
	Name         string   `json:"name"`
	Keys         []string `json:"sshAuthorizedKeys"`
	PasswordHash *string  `json:"passwordHash"`
	Groups       []string `json:"groups"`
}

// Config is what the tests read of a config.
type Config struct {
	Version string
	Files   []File
	Units   []Unit
	Users   []User
}

// Parse parses raw with Ignition's parser for its spec version (3.4.0 or 3.5.0,
// what k8sgen writes) and fails on any report entry, warnings included.
func Parse(raw []byte) (*Config, error) {
	var doc struct {
		Ignition struct {
			Version string `json:"version"`
		} `json:"ignition"`
		Passwd struct {
			Users []User `json:"users"`
		} `json:"passwd"`
		Storage struct {
			Files []struct {
				Path     string `json:"path"`
				Mode     *int   `json:"mode"`
				Contents struct {
					Source      *string `json:"source"`
					Compression *string `json:"compression"`
				} `json:"contents"`
			} `json:"files"`
		} `json:"storage"`
		Systemd struct {
			Units []Unit `json:"units"`
		} `json:"systemd"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	var rep report.Report
	var err error
	switch v := doc.Ignition.Version; v {
	case "3.4.0":
		_, rep, err = v3_4.Parse(raw)
	case "3.5.0":
		_, rep, err = v3_5.Parse(raw)
	default:
		return nil, fmt.Errorf("Ignition spec version %q is not one k8sgen writes (3.4.0, 3.5.0)", v)
	}
	if err != nil || len(rep.Entries) > 0 {
		return nil, fmt.Errorf("Ignition %s parser: %v; report: %s", doc.Ignition.Version, err, rep.String())
	}
	c := &Config{Version: doc.Ignition.Version, Units: doc.Systemd.Units, Users: doc.Passwd.Users}
	seen := map[string]bool{}
	for _, f := range doc.Storage.Files {
		if f.Contents.Source == nil || f.Mode == nil {
			return nil, fmt.Errorf("%s: no contents or no mode", f.Path)
		}
		if seen[f.Path] {
			return nil, fmt.Errorf("%s is written twice", f.Path)
		}
		seen[f.Path] = true
		du, err := dataurl.DecodeString(*f.Contents.Source)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Path, err)
		}
		data := du.Data
		switch z := f.Contents.Compression; {
		case z != nil && *z == "gzip":
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f.Path, err)
			}
			if data, err = io.ReadAll(zr); err != nil {
				return nil, fmt.Errorf("%s: %w", f.Path, err)
			}
		case z != nil && *z != "":
			return nil, fmt.Errorf("%s: compression %q", f.Path, *z)
		}
		c.Files = append(c.Files, File{Path: f.Path, Mode: *f.Mode, Data: string(data)})
	}
	return c, nil
}
