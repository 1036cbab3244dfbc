package render_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/k8sgen/k8sgen/render"
	"gopkg.in/yaml.v3"
)

// TestAutoinstallCarriesTheNode: Ubuntu's installer config carries the
// node's user-data and network-config as they read, with and without
// --gzip (which compresses user-data but not the installer's copy).
func TestAutoinstallCarriesTheNode(t *testing.T) {
	seen := 0
	for _, dir := range cases(t) {
		c, b := loadCase(t, dir)
		for _, gz := range []bool{false, true} {
			res, err := render.Render(c, b, render.Options{Gzip: gz})
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range res.Nodes {
				files := map[string][]byte{}
				for _, f := range n.Files {
					files[strings.TrimPrefix(f.Path, n.Name+"/")] = f.Data
				}
				ai, ok := files["autoinstall/user-data"]
				if !ok {
					continue
				}
				seen++
				name := filepath.Base(dir) + "/" + n.Name
				if !bytes.HasPrefix(ai, []byte("#cloud-config\n")) {
					t.Errorf("%s: autoinstall/user-data is not a cloud-config", name)
				}
				var got struct {
					Autoinstall struct {
						Version  int `yaml:"version"`
						Network  any `yaml:"network"`
						UserData any `yaml:"user-data"`
						Storage  struct {
							Layout struct {
								Match struct{ Path string } `yaml:"match"`
							} `yaml:"layout"`
						} `yaml:"storage"`
					} `yaml:"autoinstall"`
				}
				if err := yaml.Unmarshal(ai, &got); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				ud := files["user-data"]
				if gz {
					r, err := gzip.NewReader(bytes.NewReader(ud))
					if err != nil {
						t.Fatal(err)
					}
					if ud, err = io.ReadAll(r); err != nil {
						t.Fatal(err)
					}
				}
				var want any
				if err := yaml.Unmarshal(ud, &want); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got.Autoinstall.UserData, want) {
					t.Errorf("%s: the installer carries another user-data than the node's", name)
				}
				var wantNet any
				if nc, ok := files["network-config"]; ok {
					if err := yaml.Unmarshal(nc, &wantNet); err != nil {
						t.Fatal(err)
					}
				}
				if !reflect.DeepEqual(got.Autoinstall.Network, wantNet) {
					t.Errorf("%s: the installer carries another network than the node's network-config", name)
				}
				if got.Autoinstall.Version != 1 || got.Autoinstall.Storage.Layout.Match.Path == "" {
					t.Errorf("%s: autoinstall version %d, disk %q", name, got.Autoinstall.Version, got.Autoinstall.Storage.Layout.Match.Path)
				}
				if !bytes.Equal(files["autoinstall/meta-data"], files["meta-data"]) {
					t.Errorf("%s: the installer's meta-data is not the node's", name)
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("no golden case writes autoinstall/user-data: ubuntu-pxe does")
	}
}
