// Package consumers checks rendered golden user-data with the real programs that consume it:
// cloud-init's schema validator, shellcheck and kubeadm's config validator.
package consumers

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"
)

// goldenRoot holds one directory per case; K8SGEN_GOLDEN_DIR overrides it (used to test this harness).
var goldenRoot = envOr("K8SGEN_GOLDEN_DIR", filepath.Join("..", "testdata", "golden"))

// kubeadmScript builds or finds a kubeadm binary for a version; K8SGEN_KUBEADM_SCRIPT overrides it.
var kubeadmScript = envOr("K8SGEN_KUBEADM_SCRIPT", filepath.Join("..", "hack", "kubeadm.sh"))

// kubeadmConfigGlob selects the write_files entries that kubeadm must accept.
const kubeadmConfigGlob = "/etc/k8sgen/kubeadm/*.yaml"

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// requireConsumers reports whether a missing tool is a failure rather than a skip.
func requireConsumers() bool {
	return os.Getenv("K8SGEN_REQUIRE_CONSUMERS") == "1"
}

// missingTool skips (or fails, when consumers are required) the test.
func missingTool(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...) + " (run hack/deps.sh)"
	if requireConsumers() {
		t.Fatal(msg + "; K8SGEN_REQUIRE_CONSUMERS=1 makes this fatal")
	}
	t.Skip(msg + "; set K8SGEN_REQUIRE_CONSUMERS=1 to make this fatal")
}

// needTool returns the path of a program on PATH or skips/fails the test.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		missingTool(t, "%s not found on PATH", name)
	}
	return p
}

// goldenCase is one case directory with its rendered nodes.
type goldenCase struct {
	name    string
	dir     string
	version string            // kubernetesVersion from cluster.yaml
	iface   string            // loadBalancer.interface from cluster.yaml
	nodes   map[string]string // node name -> user-data or config.ign path
}

type clusterFile struct {
	KubernetesVersion string `yaml:"kubernetesVersion"`
	OS                any    `yaml:"os"`
	LoadBalancer      struct {
		Interface string `yaml:"interface"`
	} `yaml:"loadBalancer"`
}

func loadCases(t *testing.T) []goldenCase {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(goldenRoot, "*", "cluster.yaml"))
	if err != nil {
		t.Fatalf("glob golden cases: %v", err)
	}
	sort.Strings(dirs)
	var cases []goldenCase
	for _, cf := range dirs {
		dir := filepath.Dir(cf)
		raw, err := os.ReadFile(cf)
		if err != nil {
			t.Fatalf("read %s: %v", cf, err)
		}
		var c clusterFile
		if err := yaml.Unmarshal(raw, &c); err != nil {
			t.Fatalf("parse %s: %v", cf, err)
		}
		uds, err := filepath.Glob(filepath.Join(dir, "out", "*", "user-data"))
		if err != nil {
			t.Fatalf("glob user-data in %s: %v", dir, err)
		}
		igns, err := filepath.Glob(filepath.Join(dir, "out", "*", "config.ign"))
		if err != nil {
			t.Fatalf("glob config.ign in %s: %v", dir, err)
		}
		uds = append(uds, igns...)
		gc := goldenCase{name: filepath.Base(dir), dir: dir, version: c.KubernetesVersion, iface: c.LoadBalancer.Interface, nodes: map[string]string{}}
		for _, ud := range uds {
			gc.nodes[filepath.Base(filepath.Dir(ud))] = ud
		}
		cases = append(cases, gc)
	}
	return cases
}

// TestGoldenCasesExist keeps the consumer checks from passing vacuously on an empty golden directory.
func TestGoldenCasesExist(t *testing.T) {
	cases := loadCases(t)
	if len(cases) == 0 {
		t.Fatalf("no golden cases (*/cluster.yaml) under %s", goldenRoot)
	}
	for _, c := range cases {
		if len(c.nodes) == 0 {
			t.Errorf("golden case %s has no out/<node>/user-data or config.ign", c.name)
		}
	}
}

// TestConsumers runs every consumer check against every rendered user-data.
func TestConsumers(t *testing.T) {
	for _, c := range loadCases(t) {
		t.Run(c.name, func(t *testing.T) {
			nodes := make([]string, 0, len(c.nodes))
			for n := range c.nodes {
				nodes = append(nodes, n)
			}
			sort.Strings(nodes)
			for _, node := range nodes {
				file := c.nodes[node]
				t.Run(node, func(t *testing.T) {
					t.Parallel()
					if strings.HasSuffix(file, ".ign") {
						checkIgnition(t, c, file)
					} else {
						checkUserData(t, c, file)
					}
				})
			}
		})
	}
}

// userData is the subset of cloud-config that the checks read.
type userData struct {
	WriteFiles []writeFile `yaml:"write_files"`
	RunCmd     []any       `yaml:"runcmd"`
	BootCmd    []any       `yaml:"bootcmd"`
}

type writeFile struct {
	Path        string `yaml:"path"`
	Content     string `yaml:"content"`
	Permissions string `yaml:"permissions"`
	Owner       string `yaml:"owner"`
	Encoding    string `yaml:"encoding"`
}

func checkUserData(t *testing.T, c goldenCase, file string) {
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read %s: %v", file, err)
	}

	t.Run("cloud-init-schema", func(t *testing.T) {
		bin := needTool(t, "cloud-init")
		out, err := exec.Command(bin, "schema", "-c", file).CombinedOutput()
		if err != nil {
			t.Fatalf("cloud-init schema failed: %v\n%s", err, out)
		}
		// Drop the file name so a case named "invalid-..." cannot trip the check.
		lower := strings.ToLower(strings.ReplaceAll(string(out), file, ""))
		if strings.Contains(lower, "invalid") || strings.Contains(lower, "deprecat") {
			t.Fatalf("cloud-init schema reported problems:\n%s", out)
		}
		t.Logf("%s", bytes.TrimSpace(out))
	})

	var ud userData
	parseErr := yaml.Unmarshal(raw, &ud)

	t.Run("parse", func(t *testing.T) {
		if !bytes.HasPrefix(raw, []byte("#cloud-config\n")) {
			t.Errorf("%s does not start with a #cloud-config line", file)
		}
		if parseErr != nil {
			t.Fatalf("parse %s: %v", file, parseErr)
		}
	})
	if parseErr != nil {
		return
	}

	files := make([]nodeFile, 0, len(ud.WriteFiles))
	for _, wf := range ud.WriteFiles {
		content, err := decodeContent(wf)
		if err != nil {
			t.Fatalf("write_files %s: %v", wf.Path, err)
		}
		files = append(files, nodeFile{wf.Path, content})
	}
	t.Run("shellcheck-runcmd", func(t *testing.T) {
		bin := needTool(t, "shellcheck")
		for _, sec := range []struct {
			name string
			cmds []any
		}{{"runcmd", ud.RunCmd}, {"bootcmd", ud.BootCmd}} {
			if len(sec.cmds) == 0 {
				continue
			}
			script, err := commandScript(sec.cmds)
			if err != nil {
				t.Errorf("%s: %v", sec.name, err)
				continue
			}
			shellcheck(t, bin, "sh", sec.name, script)
		}
	})
	checkFiles(t, c, files)
}

// nodeFile is one file a node's first boot writes, decoded.
type nodeFile struct{ Path, Content string }

// checkFiles runs the checks that read the files a node writes, whichever
// format (cloud-config or Ignition) carried them.
func checkFiles(t *testing.T, c goldenCase, files []nodeFile) {
	t.Run("shellcheck", func(t *testing.T) {
		bin := needTool(t, "shellcheck")
		checked := 0
		for _, f := range files {
			if !strings.HasSuffix(f.Path, ".sh") && !strings.HasPrefix(f.Content, "#!") {
				continue
			}
			shell, ok := shellFor(f.Content)
			if !ok {
				t.Logf("%s: interpreter is not a shell, not shellchecked", f.Path)
				continue
			}
			checked++
			shellcheck(t, bin, shell, f.Path, f.Content)
		}
		if checked == 0 {
			t.Error("no script was shellchecked: the bootstrap script is missing")
		}
		t.Logf("shellchecked %d scripts", checked)
	})

	t.Run("kubeadm-validate", func(t *testing.T) {
		var configs []nodeFile
		for _, f := range files {
			if ok, _ := path.Match(kubeadmConfigGlob, f.Path); ok {
				configs = append(configs, f)
			}
		}
		if len(configs) == 0 {
			t.Fatalf("no %s file", kubeadmConfigGlob)
		}
		if c.version == "" {
			t.Fatalf("%s/cluster.yaml has no kubernetesVersion", c.dir)
		}
		kubeadm := kubeadmFor(t, c.version)
		for _, f := range configs {
			tmp := filepath.Join(t.TempDir(), path.Base(f.Path))
			if err := os.WriteFile(tmp, []byte(f.Content), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(kubeadm, "config", "validate", "--config", tmp).CombinedOutput()
			t.Logf("%s config validate --config %s:\n%s", filepath.Base(kubeadm), f.Path, out)
			if err != nil {
				t.Errorf("kubeadm config validate rejected %s: %v\n%s", f.Path, err, out)
			}
		}
	})

	t.Run("component-flags", func(t *testing.T) {
		for _, f := range files {
			if f.Path == "/etc/k8sgen/kubeadm/init.yaml" {
				checkComponentFlags(t, c, f.Content)
			}
		}
	})

	t.Run("pause-image", func(t *testing.T) {
		checkPause(t, c, files)
	})

	t.Run("images", func(t *testing.T) {
		checkImages(t, c, files)
	})

	byPath := map[string]string{}
	for _, f := range files {
		byPath[f.Path] = f.Content
	}
	if cfg, ok := byPath[haproxyCfg]; ok {
		t.Run("haproxy", func(t *testing.T) { checkHaproxy(t, cfg) })
	}
	if cfg, ok := byPath[keepalivedConf]; ok {
		t.Run("keepalived", func(t *testing.T) { checkKeepalived(t, c, cfg, byPath[keepalivedCheckStaged]) })
	}
}

// The load balancer files as k8sgen stages them on a node.
const (
	haproxyCfg            = "/etc/k8sgen/lb/haproxy.cfg"
	keepalivedConf        = "/etc/k8sgen/lb/keepalived.conf"
	keepalivedCheckStaged = "/etc/k8sgen/lb/check-apiserver.sh"
	// keepalivedCheck is where the bootstrap script installs the check, the
	// path keepalived.conf names.
	keepalivedCheck = "/etc/keepalived/k8sgen-check-apiserver.sh"
)

// checkHaproxy runs haproxy's own configuration check.
func checkHaproxy(t *testing.T, cfg string) {
	bin := needTool(t, "haproxy")
	f := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(f, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-c", "-f", f).CombinedOutput()
	t.Logf("haproxy -c:\n%s", out)
	if err != nil || bytes.Contains(bytes.ToLower(out), []byte("warning")) {
		t.Errorf("haproxy refuses or warns about %s: %v\n%s", haproxyCfg, err, out)
	}
}

// checkKeepalived runs keepalived's configuration test in namespaces of its own:
// keepalived checks that the interface exists and that the check script is a
// root-owned executable, so the test gives it the interface the spec names (a
// veth in a new network namespace) and the rendered check script at its path
// (a tmpfs over /etc/keepalived in a new mount namespace). Nothing leaves them.
func checkKeepalived(t *testing.T, c goldenCase, cfg, check string) {
	bin := needTool(t, "keepalived")
	unshare := needTool(t, "unshare")
	if os.Geteuid() != 0 {
		missingTool(t, "keepalived's configuration test needs root for its namespaces")
	}
	if c.iface == "" || check == "" {
		t.Fatalf("keepalived.conf without loadBalancer.interface or %s", keepalivedCheckStaged)
	}
	dir := t.TempDir()
	conf, script := filepath.Join(dir, "keepalived.conf"), filepath.Join(dir, "check.sh")
	if err := os.WriteFile(conf, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(script, []byte(check), 0o755); err != nil {
		t.Fatal(err)
	}
	const inside = `set -e
mount -t tmpfs k8sgen-test /etc/keepalived
install -m 0755 "$2" "$3"
ip link add "$1" type veth peer name k8sgen-peer
ip link set "$1" up
exec "$4" --config-test -n -l -D -f "$5"`
	cmd := exec.Command(unshare, "--mount", "--net", "sh", "-c", inside, "sh", c.iface, script, keepalivedCheck, bin, conf)
	out, err := cmd.CombinedOutput()
	t.Logf("keepalived --config-test:\n%s", out)
	if err != nil || bytes.Contains(bytes.ToLower(out), []byte("warning")) {
		t.Errorf("keepalived refuses or warns about %s: %v\n%s", keepalivedConf, err, out)
	}
}

// pauseRE finds pause image references: containerd's sandbox setting, cri-dockerd's flag, docker pull.
var pauseRE = regexp.MustCompile(`[a-z0-9][a-z0-9./:_-]*/pause:[0-9][0-9a-z.-]*`)

// checkPause compares every pause image the node uses with the one kubeadm of the
// cluster's release lists for the init configuration: a stale tag makes kubeadm
// warn and kubelet pull a second sandbox image, which fails in air-gapped networks.
func checkPause(t *testing.T, c goldenCase, files []nodeFile) {
	var initCfg string
	var used []string
	for _, f := range files {
		if f.Path == "/etc/k8sgen/kubeadm/init.yaml" {
			initCfg = f.Content
		}
		used = append(used, pauseRE.FindAllString(f.Content, -1)...)
	}
	if initCfg == "" {
		t.Skip("not the init node; its case's init node is checked")
	}
	if len(used) == 0 {
		t.Fatalf("no pause image in the node's files")
	}
	kubeadm := kubeadmFor(t, c.version)
	tmp := filepath.Join(t.TempDir(), "init.yaml")
	if err := os.WriteFile(tmp, []byte(initCfg), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(kubeadm, "config", "images", "list", "--config", tmp).Output()
	if err != nil {
		t.Fatalf("kubeadm config images list: %v", err)
	}
	var want string
	for _, line := range strings.Fields(string(out)) {
		if pauseRE.MatchString(line) && pauseRE.FindString(line) == line {
			want = line
		}
	}
	if want == "" {
		t.Fatalf("kubeadm listed no pause image:\n%s", out)
	}
	for _, u := range used {
		if u != want {
			t.Errorf("the node uses %s, kubeadm %s expects %s", u, filepath.Base(kubeadm), want)
		}
	}
	t.Logf("%d references to %s", len(used), want)
}

func shellcheck(t *testing.T, bin, shell, what, script string) {
	t.Helper()
	cmd := exec.Command(bin, "-s", shell, "-")
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("shellcheck -s %s %s: %v\n%s\n--- script ---\n%s", shell, what, err, out, numbered(script))
	}
}

func numbered(s string) string {
	var b strings.Builder
	for i, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		fmt.Fprintf(&b, "%4d  %s\n", i+1, line)
	}
	return b.String()
}

// decodeContent returns the file content after applying the cloud-init encoding.
func decodeContent(wf writeFile) (string, error) {
	enc := strings.ToLower(strings.TrimSpace(wf.Encoding))
	data := []byte(wf.Content)
	switch enc {
	case "", "text/plain":
		return wf.Content, nil
	case "b64", "base64", "gz+b64", "gz+base64", "gzip+b64", "gzip+base64":
		dec, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(wf.Content), ""))
		if err != nil {
			return "", fmt.Errorf("decode %s content: %w", enc, err)
		}
		data = dec
		if !strings.HasPrefix(enc, "gz") {
			return string(data), nil
		}
	case "gz", "gzip":
	default:
		return "", fmt.Errorf("unknown encoding %q", wf.Encoding)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("gunzip content: %w", err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		return "", fmt.Errorf("gunzip content: %w", err)
	}
	return string(plain), nil
}

var shebangRE = regexp.MustCompile(`^#!\s*(\S+)(?:\s+(\S+))?`)

// shellFor maps a script's shebang to a shellcheck dialect; scripts without one are bash.
func shellFor(content string) (string, bool) {
	m := shebangRE.FindStringSubmatch(content)
	if m == nil {
		return "bash", true
	}
	prog := path.Base(m[1])
	if prog == "env" && m[2] != "" {
		prog = path.Base(m[2])
	}
	switch prog {
	case "sh", "bash", "dash", "ksh":
		return prog, true
	case "busybox", "ash":
		return "sh", true
	}
	return "", false
}

// commandScript renders cloud-init runcmd/bootcmd entries the way cloud-init does: strings verbatim, lists quoted.
func commandScript(cmds []any) (string, error) {
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	for i, c := range cmds {
		switch v := c.(type) {
		case string:
			b.WriteString(v)
		case []any:
			args := make([]string, len(v))
			for j, a := range v {
				switch a.(type) {
				case map[string]any, []any:
					return "", fmt.Errorf("entry %d: argument %d is not a scalar", i, j)
				}
				args[j] = shellQuote(fmt.Sprint(a))
			}
			b.WriteString(strings.Join(args, " "))
		default:
			return "", fmt.Errorf("entry %d is %T, want a string or a list of strings", i, c)
		}
		b.WriteString("\n")
	}
	return b.String(), nil
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// build memoises one binary per builder command across parallel subtests.
type build struct {
	once sync.Once
	path string
	err  error
}

var (
	buildsMu sync.Mutex
	builds   = map[string]*build{}
)

var k8sVersionRE = regexp.MustCompile(`^v?(1)\.(\d+)\.(\d+)$`)

// kubeadmVersion maps a cluster's kubernetesVersion to the X.Y.0 release that is built.
func kubeadmVersion(v string) (string, error) {
	m := k8sVersionRE.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return "", fmt.Errorf("kubernetesVersion %q is not MAJOR.MINOR.PATCH", v)
	}
	return m[1] + "." + m[2] + ".0", nil
}

// kubeadmFor returns a kubeadm binary for the cluster version, skipping when the builder cannot run.
func kubeadmFor(t *testing.T, clusterVersion string) string {
	t.Helper()
	ver, err := kubeadmVersion(clusterVersion)
	if err != nil {
		t.Fatal(err)
	}
	return built(t, "kubeadm "+ver, kubeadmScript, ver)
}

// built runs the builder script (hack/kubeadm.sh, hack/kubebin.sh) with args
// once per test binary and returns the path it prints; what names the binary.
func built(t *testing.T, what, script string, args ...string) string {
	t.Helper()
	script, err := filepath.Abs(script)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(script); err != nil {
		missingTool(t, "builder %s: %v", script, err)
	}
	for _, tool := range []string{"bash", "go", "flock"} {
		needTool(t, tool)
	}
	key := script + " " + strings.Join(args, " ")
	buildsMu.Lock()
	b := builds[key]
	if b == nil {
		b = &build{}
		builds[key] = b
	}
	buildsMu.Unlock()
	b.once.Do(func() {
		var stderr bytes.Buffer
		cmd := exec.Command("bash", append([]string{script}, args...)...)
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			b.err = fmt.Errorf("%s: %v\n%s", key, err, stderr.String())
			return
		}
		b.path = strings.TrimSpace(string(out))
	})
	if b.err != nil {
		t.Fatalf("cannot get %s: %v", what, b.err)
	}
	return b.path
}
