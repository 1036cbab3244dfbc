package consumers

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// The failover tests run the rendered load-balancer files of two golden cases
// with the real haproxy and keepalived, in network namespaces made for the test
// (one per node, joined by a bridge in a hub namespace; no traffic leaves them).
// Each control plane's API server is a stand-in: an haproxy that answers
// /readyz over TLS with its node's name. Then the control plane that holds the
// VIP (keepalived) or the first one (node-local) is "powered off": its processes
// killed and its link down. The API must answer again, and never from the node
// that went away. The boot lab cannot hold two emulated control planes on two
// cores (README, stage 3); these tests prove what the VIP and the balancers do
// with the files as rendered.

// fnet is the test's namespaces.
type fnet struct {
	t      *testing.T
	prefix string
	hub    string
	procs  []*exec.Cmd
	dir    string
}

func newFnet(t *testing.T) *fnet {
	t.Helper()
	if os.Geteuid() != 0 {
		missingTool(t, "the failover tests need root for their network namespaces")
	}
	for _, tool := range []string{"ip", "haproxy", "keepalived", "curl", "unshare"} {
		needTool(t, tool)
	}
	f := &fnet{t: t, prefix: fmt.Sprintf("k8sgen-fo%d", os.Getpid()%100000), dir: t.TempDir()}
	f.hub = f.prefix + "-hub"
	t.Cleanup(f.close)
	f.ip("netns", "add", f.hub)
	f.ip("-n", f.hub, "link", "add", "br0", "type", "bridge")
	f.ip("-n", f.hub, "link", "set", "br0", "up")
	f.ip("-n", f.hub, "link", "set", "lo", "up")
	return f
}

func (f *fnet) ip(args ...string) {
	f.t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		f.t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func (f *fnet) ns(node string) string { return f.prefix + "-" + node }

// addNode makes the node's namespace with eth0 (addr, a CIDR) on the hub's bridge.
func (f *fnet) addNode(i int, node, addr string) {
	f.t.Helper()
	ns, port := f.ns(node), fmt.Sprintf("p%d", i)
	f.ip("netns", "add", ns)
	f.ip("-n", f.hub, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)
	f.ip("-n", f.hub, "link", "set", port, "master", "br0", "up")
	f.ip("-n", ns, "link", "set", "lo", "up")
	f.ip("-n", ns, "addr", "add", addr, "dev", "eth0")
	f.ip("-n", ns, "link", "set", "eth0", "up")
}

// start runs argv inside node's namespace until the test ends or it is killed.
func (f *fnet) start(node string, argv ...string) *exec.Cmd {
	f.t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", f.ns(node)}, argv...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		f.t.Fatalf("%s: %v", strings.Join(argv, " "), err)
	}
	f.procs = append(f.procs, cmd)
	go func() {
		_ = cmd.Wait()
	}()
	f.t.Cleanup(func() {
		if f.t.Failed() && out.Len() > 0 {
			f.t.Logf("%s %s:\n%s", node, argv[0], tail(out.String(), 2000))
		}
	})
	return cmd
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// powerOff takes node's link down and then kills every process in its
// namespace, as a power cut would: nothing it sends on the way out (keepalived's
// priority-0 advert on SIGTERM) reaches the others.
func (f *fnet) powerOff(node string) {
	f.t.Helper()
	f.ip("-n", f.ns(node), "link", "set", "eth0", "down")
	f.killAll(f.ns(node))
}

// killAll kills every process in the namespace ns (keepalived's children too).
func (f *fnet) killAll(ns string) {
	out, _ := exec.Command("ip", "netns", "pids", ns).Output()
	for _, pid := range strings.Fields(string(out)) {
		_ = exec.Command("kill", "-KILL", pid).Run()
	}
}

func (f *fnet) close() {
	for _, c := range f.procs {
		if c.Process != nil {
			_ = c.Process.Kill()
		}
	}
	out, _ := exec.Command("ip", "netns", "list").Output()
	for _, line := range strings.Split(string(out), "\n") {
		if name := strings.Fields(line); len(name) > 0 && strings.HasPrefix(name[0], f.prefix+"-") {
			f.killAll(name[0])
			_ = exec.Command("ip", "netns", "del", name[0]).Run()
		}
	}
}

// standInAPI runs an haproxy on ip:6443 that answers every request over TLS
// with 200 and the node's name, as a healthy API server answers /readyz.
func (f *fnet) standInAPI(node, ip string) {
	f.t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: node},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP(ip)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		f.t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	pemFile := filepath.Join(f.dir, node+"-api.pem")
	pemData := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})...)
	if err := os.WriteFile(pemFile, pemData, 0o600); err != nil {
		f.t.Fatal(err)
	}
	cfg := fmt.Sprintf(`global
    maxconn 200
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend api
    bind %s:6443 ssl crt %s
    http-request return status 200 content-type text/plain string %s
`, ip, pemFile, node)
	cfgFile := filepath.Join(f.dir, node+"-api.cfg")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		f.t.Fatal(err)
	}
	f.start(node, "haproxy", "-db", "-f", cfgFile)
}

// get fetches url's /readyz from inside node's namespace: the answering node's name, or "".
func (f *fnet) get(node, url string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ip", "netns", "exec", f.ns(node), "curl", "-fsk", "--max-time", "3", url+"/readyz").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// settle waits until n answers in a row come, none from gone (a node that is
// off cannot answer; the streak is what counts).
func (f *fnet) settle(client, url, gone string, n int, within time.Duration) (time.Duration, []string) {
	start := time.Now()
	var seen []string
	streak := 0
	for time.Since(start) < within {
		got := f.get(client, url)
		seen = append(seen, got)
		if got != "" && got != gone {
			streak++
			if streak == n {
				return time.Since(start), seen
			}
		} else {
			streak = 0
			time.Sleep(200 * time.Millisecond)
		}
	}
	return -1, seen
}

// lbFiles reads a node's load-balancer files from a golden case's user-data.
func lbFiles(t *testing.T, c string, node string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(goldenRoot, c, "out", node, "user-data"))
	if err != nil {
		t.Fatal(err)
	}
	var ud userData
	if err := yaml.Unmarshal(raw, &ud); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, wf := range ud.WriteFiles {
		content, err := decodeContent(wf)
		if err != nil {
			t.Fatal(err)
		}
		files[wf.Path] = content
	}
	return files
}

func (f *fnet) writeFile(name, content string, mode os.FileMode) string {
	f.t.Helper()
	p := filepath.Join(f.dir, name)
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		f.t.Fatal(err)
	}
	return p
}

// vipHolders lists the nodes whose eth0 holds vip.
func (f *fnet) vipHolders(nodes []string, vip string) []string {
	var on []string
	for _, n := range nodes {
		out, _ := exec.Command("ip", "-n", f.ns(n), "-o", "addr", "show", "dev", "eth0").Output()
		if strings.Contains(string(out), " "+vip+"/") {
			on = append(on, n)
		}
	}
	return on
}

// TestKeepalivedFailover: tutorial 002's three control planes (keepalived +
// haproxy, VIP 192.168.99.100, haproxy on 8443). The VIP settles on the first
// control plane (the highest priority). When its haproxy dies, its check fails
// and the VIP goes to the second while the first still runs. The second is then
// powered off: the third takes the VIP (it outranks the first, whose check still
// fails), and the API answers through the VIP, never from the second.
func TestKeepalivedFailover(t *testing.T) {
	f := newFnet(t)
	const vip = "192.168.99.100"
	nodes := []string{"mster1", "mster2", "mster3"}
	ips := map[string]string{"mster1": "192.168.99.201", "mster2": "192.168.99.206", "mster3": "192.168.99.204"}
	f.ip("-n", f.hub, "addr", "add", "192.168.99.250/24", "dev", "br0")
	for i, n := range nodes {
		f.addNode(i, n, ips[n]+"/24")
	}
	balancer := map[string]*exec.Cmd{}
	for _, n := range nodes {
		files := lbFiles(t, "tutorial-002", n)
		if !strings.Contains(files[haproxyCfg], ips[n]) || !strings.Contains(files[keepalivedConf], vip) {
			t.Fatalf("%s: the golden files are not tutorial 002's", n)
		}
		haCfg := f.writeFile(n+"-haproxy.cfg", files[haproxyCfg], 0o600)
		kaConf := f.writeFile(n+"-keepalived.conf", files[keepalivedConf], 0o600)
		check := f.writeFile(n+"-check.sh", files[keepalivedCheckStaged], 0o755)
		f.standInAPI(n, ips[n])
		balancer[n] = f.start(n, "haproxy", "-db", "-f", haCfg)
		// keepalived runs scripts only from root-owned paths: the rendered check
		// goes where keepalived.conf names it, on a tmpfs in a mount namespace of
		// this node's own (with /run, where keepalived keeps its pid files).
		f.start(n, "unshare", "--mount", "sh", "-c", `set -e
mount -t tmpfs k8sgen-test /run
mount -t tmpfs k8sgen-test /etc/keepalived
install -m 0755 "$1" "$2"
exec keepalived -n -l -D -f "$3"`, "sh", check, keepalivedCheck, kaConf)
	}
	url := "https://" + vip + ":8443"
	// holder waits until exactly want holds the VIP among nodes. While the VIP
	// moves, the new master sets it before the old one hears its first advert
	// and drops it, and the nodes are read one after another, so a reading can
	// show two holders for a moment. Two holders for longer than overlapLimit
	// (several of the rendered advert_int 1) is a split brain and fails.
	const overlapLimit = 3 * time.Second
	holder := func(want string, among []string, since time.Time, within time.Duration) {
		t.Helper()
		var overlap time.Time
		for {
			on := f.vipHolders(among, vip)
			if len(on) == 1 && on[0] == want {
				t.Logf("the VIP is on %s %v after the change", want, time.Since(since).Round(100*time.Millisecond))
				return
			}
			if len(on) > 1 {
				if overlap.IsZero() {
					overlap = time.Now()
					t.Logf("while the VIP moves, %v hold it", on)
				} else if time.Since(overlap) > overlapLimit {
					t.Fatalf("several control planes hold the VIP for over %v: %v", overlapLimit, on)
				}
			} else {
				overlap = time.Time{}
			}
			if time.Since(since) > within {
				t.Fatalf("the VIP is on %v, not %s, %v after the change", on, want, within)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	holder("mster1", nodes, time.Now(), 60*time.Second)
	if d, seen := f.settle("hub", url, "", 10, 30*time.Second); d < 0 {
		t.Fatalf("the API does not answer 10 times in a row through the VIP: %q", seen)
	}

	// mster1's own haproxy dies: its check fails and it yields the VIP.
	_ = balancer["mster1"].Process.Kill()
	holder("mster2", nodes, time.Now(), 30*time.Second)
	if d, seen := f.settle("hub", url, "", 10, 30*time.Second); d < 0 {
		t.Fatalf("the API does not answer 10 times in a row through the VIP on mster2: %q", seen)
	}

	// mster2 loses power.
	off := time.Now()
	f.powerOff("mster2")
	holder("mster3", []string{"mster1", "mster3"}, off, 30*time.Second)
	d, seen := f.settle("hub", url, "mster2", 10, 60*time.Second)
	if d < 0 {
		t.Fatalf("the API did not answer 10 times in a row through the VIP within 60s of mster2's power-off: %q", seen)
	}
	t.Logf("the API answered through the VIP again %v after mster2 went off", time.Since(off).Round(100*time.Millisecond))
}

// TestNodeLocalFailover: the node-local case's first worker. Its haproxy
// (127.0.0.1:8443, the endpoint name's address on every node) reaches the API
// over all three control planes; with the first powered off, every answer comes
// from the other two.
func TestNodeLocalFailover(t *testing.T) {
	f := newFnet(t)
	cps := []string{"m1", "m2", "m3"}
	ips := map[string]string{"m1": "10.0.1.11", "m2": "10.0.2.12", "m3": "10.0.3.13", "n1": "10.0.1.21"}
	for i, n := range append(cps, "n1") {
		f.addNode(i, n, ips[n]+"/8")
	}
	for _, n := range cps {
		f.standInAPI(n, ips[n])
	}
	files := lbFiles(t, "ha-node-local", "n1")
	if !strings.Contains(files[haproxyCfg], "bind 127.0.0.1:8443") {
		t.Fatalf("n1's haproxy.cfg does not bind 127.0.0.1:8443:\n%s", files[haproxyCfg])
	}
	f.start("n1", "haproxy", "-db", "-f", f.writeFile("n1-haproxy.cfg", files[haproxyCfg], 0o600))
	url := "https://127.0.0.1:8443"
	answered := map[string]bool{}
	deadline := time.Now().Add(30 * time.Second)
	for len(answered) < 3 {
		if got := f.get("n1", url); got != "" {
			answered[got] = true
		}
		if time.Now().After(deadline) {
			t.Fatalf("within 30s the balancer reached only %v of the three control planes", answered)
		}
	}
	off := time.Now()
	f.powerOff("m1")
	d, seen := f.settle("n1", url, "m1", 20, 60*time.Second)
	if d < 0 {
		t.Fatalf("no 20 answers in a row without m1 within 60s of its power-off: %q", seen)
	}
	t.Logf("20 answers in a row from m2 and m3 %v after m1 went off", time.Since(off).Round(100*time.Millisecond))
}
