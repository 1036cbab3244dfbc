package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

const (
	testUser = "lab"
	testPass = "s3cret"
)

// startRegistry serves the authenticated registry stored in dir over TLS
// with a certificate from the CA in caDir, and returns its host:port and a
// transport that trusts that CA.
func startRegistry(t *testing.T, dir, caDir string) (string, http.RoundTripper) {
	t.Helper()
	ca, err := loadOrCreateCA(caDir)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.tlsCertificate([]string{"localhost", "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	reg, j, err := newRegistry(dir, log.New(os.Stderr, "", 0))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(basicAuth(reg, testUser, testPass))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(func() {
		srv.Close()
		j.Close()
	})

	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca.certPEM) {
		t.Fatal("CA PEM not accepted")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	return strings.TrimPrefix(srv.URL, "https://"), tr
}

func TestBasicAuth(t *testing.T) {
	host, tr := startRegistry(t, t.TempDir(), t.TempDir())
	client := &http.Client{Transport: tr}
	for _, tc := range []struct {
		name       string
		user, pass string
		want       int
	}{
		{"no credentials", "", "", http.StatusUnauthorized},
		{"wrong password", testUser, "nope", http.StatusUnauthorized},
		{"wrong user", "root", testPass, http.StatusUnauthorized},
		{"right credentials", testUser, testPass, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, "https://"+host+"/v2/", nil)
			if tc.user != "" {
				req.SetBasicAuth(tc.user, tc.pass)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
			challenge := resp.Header.Get("WWW-Authenticate")
			if tc.want == http.StatusUnauthorized && challenge != `Basic realm="k8sgen-lab"` {
				t.Fatalf("WWW-Authenticate %q, want a Basic challenge", challenge)
			}
		})
	}
}

func TestPushPullRoundTrip(t *testing.T) {
	dir, caDir := t.TempDir(), t.TempDir()
	host, tr := startRegistry(t, dir, caDir)
	ref, err := name.ParseReference(host + "/k8s/test:v1")
	if err != nil {
		t.Fatal(err)
	}
	img, err := random.Image(2048, 2)
	if err != nil {
		t.Fatal(err)
	}
	auth := remote.WithAuth(&authn.Basic{Username: testUser, Password: testPass})
	if err := remote.Write(ref, img, auth, remote.WithTransport(tr)); err != nil {
		t.Fatalf("push: %v", err)
	}
	want, _ := img.Digest()

	pull := func(t *testing.T, tr http.RoundTripper) {
		t.Helper()
		got, err := remote.Image(ref, auth, remote.WithTransport(tr))
		if err != nil {
			t.Fatalf("pull: %v", err)
		}
		if d, _ := got.Digest(); d != want {
			t.Fatalf("pulled digest %s, want %s", d, want)
		}
		layers, err := got.Layers()
		if err != nil || len(layers) != 2 {
			t.Fatalf("layers: %d, %v", len(layers), err)
		}
		rc, err := layers[1].Compressed()
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(rc); err != nil {
			t.Fatalf("reading layer: %v", err)
		}
		rc.Close()
	}
	pull(t, tr)

	_, err = remote.Image(ref, remote.WithTransport(tr))
	var terr *transport.Error
	if !errors.As(err, &terr) || terr.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous pull: %v, want a 401", err)
	}

	// A second server on the same storage (a restart) still has the image.
	host2, tr2 := startRegistry(t, dir, caDir)
	ref, _ = name.ParseReference(host2 + "/k8s/test:v1")
	pull(t, tr2)

	// Pushing the same image again does not grow the journal.
	before, _ := os.ReadFile(filepath.Join(dir, "manifests.jsonl"))
	if err := remote.Write(ref, img, auth, remote.WithTransport(tr2)); err != nil {
		t.Fatalf("second push: %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "manifests.jsonl"))
	if len(before) == 0 || !bytes.Equal(before, after) {
		t.Fatalf("journal changed on a repeated push (%d -> %d bytes)", len(before), len(after))
	}
}

func TestCertificateChain(t *testing.T) {
	ca, err := loadOrCreateCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.tlsCertificate([]string{"harbor", "10.77.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	for _, host := range []string{"harbor", "10.77.0.1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: pool}); err != nil {
			t.Errorf("verify for %s: %v", host, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "other", Roots: pool}); err == nil {
		t.Error("certificate verifies for a name it does not carry")
	}
}

func TestLoadCAIsStable(t *testing.T) {
	dir := t.TempDir()
	a, err := loadOrCreateCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := loadOrCreateCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.certPEM, b.certPEM) {
		t.Fatal("second load made a new CA")
	}
	if err := os.Remove(filepath.Join(dir, caCertFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := loadOrCreateCA(dir); err == nil {
		t.Fatal("a lone CA key was replaced silently")
	}
}

func TestStaticLog(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "Release"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	var logBuf bytes.Buffer
	srv := httptest.NewServer(logRequests(log.New(&logBuf, "", 0), "http", http.FileServer(http.Dir(root))))
	defer srv.Close()
	for _, p := range []string{"/Release", "/missing"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	out := logBuf.String()
	if !strings.Contains(out, "GET /Release 200 5 ") || !strings.Contains(out, "GET /missing 404 ") {
		t.Fatalf("log lacks statuses:\n%s", out)
	}
}
