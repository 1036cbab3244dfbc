package spec

import (
	"slices"
	"strings"
	"testing"

	"github.com/k8sgen/k8sgen/profiles"
)

// tutorialBase appends the tutorial clusters' sections to base; the table below
// edits it, and its line numbers follow on from base's.
const tutorialBase = base + `imageRepository: harbor:443/k8s
registries:
  - host: docker.io
    mirrors: [https://harbor:443]
  - host: harbor:443
    insecureSkipVerify: true
proxy:
  http: http://proxy.corp:3128
  noProxy: [10.96.0.0/12, 10.244.0.0/16, 192.168.1.0/24, .corp]
`

const (
	lImageRepo  = lAfterBase
	lMirrors    = lAfterBase + 3
	lRegistry1  = lAfterBase + 4
	lProxyHTTP  = lAfterBase + 7
	lNoProxy    = lAfterBase + 8
	lAfterTutor = lAfterBase + 9
)

func editTutorial(t *testing.T, pairs ...string) string {
	t.Helper()
	return editOf(t, tutorialBase, pairs...)
}

// problemAt finds the problem on path and line whose message has every substring.
func problemAt(probs Problems, warning bool, path string, line int, msg ...string) bool {
next:
	for _, p := range probs {
		if p.Warning != warning || p.Path != path || p.Line != line {
			continue
		}
		for _, m := range msg {
			if !strings.Contains(p.Msg, m) {
				continue next
			}
		}
		return true
	}
	return false
}

func TestTutorialBaseIsValid(t *testing.T) {
	if _, probs := check(tutorialBase); len(probs) != 0 {
		t.Fatalf("problems:\n%s", dump(probs))
	}
}

// TestTutorialProblems covers the checks the tutorial clusters need: each case
// names the field and line, and says what to write instead.
func TestTutorialProblems(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		warning bool
		path    string
		line    int
		msg     []string
	}{
		{"registry mirror that is not a URL", editTutorial(t, "mirrors: [https://harbor:443]", "mirrors: [harbor:443]"),
			false, "registries[0].mirrors[0]", lMirrors, []string{`"harbor:443" must be a URL`}},
		{"registry mirror with another scheme", editTutorial(t, "mirrors: [https://harbor:443]", "mirrors: [ftp://harbor]"),
			false, "registries[0].mirrors[0]", lMirrors, []string{"must be a URL"}},
		{"imageRepository with a scheme", editTutorial(t, "imageRepository: harbor:443/k8s", "imageRepository: https://harbor:443/k8s"),
			false, "imageRepository", lImageRepo, []string{"must not have a scheme", "write harbor:443/k8s"}},
		{"registry host with a scheme", editTutorial(t, "  - host: harbor:443", "  - host: https://harbor:443"),
			false, "registries[1].host", lRegistry1, []string{"no scheme"}},
		{"proxy without the service CIDR in noProxy", editTutorial(t, "[10.96.0.0/12, 10.244.0.0/16, 192.168.1.0/24, .corp]", "[10.244.0.0/16, 192.168.1.0/24, .corp]"),
			true, "proxy.noProxy", lNoProxy, []string{"does not cover network.serviceSubnet 10.96.0.0/12", "add 10.96.0.0/12"}},
		{"proxy without the pod CIDR in noProxy", editTutorial(t, "[10.96.0.0/12, 10.244.0.0/16, 192.168.1.0/24, .corp]", "[10.96.0.0/12, 192.168.1.0/24, .corp]"),
			true, "proxy.noProxy", lNoProxy, []string{"network.podSubnet 10.244.0.0/16"}},
		{"proxy without the nodes' subnet in noProxy", editTutorial(t, "[10.96.0.0/12, 10.244.0.0/16, 192.168.1.0/24, .corp]", "[10.96.0.0/12, 10.244.0.0/16, .corp]"),
			true, "proxy.noProxy", lNoProxy, []string{"covers no subnet of the nodes (192.168.1.12)", "add the nodes' subnet, e.g. 192.168.1.0/24"}},
		{"proxy that is not a URL", editTutorial(t, "http: http://proxy.corp:3128", "http: proxy.corp:3128"),
			false, "proxy.http", lProxyHTTP, []string{"must be a URL"}},
		{"docker mirrors another registry than docker.io", editTutorial(t, "runtime: containerd", "runtime: docker", "  - host: harbor:443\n    insecureSkipVerify: true\n", "  - host: harbor:443\n    mirrors: [https://mirror.corp]\n"),
			false, "registries[1].mirrors", lRegistry1 + 1, []string{"Docker Engine mirrors only docker.io"}},
		{"cri-dockerd URL that is not a URL", editTutorial(t, "runtime: containerd", "runtime: docker") + "packages:\n  criDockerd:\n    url: cri-dockerd.tgz\n",
			false, "packages.criDockerd.url", lAfterTutor + 2, []string{"must be an http(s) URL"}},
		{"cri-dockerd digest that is not sha256", editTutorial(t, "runtime: containerd", "runtime: docker") + "packages:\n  criDockerd:\n    url: http://files.corp/cri-dockerd.tgz\n    sha256: abc\n",
			false, "packages.criDockerd.sha256", lAfterTutor + 3, []string{"64 lowercase hex"}},
		{"cri-dockerd URL without a digest", editTutorial(t, "runtime: containerd", "runtime: docker") + "packages:\n  criDockerd:\n    url: http://files.corp/cri-dockerd.tgz\n",
			true, "packages.criDockerd.sha256", lAfterTutor + 1, []string{"add its sha256sum"}},
		{"cri-dockerd with runtime containerd", tutorialBase + "packages:\n  criDockerd:\n    url: http://files.corp/cri-dockerd.tgz\n",
			true, "packages.criDockerd", lAfterTutor + 1, []string{"only runtime docker"}},
		{"CNI manifest that is not a URL", editTutorial(t, "  cni: calico\n", "  cni: calico\n  cniManifest: calico.yaml\n"),
			false, "network.cniManifest", lCNI + 1, []string{"must be an http(s) URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, probs := check(tt.src)
			if doc == nil {
				t.Fatalf("not loaded:\n%s", dump(probs))
			}
			if !problemAt(probs, tt.warning, tt.path, tt.line, tt.msg...) {
				t.Errorf("want %s at line %d: %s (warning %v), got:\n%s", tt.path, tt.line, tt.msg, tt.warning, dump(probs))
			}
			if !tt.warning && len(probs.Errors()) == 0 {
				t.Error("no errors reported")
			}
			if tt.warning && len(probs.Errors()) != 0 {
				t.Errorf("errors besides the warning:\n%s", dump(probs.Errors()))
			}
		})
	}
}

// TestRuntimeOnOS: an OS profile without a runtime refuses it, naming both; the
// profiles that list a runtime accept it, and those that list docker say which
// packages install it.
func TestRuntimeOnOS(t *testing.T) {
	doc, probs := check(edit(t, "runtime: containerd", "runtime: docker"))
	if len(probs) != 0 {
		t.Fatalf("docker on ubuntu-24.04: %s", dump(probs))
	}
	v := validator{pos: doc.Positions}
	v.runtimeOn(doc.Cluster, &profiles.Profile{Name: "flatcar-4081", Runtimes: []string{"containerd"}})
	if !problemAt(v.probs, false, "runtime", lRuntime, `runtime "docker" is not supported on os "flatcar-4081"`, "supported there: containerd") {
		t.Fatalf("got:\n%s", dump(v.probs))
	}
	for _, name := range profiles.Names() {
		p, err := profiles.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range Runtimes {
			v := validator{pos: doc.Positions}
			c := *doc.Cluster
			c.Runtime = r
			v.runtimeOn(&c, p)
			if refused := len(v.probs) != 0; refused == slices.Contains(p.Runtimes, r) {
				t.Errorf("%s on %s (profile lists %v): %s", r, name, p.Runtimes, dump(v.probs))
			}
		}
		if slices.Contains(p.Runtimes, "docker") && len(p.DockerPackages) == 0 {
			t.Errorf("%s supports docker but lists no dockerPackages", name)
		}
	}
}

func TestIPVSDeprecation(t *testing.T) {
	for _, tt := range []struct {
		version string
		warn    bool
	}{{"1.34.0", false}, {"1.35.0", true}, {"1.37.0", true}} {
		src := edit(t, `kubernetesVersion: "1.32.0"`, `kubernetesVersion: "`+tt.version+`"`, "kubeProxyMode: iptables", "kubeProxyMode: ipvs")
		_, probs := check(src)
		got := problemAt(probs, true, "network.kubeProxyMode", lProxyMode, "deprecated since Kubernetes 1.35")
		if got != tt.warn || len(probs.Errors()) != 0 {
			t.Errorf("%s: deprecation warning %v, want %v; problems:\n%s", tt.version, got, tt.warn, dump(probs))
		}
	}
}
