package render_test

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2"
	"gopkg.in/yaml.v3"
	"mvdan.cc/sh/v3/syntax"

	"github.com/k8sgen/k8sgen/render"
	"github.com/k8sgen/k8sgen/render/plan"
	"github.com/k8sgen/k8sgen/render/secrets"
	"github.com/k8sgen/k8sgen/render/spec"
	"github.com/k8sgen/k8sgen/templates"
)

// fuzzSpec has every field that reaches a node file; @0@ … @N@ mark the slots the
// fuzzer fills, one at a time, with a hostile value (the others get their default).
const fuzzSpec = `name: @0@
kubernetesVersion: "1.32.0"
os: @1@
runtime: @2@
controlPlaneEndpoint: @3@
imageRepository: @4@
network:
  cni: @5@
  cniManifest: @6@
  cniImageRepository: @7@
  podSubnet: @8@
ntp:
  servers: [@9@]
proxy:
  http: @10@
  https: @11@
  noProxy: [@12@, 10.96.0.0/12, 10.244.0.0/16]
packages:
  kubernetes:
    baseURL: @13@
    gpgKey: @14@
  runtime:
    baseURL: @15@
  extra:
    - name: @16@
      baseURL: @17@
      gpgKey: @18@
  criDockerd:
    url: @19@
registries:
  - host: @20@
    mirrors: [@21@]
    username: @22@
    passwordEnv: PW
kernel:
  modules: [@23@]
  sysctls:
    @24@: @25@
extraHosts:
  - name: @26@
    ip: @27@
controlPlaneFiles:
  - path: /etc/kubernetes/extra/notes
    content: @33@
nodes:
  - name: @28@
    role: control-plane
    ip: @29@
  - name: w1
    role: worker
    ip: 192.168.1.12
    kubernetesVersion: @31@
    arch: @32@
`

var fuzzDefaults = []string{
	"lab", "debian-12", "containerd", "192.168.1.11:6443", "harbor:443/k8s",
	"flannel", "http://repo.internal/kube-flannel.yml", "harbor:443/flannel-io", "10.244.0.0/16",
	"ntp.internal", "http://proxy.internal:3128", "http://proxy.internal:3128", ".internal",
	"http://repo.internal/k8s/", "http://repo.internal/k8s.key", "http://repo.internal/docker",
	"internal", "http://repo.internal/extra/", "http://repo.internal/extra.key",
	"http://repo.internal/cri-dockerd.tgz",
	"harbor:443", "https://mirror.internal:5000", "robot", "xt_conntrack",
	"net.netfilter.nf_conntrack_max", "262144", "harbor", "192.168.1.2", "cp", "192.168.1.11",
	"https://files.internal/kubernetes/",
	"1.31.0", "arm64", "\"x: 1\\n\"",
}

// textSeeds are file contents that the YAML encoders must write so that
// they read back the same: a leading line break, tab or blank, blank lines.
var textSeeds = []string{"\napiVersion: v1\n", "\tx\ny\n", " x\n y\n", "\n", "x\n\n\n", "\r\nx\n", "\u00a0x\ny\n", "\n\n#x"}

// specWith fills slot with value (a YAML double-quoted scalar) and the others with defaults.
func specWith(slot int, value string) (string, bool) {
	return fillSlots(fuzzSpec, fuzzDefaults, slot, value)
}

// fillSlots fills @slot@ of tmpl with value (a YAML double-quoted scalar) and the
// other slots with their defaults.
func fillSlots(tmpl string, defaults []string, slot int, value string) (string, bool) {
	s := tmpl
	for i, d := range defaults {
		v := d
		if i == slot {
			q, err := templates.DoubleQuote(value)
			if err != nil {
				return "", false
			}
			v = q
		}
		s = strings.Replace(s, fmt.Sprintf("@%d@", i), v, 1)
	}
	return s, true
}

var (
	bundleOnce sync.Once
	bundle     *secrets.Bundle
)

// FuzzRender puts a hostile value into one field of a spec that uses every field.
// When validation accepts it, the whole render must hold these properties:
// every shell script parses; the value never appears in a script outside single
// quotes unless it is a plain word; every file parses in its own format; and
// user-data writes exactly the files the plan lists.
func FuzzRender(f *testing.F) {
	for slot := range fuzzDefaults {
		f.Add(uint8(slot), fuzzDefaults[slot])
		for _, v := range []string{"a'b", `a"b`, "$(id)", "`id`", "a\nb", "a\u2028path: /x", "x;y", "a b", "\\", "%h$X", "a#b"} {
			f.Add(uint8(slot), v)
		}
	}
	f.Add(uint8(24), "net.core.x")
	f.Add(uint8(25), "32768 60999")
	f.Add(uint8(9), "fe80::1%eth0")
	f.Add(uint8(12), "*.svc")
	f.Add(uint8(10), "http://u:p%40ss@proxy:3128/")
	f.Add(uint8(13), "https://mirror/$releasever/'x'/")
	f.Add(uint8(22), "robot$ci")
	for _, v := range textSeeds {
		f.Add(uint8(33), v)
	}
	f.Fuzz(func(t *testing.T, slot uint8, value string) {
		src, ok := specWith(int(slot)%len(fuzzDefaults), value)
		if !ok {
			return
		}
		renderAccepted(t, src, value)
	})
}

// fuzzHASpec has every load balancer field that reaches a node file, for
// FuzzRenderHA; haproxy.cfg and keepalived.conf have no quoting, so a value
// there must be refused or be a plain word.
const fuzzHASpec = `name: ha
kubernetesVersion: "1.33.0"
os: rocky-9
controlPlaneEndpoint: @0@
imageRepository: @1@
bootstrapTokenTTL: @2@
loadBalancer:
  kind: @3@
  vip: @4@
  interface: @5@
  prefixLength: 24
  kubeVIP:
    version: @6@
    image: @7@
extraHosts:
  - name: @8@
    ip: @9@
certSANs: [@12@]
kubeletConfiguration:
  evictionHard: {@16@: @17@}
  clusterDNS: [@18@]
nodes:
  - name: @10@
    role: control-plane
    ip: @11@
    taints:
      - key: @14@
        value: @15@
        effect: NoExecute
  - name: m2
    role: control-plane
    ip: 192.168.99.12
  - name: m3
    role: control-plane
    ip: 192.168.99.13
  - name: w1
    role: worker
    ip: 192.168.99.21
    labels:
      tier: @13@
`

var fuzzHADefaults = []string{
	"192.168.99.100:6443", "harbor:443/k8s", "24h", "kube-vip", "192.168.99.100", "eth0",
	"v1.0.0", "harbor:443/k8s/kube-vip", "harbor", "192.168.99.2", "m1", "192.168.99.11",
	"api.example.com", "storage", "example.com/batch", "jobs",
	"memory.available", "300Mi", "169.254.20.10",
}

// FuzzRenderHA is FuzzRender over the load balancer's fields: kube-vip's
// with kind kube-vip, the others with keepalived; the kind slot tries every
// kind, whose fields of another kind are refused.
func FuzzRenderHA(f *testing.F) {
	for slot := range fuzzHADefaults {
		f.Add(uint8(slot), fuzzHADefaults[slot])
		for _, v := range []string{"a'b", `a"b`, "$(id)", "a\nb", "a b", "a#b", "a!b", "a{b", "a}b", "eth0 dev lo", "192.168.99.100/24"} {
			f.Add(uint8(slot), v)
		}
	}
	for _, k := range []string{"keepalived", "node-local", "external"} {
		f.Add(uint8(3), k)
	}
	f.Fuzz(func(t *testing.T, slot uint8, value string) {
		i := int(slot) % len(fuzzHADefaults)
		tmpl := fuzzHASpec
		keepalived := i != 3 && i != 6 && i != 7
		if keepalived {
			// Every slot but kind's and kube-vip's is tried with keepalived, whose files have no quoting.
			tmpl = strings.Replace(tmpl, "  kubeVIP:\n    version: @6@\n    image: @7@\n", "", 1)
			tmpl = strings.Replace(tmpl, "kind: @3@", "kind: keepalived", 1)
			tmpl = strings.Replace(tmpl, "controlPlaneEndpoint: @0@", "controlPlaneEndpoint: @0@\n# port 8443", 1)
		}
		src, ok := fillSlots(tmpl, fuzzHADefaults, i, value)
		if !ok {
			return
		}
		if keepalived {
			src = strings.Replace(src, "192.168.99.100:6443", "192.168.99.100:8443", 1)
		}
		seen := value
		if i >= 16 {
			// These slots reach the kubeadm configuration only, which is checked
			// below by reading the value back; the checks for unquoted files
			// would match the files' own text ("y 1" in "priority 1").
			seen = "\x00"
		}
		res := renderAccepted(t, src, seen)
		if res == nil || i < 16 {
			return
		}
		// The kubelet reads back exactly the spec's key and values.
		want := map[string]string{"memory.available": "300Mi"}
		dns := fuzzHADefaults[18]
		switch i {
		case 16:
			want = map[string]string{value: "300Mi"}
		case 17:
			want["memory.available"] = value
		case 18:
			dns = value
		}
		kc := kubeletConfigOf(t, res.Nodes[0].Files[0].Data)
		var got struct {
			EvictionHard map[string]string `yaml:"evictionHard"`
			ClusterDNS   []string          `yaml:"clusterDNS"`
		}
		if err := kc.Decode(&got); err != nil || !maps.Equal(got.EvictionHard, want) || len(got.ClusterDNS) != 1 || got.ClusterDNS[0] != dns {
			t.Fatalf("the KubeletConfiguration reads back as %+v (%v), not %v and [%s]", got, err, want, dns)
		}
	})
}

// fuzzFlatcarSpec has the fields a flatcar spec takes that reach its files.
const fuzzFlatcarSpec = `name: @0@
kubernetesVersion: "1.33.0"
os: flatcar
controlPlaneEndpoint: @1@
imageRepository: @2@
network:
  cni: @3@
  cniManifest: @4@
  cniImageRepository: @5@
ntp:
  servers: [@6@]
proxy:
  http: @7@
  noProxy: [@8@]
packages:
  kubernetesSysext:
    url: @9@
    sha256: @10@
  kubernetesSysextUpdates: @21@
registries:
  - host: @11@
    mirrors: [@12@]
    username: @13@
    passwordEnv: PW
kernel:
  modules: [@14@]
  sysctls:
    @15@: @16@
extraHosts:
  - name: @17@
    ip: @18@
controlPlaneFiles:
  - path: /etc/kubernetes/extra/notes
    content: @22@
nodes:
  - name: @19@
    role: control-plane
    ip: @20@
  - name: w1
    role: worker
    ip: 192.168.1.12
`

var fuzzFlatcarDefaults = []string{
	"lab", "192.168.1.11:6443", "harbor:443/k8s", "calico", "http://repo.internal/calico.yaml", "harbor:443/calico",
	"ntp.internal", "http://proxy.internal:3128", ".internal",
	"http://repo.internal/kubernetes-v1.33.0-x86-64.raw", strings.Repeat("ab", 32),
	"harbor:443", "https://mirror.internal:5000", "robot", "xt_conntrack",
	"net.netfilter.nf_conntrack_max", "262144", "harbor", "192.168.1.2", "cp", "192.168.1.11",
	"https://files.internal/kubernetes/", "\"x: 1\\n\"",
}

// FuzzRenderFlatcar is FuzzRender for an OS that boots from Ignition: the
// values reach the same files through Butane and Ignition's JSON.
func FuzzRenderFlatcar(f *testing.F) {
	for slot := range fuzzFlatcarDefaults {
		f.Add(uint8(slot), fuzzFlatcarDefaults[slot])
		for _, v := range []string{"a'b", `a"b`, "$(id)", "a\nb", "a b", "a#b", "%h$X", "a\u2028b", "\\"} {
			f.Add(uint8(slot), v)
		}
	}
	for _, v := range textSeeds {
		f.Add(uint8(22), v)
	}
	f.Fuzz(func(t *testing.T, slot uint8, value string) {
		src, ok := fillSlots(fuzzFlatcarSpec, fuzzFlatcarDefaults, int(slot)%len(fuzzFlatcarDefaults), value)
		if !ok {
			return
		}
		renderAccepted(t, src, value)
	})
}

// fuzzFCOSSpec has the fields an fcos spec takes that reach its files: the
// release files of install binaries above all.
const fuzzFCOSSpec = `name: @0@
kubernetesVersion: "1.34.0"
os: fcos
imageRepository: @1@
ntp:
  servers: [@2@]
packages:
  kubernetesBinaries:
    url: @3@
  containerd:
    url: @4@
    sha256: @5@
  runc:
    url: @6@
    sha256: @7@
  cniPlugins:
    url: @8@
    sha256: @9@
registries:
  - host: @10@
    mirrors: [@11@]
sshAuthorizedKeys:
  - @12@
components:
  controllerManager:
    extraArgs:
      @13@: @14@
nodes:
  - name: @15@
    role: control-plane
    ip: 192.168.1.11
  - name: w1
    role: worker
    ip: 192.168.1.12
`

var fuzzFCOSDefaults = []string{
	"lab", "harbor:443/k8s", "ntp.internal", "http://files.internal/k8s/v1.34.0/",
	"http://files.internal/containerd-2.4.2-linux-amd64.tar.gz", strings.Repeat("ab", 32),
	"http://files.internal/runc.amd64", strings.Repeat("cd", 32),
	"http://files.internal/cni-plugins-linux-amd64-v1.10.0.tgz", strings.Repeat("ef", 32),
	"harbor:443", "https://mirror.internal:5000", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMD4F3NQrZnx7kKdtW8kSGS3FYHlbC0k2YHfvtBeeTQj ops@bastion",
	"flex-volume-plugin-dir", "/var/lib/kubelet/volumeplugins", "cp",
}

// FuzzRenderFCOS is FuzzRenderFlatcar for Fedora CoreOS, whose release file
// URLs and digests reach the bootstrap script.
func FuzzRenderFCOS(f *testing.F) {
	for slot := range fuzzFCOSDefaults {
		f.Add(uint8(slot), fuzzFCOSDefaults[slot])
		for _, v := range []string{"a'b", `a"b`, "$(id)", "a\nb", "a b", "a#b", "%h$X", "a\u2028b", "\\",
			"http://x/a'$(id)'.tgz", "http://x/a%27b.tgz", "http://x/$(id)/"} {
			f.Add(uint8(slot), v)
		}
	}
	// Text of the unit template itself, not a spec value in the unit (found
	// by fuzzing: "# b" is in "# boot").
	f.Add(uint8(14), "# b")
	f.Fuzz(func(t *testing.T, slot uint8, value string) {
		src, ok := fillSlots(fuzzFCOSSpec, fuzzFCOSDefaults, int(slot)%len(fuzzFCOSDefaults), value)
		if !ok {
			return
		}
		renderAccepted(t, src, value)
	})
}

// renderAccepted renders src when the spec is valid and checks every node's
// files; it returns the render, or nil for a refused spec.
func renderAccepted(t *testing.T, src, value string) *render.Result {
	t.Helper()
	doc, probs := spec.Check([]byte(src))
	if doc == nil || len(probs.Errors()) > 0 {
		return nil // refused, with a problem: fine
	}
	c := doc.Cluster
	bundleOnce.Do(func() {
		b, err := secrets.New(rand.Reader, time.Unix(1700000000, 0), "lab")
		if err != nil {
			panic(err)
		}
		bundle = b
	})
	b := *bundle
	b.Cluster = c.Name
	b.RegistryPasswords = map[string]string{}
	for _, r := range c.Registries {
		if r.Username != "" {
			b.RegistryPasswords[r.Host] = "pw'\"$(x)"
		}
	}
	res, err := render.Render(c, &b, render.Options{})
	if err != nil {
		t.Fatalf("accepted spec does not render: %v\n%s", err, src)
	}
	sameAsNodeByNode(t, c, &b, render.Options{}, res, src)
	plans, err := plan.Build(c, &b)
	if err == nil && len(plans) > 0 && plans[0].OS.Output == "ignition" {
		// Ignition's compressed form is made apart from the raw one (its
		// files gzipped where Butane would): the same comparison.
		gz, err := render.Render(c, &b, render.Options{Gzip: true})
		if err != nil {
			t.Fatalf("accepted spec does not render with --gzip: %v\n%s", err, src)
		}
		sameAsNodeByNode(t, c, &b, render.Options{Gzip: true}, gz, src)
	}
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range res.Nodes {
		checkNode(t, n, plans[i], value, src)
	}
	var kc map[string]any
	if err := yaml.Unmarshal(res.Kubeconfig, &kc); err != nil || kc["current-context"] == nil {
		t.Fatalf("kubeconfig does not parse (%v):\n%s", err, res.Kubeconfig)
	}
	return res
}

// kubeletConfigOf is the KubeletConfiguration document of a first control
// plane's user-data.
func kubeletConfigOf(t *testing.T, userData []byte) *yaml.Node {
	t.Helper()
	init := userDataFiles(t, userData)[plan.KubeadmConfigDir+"/init.yaml"]
	dec := yaml.NewDecoder(strings.NewReader(init))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("no KubeletConfiguration in init.yaml (%v):\n%s", err, init)
		}
		var head struct{ Kind string }
		if doc.Decode(&head) == nil && head.Kind == "KubeletConfiguration" {
			return &doc
		}
	}
}

type wf struct {
	Path, Encoding, Content, Permissions string
}

// text is the file's content, decoded when the user-data compressed it.
func (w wf) text(t *testing.T) string {
	t.Helper()
	if w.Encoding != "gz+b64" {
		return w.Content
	}
	z, err := base64.StdEncoding.DecodeString(w.Content)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := out.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// userDataFiles is what a cloud-config user-data writes, by path.
func userDataFiles(t *testing.T, userData []byte) map[string]string {
	t.Helper()
	var ud struct {
		WriteFiles []wf `yaml:"write_files"`
	}
	if err := yaml.Unmarshal(userData, &ud); err != nil {
		t.Fatalf("user-data is not YAML: %v", err)
	}
	files := map[string]string{}
	for _, w := range ud.WriteFiles {
		files[w.Path] = w.text(t)
	}
	return files
}

func checkNode(t *testing.T, n render.Node, p *plan.NodePlan, value, src string) {
	t.Helper()
	if p.OS.Output == "ignition" {
		// Ignition's own parser, an empty report, exactly the plan's files
		// with the plan's modes, then each file in its format.
		files, units := parseIgnition(t, n.Files[0].Data)
		if len(files) != len(p.Files) {
			t.Fatalf("%s: config.ign writes %d files, the plan %d\n%s", n.Name, len(files), len(p.Files), src)
		}
		for _, f := range p.Files {
			got, ok := files[f.Path]
			if mode, _ := strconv.ParseInt(f.Mode, 8, 32); !ok || got.Mode != int(mode) {
				t.Fatalf("%s: config.ign lacks %s or its mode %s\n%s", n.Name, f.Path, f.Mode, src)
			}
			wantFileContent(t, p, f, got.Data, src)
			checkFormat(t, f.Path, got.Data, value, src)
		}
		// A value found in a unit more often than in the unit template's own
		// text came from the spec (a value such as "# b" is in "# boot").
		unitText, err := os.ReadFile("../templates/k8sgen-bootstrap.service.tmpl")
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range units {
			if u.Contents != nil && len(value) > 2 && strings.Count(*u.Contents, value) > strings.Count(string(unitText), value) {
				t.Fatalf("%s: unit %s holds the spec value %q", n.Name, u.Name, value)
			}
		}
		return
	}
	var ud struct {
		WriteFiles []wf     `yaml:"write_files"`
		Runcmd     [][]any  `yaml:"runcmd"`
		Hostname   string   `yaml:"hostname"`
		Unknown    []string `yaml:"-"`
	}
	if err := yaml.Unmarshal(n.Files[0].Data, &ud); err != nil {
		t.Fatalf("%s: user-data is not YAML: %v\n%s", n.Name, err, src)
	}
	if len(ud.WriteFiles) != len(p.Files) {
		t.Fatalf("%s: user-data writes %d files, the plan %d\n%s", n.Name, len(ud.WriteFiles), len(p.Files), src)
	}
	// The node's own files come first, then those it shares, each in plan order.
	var order []plan.File
	for _, own := range []bool{true, false} {
		for _, f := range p.Files {
			if (p.ScopeKey(f) == "") == own {
				order = append(order, f)
			}
		}
	}
	for i, w := range ud.WriteFiles {
		if w.Path != order[i].Path || w.Permissions != order[i].Mode {
			t.Fatalf("%s: write_files[%d] is %s %s, the plan says %s %s\n%s", n.Name, i, w.Path, w.Permissions, order[i].Path, order[i].Mode, src)
		}
		wantFileContent(t, p, order[i], w.text(t), src)
		checkFormat(t, w.Path, w.text(t), value, src)
	}
}

// wantFileContent fails unless a node's file, as its first-boot config
// writes it, holds exactly the planned content.
func wantFileContent(t *testing.T, p *plan.NodePlan, f plan.File, got, src string) {
	t.Helper()
	want, err := render.FileContent(p, f)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Fatalf("%s: %s reads back as %q, the plan's content is %q\n%s", p.Name, f.Path, got, want, src)
	}
}

// checkFormat parses one written file with a parser of its format.
func checkFormat(t *testing.T, path, content, value, src string) {
	t.Helper()
	switch {
	case strings.HasSuffix(path, "/"+plan.BootstrapName) || path == plan.NodeEnvPath || path == plan.ProxyEnvPath || strings.HasSuffix(path, ".sh"):
		checkShell(t, path, content, value, src)
	case strings.HasSuffix(path, ".toml"):
		var v map[string]any
		if err := toml.Unmarshal([]byte(content), &v); err != nil {
			t.Fatalf("%s is not TOML: %v\n%s\nspec:\n%s", path, err, content, src)
		}
	case strings.HasSuffix(path, ".json"):
		if !json.Valid([]byte(content)) {
			t.Fatalf("%s is not JSON:\n%s", path, content)
		}
	case strings.HasSuffix(path, ".yaml"):
		dec := yaml.NewDecoder(strings.NewReader(content))
		for {
			var v any
			err := dec.Decode(&v)
			if err != nil {
				if err.Error() != "EOF" {
					t.Fatalf("%s is not YAML: %v\n%s", path, err, content)
				}
				break
			}
		}
	case strings.HasSuffix(path, ".conf") || strings.HasSuffix(path, ".cfg") || path == plan.HostsBlockPath:
		// haproxy.cfg and keepalived.conf have no quoting: a value with a
		// separator, comment sign, brace or quote must never reach them (a
		// value of two bytes or less also matches the files' own text).
		if strings.HasPrefix(path, plan.LBConfigDir) && len(value) > 2 && strings.ContainsAny(value, " \t#;!{}\"'") && strings.Contains(content, value) {
			t.Fatalf("%s holds the unquotable value %q\nspec:\n%s", path, value, src)
		}
		// Line formats: every non-comment line is one directive; a value that
		// smuggled a line break in would add a line no template wrote.
		for _, line := range strings.Split(strings.TrimSuffix(content, "\n"), "\n") {
			if strings.ContainsAny(line, "\r\u0085\u2028\u2029") {
				t.Fatalf("%s holds a line break inside a line: %q", path, line)
			}
		}
	}
}

var shellParser = syntax.NewParser(syntax.Variant(syntax.LangBash))

// checkShell parses a script and walks every word: the hostile value may appear
// unquoted or inside double quotes only when it is a word that needs no quoting.
func checkShell(t *testing.T, path, content, value, src string) {
	t.Helper()
	f, err := shellParser.Parse(strings.NewReader(content), path)
	if err != nil {
		t.Fatalf("%s does not parse as bash: %v\nspec:\n%s", path, err, src)
	}
	if len(value) < 3 || strings.Trim(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@,+%") == "" {
		return
	}
	syntax.Walk(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.SglQuoted:
			return false // data
		case *syntax.Lit:
			if strings.Contains(n.Value, value) {
				t.Errorf("%s: %q appears outside single quotes at %s\nspec:\n%s", path, value, n.Pos(), src)
			}
		case *syntax.Comment:
			if strings.Contains(n.Text, value) {
				t.Errorf("%s: %q appears in a comment at %s", path, value, n.Pos())
			}
		}
		return true
	})
}

// TestFuzzSeedsPassBash runs the real bash -n over the scripts of every seed the
// fuzzer starts from that validation accepts, besides the in-process parser.
func TestFuzzSeedsPassBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	checked := 0
	for slot := range fuzzDefaults {
		for _, v := range []string{fuzzDefaults[slot], "a'b", "$(id)", "%h$X"} {
			src, _ := specWith(slot, v)
			doc, probs := spec.Check([]byte(src))
			if doc == nil || len(probs.Errors()) > 0 {
				continue
			}
			b, err := secrets.New(rand.Reader, time.Now(), doc.Cluster.Name)
			if err != nil {
				t.Fatal(err)
			}
			b.RegistryPasswords = map[string]string{"harbor:443": "pw'x"}
			plans, err := plan.Build(doc.Cluster, b)
			if err != nil {
				t.Fatal(err)
			}
			res, err := render.Render(doc.Cluster, b, render.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var ud struct {
				WriteFiles []wf `yaml:"write_files"`
			}
			if err := yaml.Unmarshal(res.Nodes[0].Files[0].Data, &ud); err != nil {
				t.Fatal(err)
			}
			for _, w := range ud.WriteFiles {
				if !strings.HasSuffix(w.Path, "/"+plan.BootstrapName) {
					continue
				}
				cmd := exec.Command(bash, "-n")
				cmd.Stdin = strings.NewReader(w.Content)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("bash -n on slot %d value %q: %v\n%s", slot, v, err, out)
				}
				checked++
			}
			_ = plans
		}
	}
	if checked < len(fuzzDefaults) {
		t.Errorf("only %d scripts checked", checked)
	}
}

// TestFuzzSeedsAccepted keeps the fuzz targets from testing refusals only: their
// specs with every slot at its default are valid, for each load balancer kind.
func TestFuzzSeedsAccepted(t *testing.T) {
	src, _ := specWith(0, fuzzDefaults[0])
	specs := map[string]string{"FuzzRender": src}
	for _, kind := range []string{"kube-vip", "keepalived", "node-local", "external"} {
		tmpl := fuzzHASpec
		d := slices.Clone(fuzzHADefaults)
		switch kind {
		case "keepalived":
			tmpl = strings.Replace(tmpl, "  kubeVIP:\n    version: @6@\n    image: @7@\n", "", 1)
			d[0] = "192.168.99.100:8443"
		case "node-local", "external":
			tmpl = strings.Replace(tmpl, "  vip: @4@\n  interface: @5@\n  prefixLength: 24\n  kubeVIP:\n    version: @6@\n    image: @7@\n", "", 1)
			d[0] = map[string]string{"node-local": "apiserver.k8sgen.internal:8443", "external": "lb.internal:6443"}[kind]
		}
		d[3] = kind
		specs[kind], _ = fillSlots(tmpl, d, -1, "")
	}
	specs["FuzzRenderFlatcar"], _ = fillSlots(fuzzFlatcarSpec, fuzzFlatcarDefaults, -1, "")
	specs["FuzzRenderFCOS"], _ = fillSlots(fuzzFCOSSpec, fuzzFCOSDefaults, -1, "")
	for name, src := range specs {
		_, probs := spec.Check([]byte(src))
		if errs := probs.Errors(); len(errs) > 0 {
			t.Errorf("%s: the default spec is refused:\n%v\n%s", name, errs, src)
		}
	}
}
