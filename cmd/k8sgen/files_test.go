package main

import (
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/k8sgen/k8sgen/render"
	"github.com/k8sgen/k8sgen/render/secrets"
	"github.com/k8sgen/k8sgen/render/spec"
)

// The kubeconfig that render writes is the one k8sgen recognises as its own: if
// the template's header or names change, this fails before users see their own
// kubeconfig refused.
func TestKubeconfigOwnerRecognisesRenderedKubeconfig(t *testing.T) {
	doc, probs := spec.Check(exampleSpec)
	if len(probs.Errors()) > 0 {
		t.Fatal(probs)
	}
	b, err := secrets.New(rand.Reader, time.Now(), doc.Cluster.Name)
	if err != nil {
		t.Fatal(err)
	}
	kc, err := render.Kubeconfig(doc.Cluster, b)
	if err != nil {
		t.Fatal(err)
	}
	owner, ok := kubeconfigOwner(kc)
	if !ok || owner != doc.Cluster.Name {
		t.Fatalf("render's kubeconfig not recognised: %q, %v\n%s", owner, ok, kc)
	}

	// Anything more or less than k8sgen writes is not k8sgen's.
	for name, edit := range map[string]func(string) string{
		"no header": func(s string) string { _, rest, _ := strings.Cut(s, "\n"); return rest },
		"second context": func(s string) string {
			return strings.Replace(s, "contexts:\n", "contexts:\n  - name: x\n    context: {cluster: lab, user: lab-admin}\n", 1)
		},
		"another current": func(s string) string {
			return strings.Replace(s, `current-context: "k8sgen-admin@lab"`, "current-context: x", 1)
		},
		"an extra key":        func(s string) string { return s + "preferences: {}\n" },
		"a second document":   func(s string) string { return s + "---\nkind: Config\n" },
		"header, other names": func(s string) string { return strings.ReplaceAll(s, `"lab-admin"`, `"me"`) },
	} {
		if _, ok := kubeconfigOwner([]byte(edit(string(kc)))); ok {
			t.Errorf("%s: taken for k8sgen's kubeconfig", name)
		}
	}
}

func TestResolve(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	at := func(p string) string { return filepath.Join(dir, p) }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Mkdir(at("real"), 0o755))
	must(os.WriteFile(at("file"), nil, 0o600))
	must(os.Symlink("real", at("rel")))
	must(os.Symlink(at("out"), at("dangling")))
	must(os.Symlink("dangling/x", at("chain")))
	must(os.Symlink("../out/k", at("real/up")))
	must(os.Symlink("loop-b", at("loop-a")))
	must(os.Symlink("loop-a", at("loop-b")))
	for in, want := range map[string]string{
		"real":                   "real",
		"rel/a":                  "real/a",
		"rel/../file":            "file",     // .. after a link: the link's target's parent
		"dangling":               "out",      // a link to nothing yet
		"dangling/a/b":           "out/a/b",  // through it
		"chain":                  "out/x",    // link to link to nothing
		"real/up":                "out/k",    // relative with ..
		"missing/../rel/x":       "real/x",   // .. after a missing directory
		"file/x":                 "file/x",   // through a file: taken as written
		"./real/./a//b/":         "real/a/b", // spelling
		"real/../dangling/../xx": "xx",       // .. after a dangling link is the target's parent
		"nowhere/at/all":         "nowhere/at/all",
	} {
		got, err := resolve(at(in))
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if got != at(want) {
			t.Errorf("%s resolves to %s, want %s", in, got, at(want))
		}
	}
	if _, err := resolve(at("loop-a/x")); err == nil || !strings.Contains(err.Error(), "too many levels") {
		t.Errorf("a loop of links: %v", err)
	}
}

func TestWithin(t *testing.T) {
	for _, c := range []struct {
		p, dir string
		want   bool
	}{
		{"/a/out", "/a/out", true},
		{"/a/out/x", "/a/out", true},
		{"/a/outside", "/a/out", false},
		{"/a", "/a/out", false},
		{"/anything", "/", true},
	} {
		if got := within(c.p, c.dir); got != c.want {
			t.Errorf("within(%s, %s) = %v", c.p, c.dir, got)
		}
	}
}

// The lock is per open file, so a second lock fails even in the same process, and
// it is gone once released.
func TestLockOutput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	unlock, err := lockOutput(out, "out")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockOutput(out, "out"); err == nil || !strings.Contains(err.Error(), "another k8sgen is writing out") {
		t.Fatalf("second lock: %v", err)
	}
	unlock()
	unlock, err = lockOutput(out, "out")
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	unlock()
	if _, err := lockFile(filepath.Join(t.TempDir(), "no", "dir")); err == nil || errors.Is(err, errLocked) {
		t.Fatalf("lock in a missing directory: %v", err)
	}
}

func TestTempOf(t *testing.T) {
	for _, c := range []struct {
		name, base  string
		own, legacy bool
	}{
		{".k8sgen-out-out-123", "out", true, false},
		{".k8sgen-out-out-123.old", "out", true, false},
		{".k8sgen-out-a-b-123", "a-b", true, false},
		{".k8sgen-out-a-b-123", "a", false, false}, // the output a-b's
		{".k8sgen-out-out-1-123", "out", false, false},
		{".k8sgen-out-out.lock", "out", false, false},
		{".k8sgen-out-out-", "out", false, false},
		{".k8sgen-out-out-12x", "out", false, false},
		{".k8sgen-out-123", "out", false, true},
		{".k8sgen-out-123.old", "out", false, true},
		{"out-123", "out", false, false},
	} {
		own, legacy := tempOf(c.name, c.base)
		if own != c.own || legacy != c.legacy {
			t.Errorf("tempOf(%s, %s) = %v, %v; want %v, %v", c.name, c.base, own, legacy, c.own, c.legacy)
		}
	}
}

func TestReadLimited(t *testing.T) {
	data, err := readLimited(strings.NewReader(strings.Repeat("x", maxInput)), "spec")
	if err != nil || len(data) != maxInput {
		t.Fatalf("%d bytes, %v", len(data), err)
	}
	_, err = readLimited(strings.NewReader(strings.Repeat("x", maxInput+1)), "spec")
	var ie invalidError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "larger than 4 MiB") {
		t.Fatalf("over the cap: %v", err)
	}
}
