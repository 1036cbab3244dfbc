package render_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/k8sgen/k8sgen/render"
	"github.com/k8sgen/k8sgen/render/plan"
	"github.com/k8sgen/k8sgen/render/secrets"
	"github.com/k8sgen/k8sgen/render/spec"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*/out and create missing secrets fixtures")

const goldenDir = "../testdata/golden"

// loadCase reads a golden case's spec and its fixed secrets bundle; with -update
// a missing bundle is generated once and kept as a fixture.
func loadCase(t testing.TB, dir string) (*spec.Cluster, *secrets.Bundle) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "cluster.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	doc, probs := spec.Load(data)
	if len(probs.Errors()) > 0 {
		t.Fatalf("load: %v", probs)
	}
	spec.Defaults(doc.Cluster)
	if probs := spec.Validate(doc); len(probs.Errors()) > 0 {
		t.Fatalf("validate: %v", probs)
	}
	for i, a := range doc.Cluster.Addons {
		if a.File == "" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, a.File))
		if err == nil {
			err = doc.Cluster.SetAddonContent(i, data)
		}
		if err != nil {
			t.Fatalf("addons[%d]: %v", i, err)
		}
	}
	if f := doc.Cluster.Network.CNIManifestFile; f != "" {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err == nil {
			err = doc.Cluster.SetCNIContent(data)
		}
		if err != nil {
			t.Fatalf("network.cniManifestFile: %v", err)
		}
	}
	sp := filepath.Join(dir, "secrets.yaml")
	raw, err := os.ReadFile(sp)
	if errors.Is(err, fs.ErrNotExist) && *update {
		b, err := secrets.New(rand.Reader, time.Now(), doc.Cluster.Name)
		if err != nil {
			t.Fatal(err)
		}
		// Registry passwords are fixtures too; the CLI takes them from the environment.
		for _, r := range doc.Cluster.Registries {
			if r.PasswordEnv != "" {
				if b.RegistryPasswords == nil {
					b.RegistryPasswords = map[string]string{}
				}
				b.RegistryPasswords[r.Host] = "fixture-password-" + r.Username
			}
		}
		if raw, err = b.Marshal(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(sp, raw, 0o600); err != nil {
			t.Fatal(err)
		}
	} else if err != nil {
		t.Fatal(err)
	}
	b, err := secrets.Load(raw, doc.Cluster.Name)
	if err != nil {
		t.Fatal(err)
	}
	return doc.Cluster, b
}

func cases(t testing.TB) []string {
	dirs, err := filepath.Glob(filepath.Join(goldenDir, "*", "cluster.yaml"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases in %s (%v)", goldenDir, err)
	}
	for i := range dirs {
		dirs[i] = filepath.Dir(dirs[i])
	}
	return dirs
}

// TestGolden renders every case and compares each file with out/<node>/...
func TestGolden(t *testing.T) {
	for _, dir := range cases(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			c, b := loadCase(t, dir)
			res, err := render.Render(c, b, render.Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]bool{}
			for _, n := range append(res.Nodes, render.Node{Files: res.Files}) {
				for _, f := range n.Files {
					want[f.Path] = true
					compare(t, filepath.Join(dir, "out", f.Path), f.Data)
				}
			}
			compare(t, filepath.Join(dir, "admin.kubeconfig"), res.Kubeconfig)
			// Ignition's data URLs are hard to read: the Butane config each
			// config.ign is translated from is kept beside it for review
			// (TestIgnitionCarriesThePlan proves they say the same).
			plans, err := plan.Build(c, b)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range plans {
				if p.OS.Output != "ignition" {
					continue
				}
				bu, err := render.ButaneFor(p)
				if err != nil {
					t.Fatal(err)
				}
				compare(t, filepath.Join(dir, "butane", p.Name+".bu"), bu)
			}
			// Files left over from removed nodes are stale goldens.
			_ = filepath.WalkDir(filepath.Join(dir, "out"), func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				rel, _ := filepath.Rel(filepath.Join(dir, "out"), p)
				if !want[filepath.ToSlash(rel)] {
					if *update {
						return os.Remove(p)
					}
					t.Errorf("stale golden file %s: no node renders it", p)
				}
				return nil
			})
		})
	}
}

func compare(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./render -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the render; diff with go test ./render -update && git diff\n%s", path, firstDiff(string(want), string(got)))
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g
		}
	}
	return "(same lines, different bytes)"
}

func itoa(i int) string {
	var b []byte
	for ; i > 0 || len(b) == 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// TestDeterministic renders every case twice, plain and gzipped.
func TestDeterministic(t *testing.T) {
	for _, dir := range cases(t) {
		c, b := loadCase(t, dir)
		for _, gz := range []bool{false, true} {
			r1, err1 := render.Render(c, b, render.Options{Gzip: gz})
			r2, err2 := render.Render(c, b, render.Options{Gzip: gz})
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			for i := range r1.Nodes {
				for j := range r1.Nodes[i].Files {
					if !bytes.Equal(r1.Nodes[i].Files[j].Data, r2.Nodes[i].Files[j].Data) {
						t.Errorf("%s %s: two renders differ (gzip=%v)", dir, r1.Nodes[i].Files[j].Path, gz)
					}
				}
			}
		}
	}
}

// userDataBudget is the user-data size clouds accept (AWS and others: 16 KiB).
const userDataBudget = 16 << 10

// TestGzipUserDataBudget: with --gzip every node of every golden case, control
// planes of five-node etcd clusters included, fits the user-data budget.
func TestGzipUserDataBudget(t *testing.T) {
	checked := 0
	defer func() {
		if checked == 0 {
			t.Error("no user-data or config.ign was checked")
		}
	}()
	for _, dir := range cases(t) {
		c, b := loadCase(t, dir)
		r, err := render.Render(c, b, render.Options{Gzip: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range r.Nodes {
			for _, f := range n.Files {
				// The first-boot configs a cloud takes as user data; not the
				// installer's, which is served over HTTP only.
				if f.Path != n.Name+"/user-data" && f.Path != n.Name+"/config.ign" {
					continue
				}
				checked++
				if len(f.Data) > userDataBudget {
					t.Errorf("%s %s: %s with --gzip is %d bytes, over %d", dir, n.Name, f.Path, len(f.Data), userDataBudget)
				}
			}
		}
	}
}

// TestNoCAKeysOnWorkers checks that no worker receives a private key and every
// join pins the CA hash and never skips verification.
func TestNoCAKeysOnWorkers(t *testing.T) {
	for _, dir := range cases(t) {
		c, b := loadCase(t, dir)
		res, err := render.Render(c, b, render.Options{})
		if err != nil {
			t.Fatal(err)
		}
		hash, _ := b.CACertHash()
		for _, n := range res.Nodes {
			ud := nodeText(t, n)
			if strings.Contains(ud, "unsafeSkipCAVerification") {
				t.Errorf("%s/%s: unsafeSkipCAVerification", dir, n.Name)
			}
			if n.Role == spec.RoleWorker {
				if strings.Contains(ud, "PRIVATE KEY") {
					t.Errorf("%s/%s: a worker received a private key", dir, n.Name)
				}
				for _, k := range []string{b.CA.Key, b.EtcdCA.Key, b.FrontProxyCA.Key, b.ServiceAccount.Key, b.CertificateKey} {
					if strings.Contains(ud, strings.TrimSpace(k)) {
						t.Errorf("%s/%s: a worker received secret material", dir, n.Name)
					}
				}
			}
			if !strings.Contains(ud, "kubeadm init") && !strings.Contains(ud, hash) {
				t.Errorf("%s/%s: join does not pin %s", dir, n.Name, hash)
			}
		}
	}
}

// nodeText is everything a node's output writes, decoded (gz+b64 entries of
// user-data, data URLs of config.ign), one file after the other.
func nodeText(t *testing.T, n render.Node) string {
	t.Helper()
	var files map[string]string
	switch f := n.Files[0]; {
	case strings.HasSuffix(f.Path, "/user-data"):
		files = userDataFiles(t, f.Data)
		files["user-data"] = string(f.Data)
	case strings.HasSuffix(f.Path, "/config.ign"):
		ign, _ := parseIgnition(t, f.Data)
		files = map[string]string{}
		for p, x := range ign {
			files[p] = x.Data
		}
	default:
		t.Fatalf("%s: neither user-data nor config.ign", f.Path)
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var b strings.Builder
	for _, p := range paths {
		b.WriteString(files[p])
		b.WriteByte('\n')
	}
	return b.String()
}

// TestNodesRenderAlone renders every node of every case on its own, with no shared
// fragment cached by another node, and compares it with the whole render: a shared
// file that carried one node's values would differ for every other node.
func TestNodesRenderAlone(t *testing.T) {
	for _, dir := range cases(t) {
		c, b := loadCase(t, dir)
		for _, opt := range []render.Options{{}, {Gzip: true}} {
			res, err := render.Render(c, b, opt)
			if err != nil {
				t.Fatal(err)
			}
			plans, err := plan.Build(c, b)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range plans {
				alone, err := render.RenderAlone(p, opt)
				if err != nil {
					t.Fatal(err)
				}
				for j, f := range alone.Files {
					if !bytes.Equal(f.Data, res.Nodes[i].Files[j].Data) {
						t.Errorf("%s: %s rendered alone differs from the whole render (gzip %v)", filepath.Base(dir), f.Path, opt.Gzip)
					}
				}
			}
		}
	}
}
