package render_test

import (
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/k8sgen/k8sgen/render"
	"github.com/k8sgen/k8sgen/render/plan"
	"github.com/k8sgen/k8sgen/render/secrets"
	"github.com/k8sgen/k8sgen/render/spec"
)

// systemdEnvValue reads one KEY="VALUE" line the way systemd's EnvironmentFile=
// parser does (src/basic/env-file.c, parse_env_file_internal): inside double
// quotes a backslash before one of " \ ` $ stands for that character, a
// backslash before anything else stays, and nothing else is special: no %
// specifiers, no $VAR expansion, so "%%" and "$$" stay two characters each.
func systemdEnvValue(t *testing.T, line string) (string, string) {
	t.Helper()
	key, rest, ok := strings.Cut(line, "=")
	if !ok || !strings.HasPrefix(rest, `"`) || !strings.HasSuffix(rest, `"`) {
		t.Fatalf("not a KEY=\"VALUE\" line: %q", line)
	}
	in := rest[1 : len(rest)-1]
	var b strings.Builder
	for i := 0; i < len(in); i++ {
		c := in[i]
		if c == '\\' && i+1 < len(in) {
			i++
			if strings.IndexByte("\"\\`$", in[i]) < 0 {
				b.WriteByte('\\')
			}
			b.WriteByte(in[i])
			continue
		}
		b.WriteByte(c)
	}
	return key, b.String()
}

// TestRedteamProxyUnitEnvKeepsTheURL: proxy.systemd.env is written with unitq,
// the quoting of a unit file's ExecStart= line, which doubles % (specifiers) and
// $ (variable expansion). An EnvironmentFile= has neither, so containerd and
// Docker get the doubled characters: the README's own example proxy
// http://user:p%40ss@proxy.corp:3128 reaches them as http://user:p%%40ss@...,
// which Go's proxy parsing refuses ("invalid URL escape"), so every image pull
// of every node fails while apt/dnf (proxy.env, bash) use the right URL. A
// password holding '$' is changed the same way. The file needs the quoting of
// systemd's env-file parser: backslash before " \ ` $, nothing doubled.
func TestRedteamProxyUnitEnvKeepsTheURL(t *testing.T) {
	const proxy = "http://user:p%40ss$1@proxy.corp:3128/"
	src := `name: lab
kubernetesVersion: "1.32.0"
os: ubuntu-24.04
proxy:
  http: "` + proxy + `"
  https: "` + proxy + `"
  noProxy: [10.96.0.0/12, 10.244.0.0/16]
nodes:
  - {name: cp, role: control-plane, ip: 192.168.1.11}
`
	doc, probs := spec.Check([]byte(src))
	if doc == nil || len(probs.Errors()) > 0 {
		t.Fatalf("spec refused: %v", probs.Errors())
	}
	b, err := secrets.New(rand.Reader, time.Now(), "lab")
	if err != nil {
		t.Fatal(err)
	}
	res, err := render.Render(doc.Cluster, b, render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ud struct {
		WriteFiles []struct{ Path, Content string } `yaml:"write_files"`
	}
	if err := yaml.Unmarshal(res.Nodes[0].Files[0].Data, &ud); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range ud.WriteFiles {
		if w.Path != plan.ProxyUnitEnvPath {
			continue
		}
		for _, line := range strings.Split(w.Content, "\n") {
			if !strings.Contains(line, "_PROXY=") && !strings.Contains(line, "_proxy=") || strings.HasPrefix(line, "NO_") || strings.HasPrefix(line, "no_") {
				continue
			}
			found = true
			if key, got := systemdEnvValue(t, line); got != proxy {
				t.Errorf("%s: systemd gives containerd %s=%q, the spec says %q", plan.ProxyUnitEnvPath, key, got, proxy)
			}
		}
	}
	if !found {
		t.Fatalf("no proxy lines in %s", plan.ProxyUnitEnvPath)
	}
}
