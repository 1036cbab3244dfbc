package spec

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
)

// selfSigned returns a certificate and its key as PEM, for the CA fields.
func selfSigned(t *testing.T) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"}, NotBefore: time.Unix(0, 0), NotAfter: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}))
}

func indent(s string) string {
	return "      " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n      ") + "\n"
}

// TestHostileValues: each value below was accepted once and reached a root script
// or a configuration file on every node. Each is refused now, naming field and line.
func TestHostileValues(t *testing.T) {
	cert, key := selfSigned(t)
	registry := func(extra string) string {
		return base + "registries:\n  - host: harbor:443\n" + extra
	}
	tests := []struct {
		name string
		src  string
		want want
	}{
		{"U+2028 in a sysctl value (YAML readers break lines there)",
			base + "kernel:\n  sysctls:\n    net.core.somaxconn: \"1024\u2028path: /var/lib/cloud/scripts/per-boot/x\"\n",
			want{"kernel.sysctls.net.core.somaxconn", lAfterBase + 2, []string{"U+2028"}}},
		{"U+0085 in a noProxy entry (the YAML reader folds it to a space)",
			base + "proxy:\n  http: http://proxy:3128\n  noProxy: [\"a\u0085b\"]\n",
			want{"proxy.noProxy[0]", lAfterBase + 2, []string{"whitespace"}}},
		{"a newline in a repository URL",
			base + "packages:\n  kubernetes:\n    baseURL: \"https://mirror/k8s\\n[evil]\\ngpgcheck=0\"\n",
			want{"packages.kubernetes.baseURL", lAfterBase + 2, []string{"U+000A"}}},
		{"a newline in a gpgKey",
			base + "packages:\n  kubernetes:\n    gpgKey: \"https://mirror/key\\n[x]\"\n",
			want{"packages.kubernetes.gpgKey", lAfterBase + 2, []string{"control character"}}},
		{"a command substitution in a URL, which is a URL's characters but holds a space",
			base + "packages:\n  kubernetes:\n    baseURL: \"https://mirror/$(touch /tmp/x)\"\n",
			want{"packages.kubernetes.baseURL", lAfterBase + 2, []string{"whitespace"}}},
		{"a double quote in a cri-dockerd URL",
			edit(t, "runtime: containerd", "runtime: docker") + "packages:\n  criDockerd:\n    url: 'https://x/a\";id;\".tgz'\n",
			want{"packages.criDockerd.url", lAfterBase + 2, []string{"http(s) URL"}}},
		{"a double quote in a proxy URL (apt.conf's string delimiter)",
			base + "proxy:\n  http: 'http://p:3128/\";APT::Update::Pre-Invoke{\"id\"}'\n",
			want{"proxy.http", lAfterBase + 1, []string{"must be a URL"}}},
		{"a chrony zone holding directives",
			base + "ntp:\n  servers: [\"fe80::1%eth0;makestep\"]\n",
			want{"ntp.servers[0]", lAfterBase + 1, []string{"interface name"}}},
		{"a tab in a node name",
			edit(t, "name: cp-1", "name: \"cp\\t1\""),
			want{"nodes[0].name", lNode0Name, []string{"U+0009"}}},
		{"DEL in a registry username (invalid TOML)",
			registry("    username: \"robot\\x7f\"\n    passwordEnv: PW\n"),
			want{"registries[0].username", lAfterBase + 2, []string{"U+007F"}}},
		{"a private key after the registry CA",
			registry("    ca: |\n" + indent(cert+key)),
			want{"registries[0].ca", lAfterBase + 2, []string{`"EC PRIVATE KEY"`}}},
		{"text after the registry CA",
			registry("    ca: |\n" + indent(cert+"trailing words")),
			want{"registries[0].ca", lAfterBase + 2, []string{"not a PEM certificate"}}},
		{"a noProxy entry with a quote",
			base + "proxy:\n  http: http://proxy:3128\n  noProxy: [\"a'b\"]\n",
			want{"proxy.noProxy[0]", lAfterBase + 2, []string{"host, a domain"}}},
		{"a null list item",
			base + "kernel:\n  modules:\n    - overlay\n    -\n",
			want{"kernel.modules[1]", lAfterBase + 3, []string{"empty list item"}}},
		{"a huge value",
			edit(t, "name: lab", "name: "+strings.Repeat("a", 5000)),
			want{"name", lName, []string{"5000 bytes"}}},
		{"a control character in a map key",
			base + "kernel:\n  sysctls:\n    \"net.core.x\\ty\": \"1\"\n",
			want{"kernel.sysctls", lAfterBase + 2, []string{"key holds the control character"}}},
		{"a flat Kubernetes repository without a key and gpgCheck left on",
			base + "packages:\n  kubernetes:\n    baseURL: http://repo.internal/k8s/\n    layout: flat\n",
			want{"packages.kubernetes.gpgKey", lAfterBase + 1, []string{"gpgCheck: false"}}},
		{"an extra repository without a key and gpgCheck left on",
			base + "packages:\n  extra:\n    - name: internal\n      baseURL: http://repo.internal/x/\n",
			want{"packages.extra[0].gpgKey", lAfterBase + 2, []string{"gpgCheck: false"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, probs := check(tt.src)
			expect(t, probs, false, tt.want)
		})
	}
}

// TestHonestValuesStayAccepted: what tutorials write must still pass the stricter rules.
func TestHonestValuesStayAccepted(t *testing.T) {
	cert, _ := selfSigned(t)
	for _, src := range []string{
		base + "kernel:\n  sysctls:\n    net.ipv4.ip_local_port_range: \"32768 60999\"\n",
		base + "registries:\n  - host: harbor:443\n    ca: |\n" + indent(cert+cert),
		base + "proxy:\n  http: http://user:p%40ss@proxy.corp:3128\n  noProxy: [.corp.example, 10.0.0.0/8, \"*.svc\", localhost, 192.168.1.0/24, 10.96.0.0/12, 10.244.0.0/16, \"registry:5000\"]\n",
		base + "ntp:\n  servers: [ntp1.aliyun.com, 10.0.0.1, \"fe80::1%eth0\"]\n",
		base + "packages:\n  kubernetes:\n    baseURL: https://mirrors.aliyun.com/kubernetes-new/core/stable/\n  extra:\n    - name: internal\n      baseURL: http://repo.internal/el9/$basearch/\n      gpgKey: http://repo.internal/key.asc\n",
	} {
		_, probs := check(src)
		if errs := probs.Errors(); len(errs) > 0 {
			t.Errorf("refused:\n%s\n%s", src, errs)
		}
	}
}

// TestSignaturesOffIsSaid: gpgCheck: false is honoured, and always with a warning.
func TestSignaturesOffIsSaid(t *testing.T) {
	src := base + "packages:\n  kubernetes:\n    baseURL: http://repo.internal/k8s/\n    layout: flat\n    gpgCheck: false\n"
	_, probs := check(src)
	if errs := probs.Errors(); len(errs) > 0 {
		t.Fatalf("refused: %s", errs)
	}
	found := false
	for _, p := range probs.Warnings() {
		if p.Path == "packages.kubernetes.gpgCheck" && p.Line == lAfterBase+4 && strings.Contains(p.Msg, "without checking their signatures") {
			found = true
		}
	}
	if !found {
		t.Errorf("no warning for gpgCheck: false; got %s", dump(probs))
	}
}
