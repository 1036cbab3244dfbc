package secrets

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

func newBundle(t *testing.T) *Bundle {
	t.Helper()
	b, err := New(rand.Reader, now, "lab")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func roundTrip(t *testing.T, b *Bundle) (*Bundle, error) {
	t.Helper()
	raw, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return Load(raw, "lab")
}

func TestNewLoads(t *testing.T) {
	b := newBundle(t)
	got, err := roundTrip(t, b)
	if err != nil {
		t.Fatalf("a new bundle does not load: %v", err)
	}
	if got.CA != b.CA || got.AdminClient != b.AdminClient {
		t.Fatal("a new bundle changed on the way through Marshal and Load")
	}
}

// Every PEM field holds exactly the one block it names: a second CA, a key after a
// certificate or trailing text would reach the nodes unchecked.
func TestPEMFieldsHoldExactlyOneBlock(t *testing.T) {
	other := newBundle(t)
	fields := map[string]func(*Bundle) *string{
		"ca.cert":             func(b *Bundle) *string { return &b.CA.Cert },
		"ca.key":              func(b *Bundle) *string { return &b.CA.Key },
		"frontProxyCA.cert":   func(b *Bundle) *string { return &b.FrontProxyCA.Cert },
		"frontProxyCA.key":    func(b *Bundle) *string { return &b.FrontProxyCA.Key },
		"etcdCA.cert":         func(b *Bundle) *string { return &b.EtcdCA.Cert },
		"etcdCA.key":          func(b *Bundle) *string { return &b.EtcdCA.Key },
		"serviceAccount.cert": func(b *Bundle) *string { return &b.ServiceAccount.Cert },
		"serviceAccount.key":  func(b *Bundle) *string { return &b.ServiceAccount.Key },
		"adminClient.cert":    func(b *Bundle) *string { return &b.AdminClient.Cert },
		"adminClient.key":     func(b *Bundle) *string { return &b.AdminClient.Key },
	}
	edits := []struct {
		name, want string
		edit       func(s string) string
	}{
		{"second CA appended", "holds 2 PEM blocks", func(s string) string { return s + other.CA.Cert }},
		{"second block prepended", "holds 2 PEM blocks", func(s string) string { return other.EtcdCA.Cert + s }},
		{"private key appended", "holds 2 PEM blocks", func(s string) string { return s + other.CA.Key }},
		{"trailing text", "text after the PEM block", func(s string) string { return s + "touch /tmp/x\n" }},
		{"leading text", "text before the PEM block", func(s string) string { return "# hello\n" + s }},
		{"a broken second BEGIN line", "holds 2 PEM blocks", func(s string) string { return s + "-----BEGIN junk\n" }},
		{"empty", "empty", func(string) string { return "" }},
		{"not PEM", "holds 0 PEM blocks", func(string) string { return "hello" }},
		{"headers", "PEM headers", func(s string) string {
			blk, _ := pem.Decode([]byte(s))
			blk.Headers = map[string]string{"Proc-Type": "4,ENCRYPTED"}
			return string(pem.EncodeToMemory(blk))
		}},
		{"wrong block type", "want", func(s string) string {
			blk, _ := pem.Decode([]byte(s))
			blk.Type = "X509 CRL"
			return string(pem.EncodeToMemory(blk))
		}},
	}
	for field, get := range fields {
		for _, e := range edits {
			t.Run(field+"/"+e.name, func(t *testing.T) {
				b := newBundle(t)
				p := get(b)
				*p = e.edit(*p)
				_, err := roundTrip(t, b)
				if err == nil {
					t.Fatalf("accepted %s with %s", field, e.name)
				}
				if !strings.Contains(err.Error(), field+": ") || !strings.Contains(err.Error(), e.want) {
					t.Fatalf("error %q does not name %s and say %q", err, field, e.want)
				}
			})
		}
	}
}

// White space around the one block is tolerated, and dropped on load, so the
// text that reaches the nodes is the block alone.
func TestPEMWhiteSpaceIsNormalised(t *testing.T) {
	b := newBundle(t)
	want := b.CA.Cert
	b.CA.Cert = "\n\n  " + b.CA.Cert + "  \n\n"
	b.ServiceAccount.Cert = "\n " + b.ServiceAccount.Cert
	got, err := roundTrip(t, b)
	if err != nil {
		t.Fatal(err)
	}
	if got.CA.Cert != want {
		t.Fatalf("ca.cert not normalised:\n%q\nwant\n%q", got.CA.Cert, want)
	}
	if !strings.HasPrefix(got.ServiceAccount.Cert, "-----BEGIN") {
		t.Fatal("serviceAccount.cert not normalised")
	}
}

// The fixed bundles of the golden cases are already in the one-block form: loading
// them changes no field, so the golden output stays as it is.
func TestGoldenBundlesLoadUnchanged(t *testing.T) {
	paths, err := filepath.Glob("../../testdata/golden/*/secrets.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden bundles: %v", err)
	}
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var cluster string
		for _, l := range strings.Split(string(raw), "\n") {
			if c, ok := strings.CutPrefix(l, "cluster: "); ok {
				cluster = strings.Trim(c, `"`)
			}
		}
		b, err := Load(raw, cluster)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out, err := b.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != string(raw) {
			t.Errorf("%s: Load changed the bundle", p)
		}
	}
}

func TestValidities(t *testing.T) {
	b := newBundle(t)
	vs, err := b.Validities()
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, v := range vs {
		fields = append(fields, v.Field)
		if !v.NotBefore.Before(now) {
			t.Errorf("%s: not valid at creation (%s)", v.Field, v.NotBefore)
		}
	}
	if got := strings.Join(fields, ","); got != "ca,frontProxyCA,etcdCA,adminClient" {
		t.Fatalf("fields %s", got)
	}
	if !vs[0].NotAfter.Equal(now.Add(CAValidity)) || !vs[3].NotAfter.Equal(now.Add(AdminValidity)) {
		t.Fatalf("validity ends %s (ca), %s (admin)", vs[0].NotAfter, vs[3].NotAfter)
	}
}

func TestRenewAdmin(t *testing.T) {
	b := newBundle(t)
	before := *b
	later := now.Add(AdminValidity + 24*time.Hour) // the first admin certificate has expired
	if err := b.RenewAdmin(rand.Reader, later); err != nil {
		t.Fatal(err)
	}
	if b.AdminClient.Key == before.AdminClient.Key || b.AdminClient.Cert == before.AdminClient.Cert {
		t.Fatal("renewal kept the old key or certificate")
	}
	after := *b
	after.AdminClient = before.AdminClient
	a, _ := after.Marshal()
	o, _ := before.Marshal()
	if string(a) != string(o) {
		t.Fatal("renewal changed more than adminClient")
	}
	if err := b.Check(); err != nil {
		t.Fatalf("renewed bundle fails its check: %v", err)
	}
	cert, err := parseCert(b.AdminClient.Cert)
	if err != nil {
		t.Fatal(err)
	}
	if !cert.NotAfter.Equal(later.Add(AdminValidity)) {
		t.Fatalf("renewed certificate ends %s", cert.NotAfter)
	}
	if cert.Subject.CommonName != "k8sgen-admin" || len(cert.Subject.Organization) != 1 || cert.Subject.Organization[0] != "kubeadm:cluster-admins" {
		t.Fatalf("renewed certificate subject %s", cert.Subject)
	}
	if len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth {
		t.Fatal("renewed certificate is not a client certificate")
	}

	// Near the CA's end, the admin certificate ends with the CA.
	nearEnd := now.Add(CAValidity - 30*24*time.Hour)
	if err := b.RenewAdmin(rand.Reader, nearEnd); err != nil {
		t.Fatal(err)
	}
	cert, _ = parseCert(b.AdminClient.Cert)
	if !cert.NotAfter.Equal(now.Add(CAValidity)) {
		t.Fatalf("admin certificate ends %s, after the CA (%s)", cert.NotAfter, now.Add(CAValidity))
	}

	// An expired CA signs nothing.
	kept := b.AdminClient
	if err := b.RenewAdmin(rand.Reader, now.Add(CAValidity+time.Hour)); err == nil || !strings.Contains(err.Error(), "cannot sign") {
		t.Fatalf("renewal with an expired CA: %v", err)
	}
	if b.AdminClient != kept {
		t.Fatal("a failed renewal changed the bundle")
	}
}

func TestJoinTokens(t *testing.T) {
	b := newBundle(t)
	if b.TokenFor("w1") != b.BootstrapToken {
		t.Fatal("without join tokens a node does not get the init token")
	}
	t1, err := b.AddJoinToken(rand.Reader, 2*time.Hour, []string{"w2", "w3"})
	if err != nil {
		t.Fatal(err)
	}
	t2, err := b.AddJoinToken(rand.Reader, time.Hour, []string{"w3"})
	if err != nil {
		t.Fatal(err)
	}
	for node, want := range map[string]BootstrapToken{"w1": b.BootstrapToken, "w2": t1.Token(), "w3": t2.Token()} {
		if got := b.TokenFor(node); got != want {
			t.Errorf("TokenFor(%s) = %s, want %s", node, got.ID, want.ID)
		}
	}
	if t1.TTL != "2h0m0s" || t1.ID == t2.ID || t1.ID == b.BootstrapToken.ID {
		t.Errorf("tokens %+v %+v", t1, t2)
	}
	back, err := roundTrip(t, b)
	if err != nil || len(back.JoinTokens) != 2 || back.TokenFor("w3") != t2.Token() {
		t.Fatalf("join tokens do not survive a round trip: %v", err)
	}
	for _, bad := range []struct {
		ttl   time.Duration
		nodes []string
	}{{0, []string{"w"}}, {-time.Hour, []string{"w"}}, {time.Hour, nil}, {time.Hour, []string{"W_1"}}, {time.Hour, []string{"a\nb"}}} {
		if _, err := b.AddJoinToken(rand.Reader, bad.ttl, bad.nodes); err == nil {
			t.Errorf("AddJoinToken(%s, %q) accepted", bad.ttl, bad.nodes)
		}
	}
	// A bundle edited by hand is checked like the init token.
	for _, edit := range []func(*Bundle){
		func(b *Bundle) { b.JoinTokens[0].Secret = "short" },
		func(b *Bundle) { b.JoinTokens[1].ID = b.JoinTokens[0].ID },
		func(b *Bundle) { b.JoinTokens[0].ID = b.BootstrapToken.ID },
		func(b *Bundle) { b.JoinTokens[0].TTL = "0s" },
		func(b *Bundle) { b.JoinTokens[0].Nodes = []string{"$(id)"} },
		func(b *Bundle) { b.KubernetesVersion = "1.x" },
	} {
		c, _ := roundTrip(t, b)
		edit(c)
		if err := c.Check(); err == nil {
			t.Errorf("an edited bundle passes: %+v", c.JoinTokens)
		}
	}
}

func TestMoveVersion(t *testing.T) {
	tests := []struct {
		from, to    string
		changed     bool
		warn, error string
	}{
		{"", "1.32.0", true, "", ""},
		{"1.32.0", "1.32.0", false, "", ""},
		{"1.32.0", "1.32.4", true, "", ""},
		{"1.32.4", "1.32.1", true, "", ""},
		{"1.32.4", "1.33.0", true, "upgrade the control plane first (kubeadm upgrade apply v1.33.0", ""},
		{"1.32.4", "1.34.0", false, "", "one minor release at a time and never skips one; render 1.33.x first"},
		{"1.33.0", "1.32.9", false, "", "kubeadm cannot move a control plane down a minor release"},
	}
	for _, tc := range tests {
		b := newBundle(t)
		b.KubernetesVersion = tc.from
		changed, warn, err := b.MoveVersion(tc.to)
		if changed != tc.changed || !strings.Contains(warn, tc.warn) || (tc.warn == "") != (warn == "") ||
			(tc.error == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.error) {
			t.Errorf("%s -> %s: changed %v, warning %q, error %v", tc.from, tc.to, changed, warn, err)
		}
		want := tc.to
		if err != nil {
			want = tc.from
		}
		if b.KubernetesVersion != want {
			t.Errorf("%s -> %s: the bundle records %s", tc.from, tc.to, b.KubernetesVersion)
		}
	}
}

// TestBootstrapTokenByHand: a token set by hand in the bundle is taken, with
// ttl 0s (never expires) as tutorial 001's kubeadm token create --ttl=0; the
// tokens of kubeadm's documentation and defaults are refused, since everyone
// knows them.
func TestBootstrapTokenByHand(t *testing.T) {
	b := newBundle(t)
	b.BootstrapToken = BootstrapToken{ID: "k8sgen", Secret: "q8v1zq0m3lw9x2ra", TTL: "0s"}
	if _, err := roundTrip(t, b); err != nil {
		t.Fatalf("a hand-set token with ttl 0s is refused: %v", err)
	}
	for _, tok := range []string{"abcdef.0123456789abcdef", "07401b.f395accd246ae52d", "9a08jv.c0izixklcxtmnze7", "783bde.3f89s0fje9f38fhf", "qwerty.0123456789abcdef"} {
		id, secret, _ := strings.Cut(tok, ".")
		b.BootstrapToken = BootstrapToken{ID: id, Secret: secret, TTL: "24h0m0s"}
		_, err := roundTrip(t, b)
		if err == nil || !strings.Contains(err.Error(), "bootstrapToken "+id+".<secret> is an example from kubeadm's documentation") {
			t.Errorf("%s: err = %v", tok, err)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error prints the secret: %v", tok, err)
		}
	}
	b.BootstrapToken = BootstrapToken{ID: "k8sgen", Secret: "q8v1zq0m3lw9x2ra", TTL: "-1h"}
	if _, err := roundTrip(t, b); err == nil || !strings.Contains(err.Error(), `bootstrapToken.ttl "-1h"`) {
		t.Errorf("a negative ttl: err = %v", err)
	}
	b.BootstrapToken.TTL = "24h0m0s"
	b.JoinTokens = []JoinToken{{ID: "abcdef", Secret: "0123456789abcdef", TTL: "1h0m0s", Nodes: []string{"w1"}}}
	if _, err := roundTrip(t, b); err == nil || !strings.Contains(err.Error(), "joinTokens[0] abcdef.<secret> is an example") {
		t.Errorf("a public join token: err = %v", err)
	}
}
