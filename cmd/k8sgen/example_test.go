package main

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/k8sgen/k8sgen/profiles"
	"github.com/k8sgen/k8sgen/render/spec"
)

// TestExampleComments: the choices the example's comments list are exactly
// what validation accepts, so the example never names fewer OSes (or CNIs,
// runtimes, modes) than there are, nor one that is gone.
func TestExampleComments(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal(exampleSpec, &doc); err != nil {
		t.Fatal(err)
	}
	comments := map[string]string{}
	var walk func(path string, n *yaml.Node)
	walk = func(path string, n *yaml.Node) {
		switch n.Kind {
		case yaml.DocumentNode:
			walk(path, n.Content[0])
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := strings.TrimPrefix(path+"."+k.Value, ".")
				if c := v.LineComment; c != "" {
					comments[p] = strings.TrimSpace(strings.TrimPrefix(c, "#"))
				}
				walk(p, v)
			}
		case yaml.SequenceNode:
			for _, c := range n.Content {
				walk(path+"[]", c)
			}
		}
	}
	walk("", &doc)
	choices := func(path string) []string {
		c, ok := comments[path]
		if !ok {
			t.Fatalf("the example has no comment on %s", path)
		}
		c, _, _ = strings.Cut(c, " (")
		var out []string
		for _, f := range strings.Split(c, "|") {
			out = append(out, strings.TrimSpace(f))
		}
		return out
	}
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"os", profiles.Names()},
		{"network.cni", spec.CNIs},
		{"network.kubeProxyMode", spec.ProxyModes},
		{"runtime", spec.Runtimes},
		{"nodes[].role", []string{spec.RoleControlPlane, spec.RoleWorker}},
	} {
		got := choices(tc.path)
		if !slices.Equal(sortedCopy(got), sortedCopy(tc.want)) {
			t.Errorf("the example's comment on %s lists %v; validation accepts %v", tc.path, got, tc.want)
		}
	}
	if want := fmt.Sprintf("1.%d.0 through 1.%d.x", spec.MinMinor, spec.MaxMinor); comments["kubernetesVersion"] != want {
		t.Errorf("the example's comment on kubernetesVersion is %q, want %q", comments["kubernetesVersion"], want)
	}
	// And the example itself is valid, so a user's first command works.
	if _, probs := spec.Check(exampleSpec); len(probs) != 0 {
		t.Errorf("the example has problems: %v", probs)
	}
	if !bytes.HasPrefix(exampleSpec, []byte("# k8sgen example")) {
		t.Error("the example lost its heading comment")
	}
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}
