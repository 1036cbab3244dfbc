package consumers

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// kubebinScript builds a Kubernetes program of a release; K8SGEN_KUBEBIN_SCRIPT overrides it.
var kubebinScript = envOr("K8SGEN_KUBEBIN_SCRIPT", filepath.Join("..", "hack", "kubebin.sh"))

// flagMinors are the minors whose real control-plane programs check the
// goldens' flags: building kube-apiserver and kube-controller-manager takes
// about 8 minutes per minor on a cold 2-core machine, so the suite builds the
// minor of tutorial "004", whose controller-manager flag issue 14 is about
// (K8SGEN_FLAG_MINORS, space-separated, widens it). The goldens of the other
// minors are checked against the flag tables, which hack/kubeflags.sh reads
// from the same programs' flag sets. K8SGEN_FLAG_MINORS=all checks every
// golden's minor (make flags-real; 1.30, 1.32, 1.34 and 1.37 carry such flags).
var flagMinors = strings.Fields(envOr("K8SGEN_FLAG_MINORS", "1.32"))

// programFor returns the release's real program (kube-apiserver, ...), built by hack/kubebin.sh.
func programFor(t *testing.T, clusterVersion, program string) string {
	t.Helper()
	ver, err := kubeadmVersion(clusterVersion)
	if err != nil {
		t.Fatal(err)
	}
	return built(t, program+" "+ver, kubebinScript, ver, program)
}

// clusterArgs are the extra arguments of a ClusterConfiguration's components,
// in either kubeadm API: a map (v1beta3) or a name/value list (v1beta4).
type clusterArgs struct {
	Kind      string    `yaml:"kind"`
	APIServer component `yaml:"apiServer"`
	CM        component `yaml:"controllerManager"`
	Scheduler component `yaml:"scheduler"`
}

type component struct {
	ExtraArgs yaml.Node `yaml:"extraArgs"`
}

// flags are the component's arguments as --name=value.
func (c component) flags(t *testing.T) []string {
	t.Helper()
	var out []string
	switch c.ExtraArgs.Kind {
	case 0:
	case yaml.MappingNode:
		var m map[string]string
		if err := c.ExtraArgs.Decode(&m); err != nil {
			t.Fatal(err)
		}
		for k, v := range m {
			out = append(out, "--"+k+"="+v)
		}
	case yaml.SequenceNode:
		var l []struct{ Name, Value string }
		if err := c.ExtraArgs.Decode(&l); err != nil {
			t.Fatal(err)
		}
		for _, a := range l {
			out = append(out, "--"+a.Name+"="+a.Value)
		}
	default:
		t.Fatalf("extraArgs is neither a mapping nor a list")
	}
	return out
}

// checkComponentFlags runs each control-plane program of the release with the
// extra arguments the init configuration gives it, and --version: the program
// parses every flag (an unknown flag, or a value its type refuses, ends it
// with an error, as it would end the static pod), then prints its version and
// exits. This is a dry start up to the end of flag parsing.
func checkComponentFlags(t *testing.T, c goldenCase, init string) {
	dec := yaml.NewDecoder(strings.NewReader(init))
	var cc clusterArgs
	for {
		var doc clusterArgs
		if err := dec.Decode(&doc); err != nil {
			break
		}
		if doc.Kind == "ClusterConfiguration" {
			cc = doc
			break
		}
	}
	if cc.Kind == "" {
		t.Fatal("the init configuration has no ClusterConfiguration")
	}
	ver, err := kubeadmVersion(c.version)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(flagMinors, "all") && !slices.Contains(flagMinors, strings.TrimSuffix(ver, ".0")) {
		t.Logf("Kubernetes %s is not in K8SGEN_FLAG_MINORS (%s): its flags are checked against the flag tables only", c.version, strings.Join(flagMinors, " "))
		return
	}
	for _, p := range []struct {
		program string
		comp    component
	}{{"kube-apiserver", cc.APIServer}, {"kube-controller-manager", cc.CM}, {"kube-scheduler", cc.Scheduler}} {
		flags := p.comp.flags(t)
		if len(flags) == 0 {
			continue
		}
		bin := programFor(t, c.version, p.program)
		out, err := exec.Command(bin, append(flags, "--version")...).CombinedOutput()
		t.Logf("%s %s --version:\n%s", p.program, strings.Join(flags, " "), out)
		if err != nil || !strings.Contains(string(out), "Kubernetes v") {
			t.Errorf("%s %s refused the flags of the golden (%v):\n%s", p.program, c.version, err, out)
		}
	}
}
