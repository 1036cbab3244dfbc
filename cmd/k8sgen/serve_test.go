package main

import (
	"bytes"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServe: serve answers with the files render wrote, byte for byte, and
// with 404 for anything else: paths with "..", hidden files (the marker),
// directories, files put into the output later (a copied secrets bundle or
// kubeconfig), and symbolic links, inside the tree or out of it.
func TestServe(t *testing.T) {
	dir, out := renderExample(t)
	var log bytes.Buffer
	s := newServer(out, &log, func() time.Time { return time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC) })
	get := func(method, target string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(method, target, nil))
		return w
	}
	for _, f := range []string{"k8s-master/user-data", "k8s-worker1/meta-data"} {
		want, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		if w := get("GET", "/"+f); w.Code != 200 || !bytes.Equal(w.Body.Bytes(), want) {
			t.Errorf("GET /%s: %d, %d bytes; want 200 and the file's %d", f, w.Code, w.Body.Len(), len(want))
		}
		if w := get("HEAD", "/"+f); w.Code != 200 || w.Body.Len() != 0 {
			t.Errorf("HEAD /%s: %d with %d bytes", f, w.Code, w.Body.Len())
		}
	}
	if w := get("POST", "/k8s-master/user-data"); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", w.Code)
	}

	// What render did not write, or wrote but is not a node's file.
	copyFile(t, filepath.Join(dir, "secrets.yaml"), filepath.Join(out, "secrets.yaml"))
	copyFile(t, filepath.Join(dir, "admin.kubeconfig"), filepath.Join(out, "k8s-master", "admin.kubeconfig"))
	if err := os.WriteFile(filepath.Join(dir, "outside"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A listed file replaced by a link out of the tree, and a node directory
	// replaced by a link to a directory outside that has the listed names.
	if err := os.Remove(filepath.Join(out, "k8s-worker1", "user-data")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "outside"), filepath.Join(out, "k8s-worker1", "user-data")); err != nil {
		t.Fatal(err)
	}
	elsewhere := filepath.Join(dir, "elsewhere")
	if err := os.MkdirAll(elsewhere, 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, filepath.Join(dir, "secrets.yaml"), filepath.Join(elsewhere, "user-data"))
	if err := os.RemoveAll(filepath.Join(out, "k8s-worker2")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, filepath.Join(out, "k8s-worker2")); err != nil {
		t.Fatal(err)
	}
	// A link inside the tree is refused too: render writes none.
	if err := os.Remove(filepath.Join(out, "k8s-master", "meta-data")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("user-data", filepath.Join(out, "k8s-master", "meta-data")); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{
		"/", "/k8s-master", "/k8s-master/", "/.k8sgen-output", "/secrets.yaml", "/k8s-master/admin.kubeconfig",
		"/../secrets.yaml", "/k8s-master/../../secrets.yaml", "/%2e%2e/secrets.yaml", "/k8s-master/%2e%2e/%2e%2e/outside",
		"/k8s-master//user-data", "/./k8s-master/user-data", "/k8s-master/user-data/", "/k8s-master%2fuser-data/..",
		"/k8s-worker1/user-data", "/k8s-worker2/user-data", "/k8s-master/meta-data", "/k8s-master\\user-data",
	} {
		w := get("GET", target)
		if w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", target, w.Code)
		}
		if strings.Contains(w.Body.String(), "BEGIN") || strings.Contains(w.Body.String(), "secret") {
			t.Errorf("GET %s leaked: %q", target, w.Body.String())
		}
	}
	if w := get("GET", "/k8s-master/user-data"); w.Code != 200 {
		t.Errorf("GET /k8s-master/user-data after the others: %d", w.Code)
	}
	if !strings.Contains(log.String(), `2026-12-06T00:00:00Z 192.0.2.1:1234 node="k8s-master" GET "/k8s-master/user-data" 200 `) ||
		!strings.Contains(log.String(), `node="secrets.yaml" GET "/secrets.yaml" 404 `) {
		t.Errorf("log lacks a fetch or a refusal:\n%s", log.String())
	}
	// A request cannot write a line of its own into the log.
	before := strings.Count(log.String(), "\n")
	get("GET", "/x%0a2026-12-06T00:00:00Z%20forged%20node=k8s-master/user-data")
	if n := strings.Count(log.String(), "\n"); n != before+1 {
		t.Errorf("one request wrote %d log lines:\n%s", n-before, log.String())
	}
	// Many ranges get the whole file once, not a reply larger than it.
	w := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/k8s-master/user-data", nil)
	req.Header.Set("Range", strings.Repeat("bytes=0-100,", 50)+"0-100")
	s.ServeHTTP(w, req)
	if full, _ := os.ReadFile(filepath.Join(out, "k8s-master", "user-data")); w.Body.Len() > len(full) {
		t.Errorf("a request for 51 ranges got %d bytes, more than the file's %d", w.Body.Len(), len(full))
	}
}

// TestServeRefusals: serve needs --listen and an output directory render wrote.
func TestServeRefusals(t *testing.T) {
	dir := t.TempDir()
	var stderr bytes.Buffer
	e := env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr, now: time.Now, rand: rand.Reader, getenv: func(string) (string, bool) { return "", false }}
	if rc := run(e, []string{"serve", "-o", dir}); rc != exitUsage || !strings.Contains(stderr.String(), "missing --listen") {
		t.Errorf("serve without --listen: exit %d\n%s", rc, stderr.String())
	}
	stderr.Reset()
	if rc := run(e, []string{"serve", "-o", dir, "--listen", "127.0.0.1:0"}); rc != exitUsage || !strings.Contains(stderr.String(), "not an output directory k8sgen wrote") {
		t.Errorf("serve of a directory render did not write: exit %d\n%s", rc, stderr.String())
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// renderExample renders the example into a new directory: dir holds the
// secrets bundle and the kubeconfig, out the output.
func renderExample(t *testing.T) (dir, out string) {
	t.Helper()
	dir = t.TempDir()
	out = filepath.Join(dir, "out")
	var stderr bytes.Buffer
	e := env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr, now: time.Now, rand: rand.Reader, getenv: func(string) (string, bool) { return "", false }}
	if rc := run(e, []string{"render", "--example", "-o", out, "--secrets", filepath.Join(dir, "secrets.yaml"), "--kubeconfig", filepath.Join(dir, "admin.kubeconfig")}); rc != 0 {
		t.Fatalf("render: exit %d\n%s", rc, stderr.String())
	}
	return dir, out
}
