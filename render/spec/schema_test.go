package spec

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// TestSchemaIsCurrent: cluster.schema.json is what the spec's types and doc
// comments give today (go run ./hack/specschema rewrites it), and every field
// a user can write has a doc comment, so k8sgen explain never prints nothing.
func TestSchemaIsCurrent(t *testing.T) {
	docs, err := FieldDocs(".")
	if err != nil {
		t.Fatal(err)
	}
	want, err := GenerateSchema(docs)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, schemaFile) {
		t.Error("render/spec/cluster.schema.json is stale: run go run ./hack/specschema")
	}
	seen := map[reflect.Type]bool{}
	var walk func(rt reflect.Type)
	walk = func(rt reflect.Type) {
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice || rt.Kind() == reflect.Map {
			rt = rt.Elem()
		}
		if rt.Kind() != reflect.Struct || seen[rt] {
			return
		}
		seen[rt] = true
		for i := 0; i < rt.NumField(); i++ {
			f := rt.Field(i)
			if n := strings.Split(f.Tag.Get("yaml"), ",")[0]; n == "" || n == "-" {
				continue
			}
			if docs[rt.Name()+"."+f.Name] == "" {
				t.Errorf("%s.%s has no doc comment: k8sgen explain would print nothing for it", rt.Name(), f.Name)
			}
			walk(f.Type)
		}
	}
	walk(reflect.TypeOf(Cluster{}))
}

// compiledSchema is the embedded schema, ready to validate documents.
func compiledSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaFile))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("cluster.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("cluster.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// asJSON turns a YAML spec into the JSON value an editor's YAML language
// server checks against the schema.
func asJSON(t *testing.T, src []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(src, &v); err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSchemaAcceptsEveryGolden: every golden spec and the example (all valid
// specs that users copy) pass the schema.
func TestSchemaAcceptsEveryGolden(t *testing.T) {
	s := compiledSchema(t)
	specs, err := filepath.Glob(filepath.Join("..", "..", "testdata", "golden", "*", "cluster.yaml"))
	if err != nil || len(specs) == 0 {
		t.Fatalf("no golden specs: %v", err)
	}
	specs = append(specs, filepath.Join("..", "..", "cmd", "k8sgen", "example.yaml"))
	for _, p := range specs {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(asJSON(t, src)); err != nil {
			t.Errorf("%s fails the schema: %v", p, err)
		}
	}
}

// TestSchemaRefusesShapeErrors: the specs k8sgen refuses for their shape (an
// unknown field, a wrong kind, a value off a list) fail the schema too, and
// the loader or validation refuses each.
func TestSchemaRefusesShapeErrors(t *testing.T) {
	s := compiledSchema(t)
	for _, tc := range []struct{ name, src string }{
		{"unknown top-level field", base + "imageRepo: harbor/k8s\n"},
		{"unknown nested field", edit(t, "  cni: calico\n", "  cni: calico\n  cnii: x\n")},
		{"nodes is a mapping", strings.Replace(base, "nodes:\n", "nodes:\n  cp: {}\nx:\n", 1)},
		{"role off the list", edit(t, "role: worker", "role: master")},
		{"cni off the list", edit(t, "cni: calico", "cni: canal")},
		{"os off the list", edit(t, "os: ubuntu-24.04", "os: centos-7")},
		{"proxy mode off the list", edit(t, "kubeProxyMode: iptables", "kubeProxyMode: userspace")},
		{"runtime off the list", edit(t, "runtime: containerd", "runtime: cri-o")},
		{"a node without ip", edit(t, "    ip: 192.168.1.12\n", "")},
		{"no nodes", strings.Split(base, "nodes:")[0]},
		{"a list for a string", edit(t, "os: ubuntu-24.04", "os: [ubuntu-24.04]")},
		{"a string for a bool", base + "registries:\n  - host: h\n    insecureSkipVerify: yes please\n"},
		{"a string for a number", base + "loadBalancer:\n  kind: keepalived\n  port: high\n"},
		{"taint effect off the list", edit(t, "    ip: 192.168.1.12\n", "    ip: 192.168.1.12\n    taints: [{key: k, effect: Never}]\n")},
		{"layout off the list", base + "packages:\n  runtime:\n    layout: pkgs\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.Validate(asJSON(t, []byte(tc.src))); err == nil {
				t.Errorf("the schema accepts it:\n%s", tc.src)
			}
			if _, probs := check(tc.src); len(probs.Errors()) == 0 {
				t.Errorf("k8sgen accepts it:\n%s", tc.src)
			}
		})
	}
}

// TestExplain: a field's kind, default, choices and doc; a list's fields
// through the list's name; a wrong name gets the fields and a suggestion.
func TestExplain(t *testing.T) {
	out, err := Explain("network.cni")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"FIELD:    network.cni <string>", "DEFAULT:  calico", "CHOICES:  calico | flannel | weave | cilium | custom | none", "DESCRIPTION:"} {
		if !strings.Contains(out, w) {
			t.Errorf("explain network.cni lacks %q:\n%s", w, out)
		}
	}
	out, err = Explain("nodes.taints")
	if err != nil || !strings.Contains(out, "<[]Object>") || !strings.Contains(out, "  effect <string>") {
		t.Errorf("explain nodes.taints: %v\n%s", err, out)
	}
	if _, err := Explain("nodes.rol"); err == nil || !strings.Contains(err.Error(), `did you mean "role"?`) {
		t.Errorf("explain nodes.rol: %v", err)
	}
	if _, err := Explain("name.x"); err == nil || !strings.Contains(err.Error(), "name has no fields") {
		t.Errorf("explain name.x: %v", err)
	}
}
