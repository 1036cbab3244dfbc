package render_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/k8sgen/k8sgen/render"
	"github.com/k8sgen/k8sgen/render/plan"
)

// TestForgetEtcdMember runs the rendered forget_etcd_member of a joining control
// plane against a TLS server on loopback that speaks etcd's JSON gateway
// (/v3/cluster/member/list and /remove) and checks the client certificate as
// etcd does. The function must find this node's member by its peer URL whatever
// the JSON's layout, remove exactly that ID (a 64-bit one, beyond float
// precision), fall through an endpoint that does not answer, and do nothing when
// no member or no etcd client key exists.
func TestForgetEtcdMember(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	c, b := loadCase(t, filepath.Join(goldenDir, "ha-kube-vip"))
	res, err := render.Render(c, b, render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	plans, err := plan.Build(c, b)
	if err != nil {
		t.Fatal(err)
	}
	var node *plan.NodePlan
	var files map[string]string
	for i, p := range plans {
		if p.ControlPlane && !p.Init {
			node, files = p, userDataFiles(t, res.Nodes[i].Files[0].Data)
			break
		}
	}
	if node == nil {
		t.Fatal("ha-kube-vip has no joining control plane")
	}
	fn := regexp.MustCompile(`(?ms)^forget_etcd_member\(\) \{\n.*?^\}\n.*?^forget_etcd_member_at\(\) \{\n.*?^\}\n`).FindString(files[node.Paths.Bootstrap])
	if fn == "" {
		t.Fatalf("%s: the bootstrap script has no forget_etcd_member", node.Name)
	}
	if !strings.Contains(fn, "/etc/kubernetes/pki") {
		t.Fatal("forget_etcd_member does not read kubeadm's certificates in /etc/kubernetes/pki")
	}
	env := strings.ReplaceAll(files[plan.NodeEnvPath], "'", "") // shq quotes only when needed
	peer := "https://" + node.IP + ":2380"
	if !strings.Contains(env, "ETCD_PEER_URL="+peer+"\n") {
		t.Fatalf("node.env does not give ETCD_PEER_URL %s:\n%s", peer, env)
	}
	for _, o := range c.ControlPlanes() {
		if want := "https://" + o.IP + ":2379"; strings.Contains(env, want) != (o.IP != node.IP) {
			t.Fatalf("node.env's ETCD_ENDPOINTS must list every other control plane's etcd, not its own:\n%s", env)
		}
	}

	pki := t.TempDir()
	srvCert, pool := etcdTestPKI(t, pki)
	var mu sync.Mutex
	var removed []string
	list, requests := "", 0
	refuse := false // the stand-in refuses removals (etcd's 503 for an unhealthy cluster)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests++
		mu.Unlock()
		if r.Method != http.MethodPost || len(r.TLS.PeerCertificates) == 0 {
			http.Error(w, "POST with a client certificate", http.StatusBadRequest)
			return
		}
		switch r.URL.Path {
		case "/v3/cluster/member/list":
			_, _ = w.Write([]byte(list))
		case "/v3/cluster/member/remove":
			if refuse {
				http.Error(w, "etcdserver: unhealthy cluster", http.StatusServiceUnavailable)
				return
			}
			var req struct{ ID string }
			if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			mu.Lock()
			removed = append(removed, req.ID)
			mu.Unlock()
			_, _ = w.Write([]byte(`{"header":{}}`))
		default:
			http.NotFound(w, r)
		}
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{srvCert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	srv.StartTLS()
	defer srv.Close()
	// A loopback port that refuses connections: the first endpoint is down.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "https://" + l.Addr().String()
	l.Close()

	run := func(t *testing.T) string {
		t.Helper()
		script := "set -euo pipefail\nlog() { printf '%s\\n' \"$*\"; }\n" +
			"ETCD_PEER_URL='" + peer + "'\nETCD_ENDPOINTS=('" + dead + "' '" + srv.URL + "')\n" +
			strings.ReplaceAll(fn, "/etc/kubernetes/pki", pki) + "forget_etcd_member\n"
		out, err := exec.Command("bash", "-c", strings.ReplaceAll(script, "sleep 10", "sleep 0")).CombinedOutput()
		if (err != nil) != refuse {
			t.Fatalf("forget_etcd_member: %v, want failure %v\n%s", err, refuse, out)
		}
		return string(out)
	}
	const ours = "17293822569102704641" // > 2^64 / 2: no float survives it
	members := func(ourPeer string) []map[string]any {
		return []map[string]any{
			{"ID": "9372538179322589801", "name": "cp-a", "peerURLs": []string{"https://10.0.0.1:2380"}, "clientURLs": []string{"https://10.0.0.1:2379"}},
			{"peerURLs": []string{ourPeer}, "isLearner": true, "ID": ours},
			{"name": "cp-c", "ID": "10501334649042878790", "peerURLs": []string{"https://10.0.0.3:2380"}},
		}
	}
	for _, tc := range []struct {
		name, list       string
		keyless, refused bool
		want             []string
	}{
		{name: "compact", list: marshal(t, false, members(peer)), want: []string{ours}},
		{name: "indented", list: marshal(t, true, members(peer)), want: []string{ours}},
		// Another node's URL that starts with ours must not match.
		{name: "absent", list: marshal(t, false, members(peer+"0"))},
		{name: "no etcd client key", list: marshal(t, false, members(peer)), keyless: true},
		// etcd refuses: the function fails (the caller then keeps the member's data).
		{name: "refused", list: marshal(t, false, members(peer)), refused: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			removed, list, requests, refuse = nil, tc.list, 0, tc.refused
			mu.Unlock()
			key := filepath.Join(pki, "apiserver-etcd-client.key")
			if tc.keyless {
				if err := os.Rename(key, key+".away"); err != nil {
					t.Fatal(err)
				}
				defer os.Rename(key+".away", key)
			}
			out := run(t)
			mu.Lock()
			defer mu.Unlock()
			if strings.Join(removed, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("removed %v, want %v; output:\n%s", removed, tc.want, out)
			}
			if tc.keyless && requests != 0 {
				t.Fatalf("without kubeadm's etcd client key, %d requests reached etcd; want none", requests)
			}
			if !tc.keyless && requests == 0 {
				t.Fatal("no request reached the etcd stand-in")
			}
			if len(tc.want) > 0 && !strings.Contains(out, "removed this node's etcd member "+ours) {
				t.Fatalf("no log line for the removal:\n%s", out)
			}
		})
	}
}

func marshal(t *testing.T, indent bool, members []map[string]any) string {
	t.Helper()
	v := map[string]any{"header": map[string]any{"cluster_id": "1", "member_id": "2", "raft_term": "3"}, "members": members}
	var out []byte
	var err error
	if indent {
		out, err = json.MarshalIndent(v, "", "  ")
	} else {
		out, err = json.Marshal(v)
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// etcdTestPKI writes an etcd CA, and a client certificate signed by it, where
// kubeadm puts them under dir, and returns the server's certificate for 127.0.0.1.
func etcdTestPKI(t *testing.T, dir string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "etcd-ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage, ips ...net.IP) ([]byte, *ecdsa.PrivateKey) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: ips,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, key
	}
	write := func(name, typ string, der []byte) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("etcd/ca.crt", "CERTIFICATE", caDER)
	cDER, cKey := leaf(2, "kube-apiserver-etcd-client", x509.ExtKeyUsageClientAuth)
	write("apiserver-etcd-client.crt", "CERTIFICATE", cDER)
	ck, _ := x509.MarshalECPrivateKey(cKey)
	write("apiserver-etcd-client.key", "EC PRIVATE KEY", ck)
	sDER, sKey := leaf(3, "etcd", x509.ExtKeyUsageServerAuth, net.IPv4(127, 0, 0, 1))
	return tls.Certificate{Certificate: [][]byte{sDER}, PrivateKey: sKey}, pool
}
