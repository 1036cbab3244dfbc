package plan_test

import (
	"crypto/rand"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/k8sgen/k8sgen/render/plan"
	"github.com/k8sgen/k8sgen/render/secrets"
	"github.com/k8sgen/k8sgen/render/spec"
)

// TestSharedFilesSeeNoNodeFields: the data of every shared file is a view without
// the node's fields, so a shared template that names one fails instead of
// copying the first node's value to every other node.
func TestSharedFilesSeeNoNodeFields(t *testing.T) {
	for _, c := range []string{"lab", "ha-kube-vip", "tutorial-002", "ha-node-local"} {
		t.Run(c, func(t *testing.T) { sharedFilesSeeNoNodeFields(t, buildCase(t, c)) })
	}
}

// buildCase plans a golden case with a fresh secrets bundle.
func buildCase(t *testing.T, name string) []*plan.NodePlan {
	t.Helper()
	raw, err := os.ReadFile("../../testdata/golden/" + name + "/cluster.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return buildSpecIn(t, raw, "../../testdata/golden/"+name)
}

// buildSpec plans a spec with a fresh secrets bundle.
func buildSpec(t *testing.T, raw []byte) []*plan.NodePlan {
	t.Helper()
	return buildSpecIn(t, raw, ".")
}

// buildSpecIn plans a spec whose add-on files are in dir.
func buildSpecIn(t *testing.T, raw []byte, dir string) []*plan.NodePlan {
	t.Helper()
	doc, probs := spec.Check(raw)
	if len(probs.Errors()) > 0 {
		t.Fatal(probs)
	}
	for i, a := range doc.Cluster.Addons {
		if a.File == "" {
			continue
		}
		data, err := os.ReadFile(dir + "/" + a.File)
		if err == nil {
			err = doc.Cluster.SetAddonContent(i, data)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	b, err := secrets.New(rand.Reader, time.Now(), doc.Cluster.Name)
	if err != nil {
		t.Fatal(err)
	}
	plans, err := plan.Build(doc.Cluster, b)
	if err != nil {
		t.Fatal(err)
	}
	return plans
}

func sharedFilesSeeNoNodeFields(t *testing.T, plans []*plan.NodePlan) {
	shared := 0
	for _, p := range plans {
		for _, f := range p.Files {
			for _, field := range []string{"Name", "IP", "Files"} {
				tm := template.Must(template.New("x").Parse("{{." + field + "}}"))
				data := any(p)
				if f.Data != nil {
					data = f.Data
				}
				err := tm.Execute(io.Discard, data)
				switch {
				case f.Scope != plan.ScopeNode && f.Template != "" && (err == nil || !strings.Contains(err.Error(), "can't evaluate field "+field)):
					t.Errorf("%s: shared file %s can read the node's %s (err %v)", p.Name, f.Path, field, err)
				case f.Scope == plan.ScopeNode && f.Template != "" && f.Data == nil && err != nil:
					t.Errorf("%s: per-node file %s cannot read %s: %v", p.Name, f.Path, field, err)
				}
			}
			if f.Scope != plan.ScopeNode && f.Template != "" {
				shared++
			}
		}
	}
	if shared == 0 {
		t.Fatal("no shared templated file checked")
	}
}

// TestNoProxyHoldsTheEndpoint: with a proxy, nodes reach the API directly at the
// endpoint's host (by name, as proxies match) and at the VIP.
func TestNoProxyHoldsTheEndpoint(t *testing.T) {
	for _, tc := range []struct{ lb, want string }{
		{"loadBalancer:\n  kind: node-local\n", "apiserver.k8sgen.internal"},
		{"loadBalancer:\n  kind: kube-vip\n  vip: 10.0.0.100\n  prefixLength: 24\n  interface: eth0\n", "10.0.0.100"},
		{"controlPlaneEndpoint: lb.corp.internal:6443\nloadBalancer:\n  kind: external\n", "lb.corp.internal"},
	} {
		src := "name: p\nkubernetesVersion: \"1.33.0\"\nos: ubuntu-24.04\nproxy:\n  https: http://proxy.corp:3128\n" + tc.lb +
			"nodes:\n  - {name: a, role: control-plane, ip: 10.0.0.11}\n  - {name: b, role: control-plane, ip: 10.0.0.12}\n  - {name: c, role: control-plane, ip: 10.0.0.13}\n"
		plans := buildSpec(t, []byte(src))
		if !slices.Contains(strings.Split(plans[0].NoProxy, ","), tc.want) {
			t.Errorf("NO_PROXY %q lacks %s", plans[0].NoProxy, tc.want)
		}
	}
}

// TestBinariesReleaseFiles: on fcos, kubelet's FlexVolume directory follows the
// controller manager's when the spec sets it, and a digest without a url pins
// upstream's file instead of being dropped.
func TestBinariesReleaseFiles(t *testing.T) {
	src := "name: p\nkubernetesVersion: \"1.34.0\"\nos: fcos\n" +
		"packages:\n  runc:\n    sha256: " + strings.Repeat("ab", 32) + "\n" +
		"components:\n  controllerManager:\n    extraArgs:\n      flex-volume-plugin-dir: /var/lib/flex\n" +
		"nodes:\n  - {name: a, role: control-plane, ip: 10.0.0.11}\n"
	p := buildSpec(t, []byte(src))[0]
	if p.VolumePluginDir != "/var/lib/flex" {
		t.Errorf("kubelet's volumePluginDir is %q, not the controller manager's /var/lib/flex", p.VolumePluginDir)
	}
	r := p.Binaries.Runc
	if r.SHA256 != strings.Repeat("ab", 32) || r.SHA256URL != "" || !strings.HasPrefix(r.URL, "https://github.com/opencontainers/runc/releases/download/v") {
		t.Errorf("runc with a digest alone is %+v, want upstream's URL checked against that digest", r)
	}
	if c := p.Binaries.Containerd; c.SHA256 != "" || c.SHA256URL != c.URL+".sha256sum" {
		t.Errorf("containerd without a digest is %+v, want upstream's .sha256sum", c)
	}
}
