package main

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// fixture writes a host file and a rootfs-fragment tar and returns the
// labimage arguments that use them.
func fixture(t *testing.T) []string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "hello")
	if err := os.WriteFile(bin, []byte("#!/bin/true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	frag := filepath.Join(dir, "frag.tar")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "usr/", Typeflag: tar.TypeDir, Mode: 0o755})
	tw.WriteHeader(&tar.Header{Name: "usr/sbin/", Typeflag: tar.TypeDir, Mode: 0o755})
	tw.WriteHeader(&tar.Header{Name: "usr/sbin/tool", Typeflag: tar.TypeReg, Mode: 0o755, Size: 4})
	tw.Write([]byte("tool"))
	tw.WriteHeader(&tar.Header{Name: "sbin", Typeflag: tar.TypeSymlink, Linkname: "usr/sbin"})
	tw.Close()
	if err := os.WriteFile(frag, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{
		"--layer", frag,
		"--file", bin + ":/usr/local/bin/hello:0755",
		"--dir", "/tmp:1777",
		"--entrypoint", "/usr/local/bin/hello", "--cmd", "--flag", "--cmd", "x",
		"--env", "A=b", "--user", "0",
	}
}

// files lists the flattened filesystem of img as path -> mode/type.
func files(t *testing.T, img v1.Image) map[string]*tar.Header {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	out := map[string]*tar.Header{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = h
	}
}

func TestLayoutAndDeterminism(t *testing.T) {
	args := fixture(t)
	var digests []string
	for range 2 {
		dir := t.TempDir()
		var out bytes.Buffer
		if err := run(context.Background(), append(args, "--layout", dir, "--tag", "lab/hello:v1"), &out); err != nil {
			t.Fatal(err)
		}
		digests = append(digests, strings.TrimSpace(out.String()))

		p, err := layout.FromPath(dir)
		if err != nil {
			t.Fatal(err)
		}
		idx, _ := p.ImageIndex()
		im, _ := idx.IndexManifest()
		if len(im.Manifests) != 1 || im.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != "lab/hello:v1" {
			t.Fatalf("layout index: %+v", im.Manifests)
		}
		img, err := p.Image(im.Manifests[0].Digest)
		if err != nil {
			t.Fatal(err)
		}
		cf, _ := img.ConfigFile()
		if cf.Architecture != "amd64" || cf.OS != "linux" {
			t.Fatalf("platform %s/%s", cf.OS, cf.Architecture)
		}
		if got := strings.Join(cf.Config.Entrypoint, " "); got != "/usr/local/bin/hello" {
			t.Fatalf("entrypoint %q", got)
		}
		if got := strings.Join(cf.Config.Cmd, " "); got != "--flag x" {
			t.Fatalf("cmd %q", got)
		}
		if len(cf.Config.Env) != 2 || !strings.HasPrefix(cf.Config.Env[0], "PATH=") || cf.Config.Env[1] != "A=b" {
			t.Fatalf("env %q", cf.Config.Env)
		}
		fs := files(t, img)
		for p, mode := range map[string]int64{"usr/local/bin/hello": 0o755, "tmp": 0o1777, "usr/local": 0o755, "usr/sbin/tool": 0o755} {
			h, ok := fs[p]
			if !ok {
				t.Fatalf("%s missing; have %v", p, fs)
			}
			if h.Mode != mode || h.Uid != 0 || h.ModTime.Unix() != 0 {
				t.Errorf("%s: mode %o uid %d mtime %v", p, h.Mode, h.Uid, h.ModTime)
			}
		}
		if fs["sbin"] == nil || fs["sbin"].Linkname != "usr/sbin" {
			t.Errorf("fragment symlink lost")
		}
	}
	if digests[0] != digests[1] {
		t.Fatalf("same inputs, different images: %v", digests)
	}
}

func TestPush(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	var out bytes.Buffer
	ref := host + "/k8s/hello:v1"
	if err := run(context.Background(), append(fixture(t), "--push", ref, "--insecure"), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), ref+"@sha256:") {
		t.Fatalf("output %q", out.String())
	}
	r, _ := name.ParseReference(ref, name.Insecure)
	img, err := remote.Image(r)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := files(t, img)["usr/local/bin/hello"]; !ok {
		t.Fatal("pushed image lacks its file")
	}
}

// TestPushLayout writes two images into a layout under a name whose host is not the
// registry's, then pushes the layout: each lands under its own path and tag.
func TestPushLayout(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	dir := t.TempDir()
	for _, ref := range []string{"harbor:443/k8s/hello:v1", "harbor:443/flannel-io/other:v2"} {
		if err := run(context.Background(), append(fixture(t), "--layout", dir, "--tag", ref, "--label", "ref="+ref), io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--push-layout", dir, "--registry", host, "--insecure"}, &out); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "\n"); n != 2 {
		t.Fatalf("pushed %d images: %q", n, out.String())
	}
	for _, path := range []string{"k8s/hello:v1", "flannel-io/other:v2"} {
		r, _ := name.ParseReference(host+"/"+path, name.Insecure)
		img, err := remote.Image(r)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		cfg, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.Config.Labels["ref"]; got != "harbor:443/"+path {
			t.Errorf("%s holds the image of %s", path, got)
		}
	}
}

func TestBadArguments(t *testing.T) {
	for _, args := range [][]string{
		{"--file", "/etc/hostname:/x"},
		{"--layout", t.TempDir(), "--file", "/nonexistent:/x", "--tag", "a:b"},
		{"--layout", t.TempDir(), "--file", "/etc/hostname:relative", "--tag", "a:b"},
		{"--layout", t.TempDir(), "--dir", "/tmp:99", "--tag", "a:b"},
		{"--layout", t.TempDir(), "--tag", "a:b"},
		{"--push-layout", t.TempDir()},
		{"--registry", "127.0.0.1:1"},
		{"--push-layout", t.TempDir(), "--registry", "127.0.0.1:1", "--push", "a:b"},
		{"--push-layout", t.TempDir(), "--registry", "127.0.0.1:1"}, // not a layout
	} {
		if err := run(context.Background(), args, io.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}
