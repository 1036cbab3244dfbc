package spec

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/k8sgen/k8sgen/profiles"
)

// The JSON Schema of cluster.yaml is generated from the spec's types and their
// doc comments (hack/specschema.sh writes cluster.schema.json; a test keeps
// it current). It describes the shape the loader accepts (field names, kinds,
// the choices of enumerated fields, the defaults) for editors; Validate checks
// the rest. k8sgen explain reads the same file.

//go:embed cluster.schema.json
var schemaFile []byte

// SchemaFile is the embedded cluster.schema.json.
func SchemaFile() []byte { return bytes.Clone(schemaFile) }

// schemaChoices are the values an enumerated field takes, from the lists
// validation checks against.
func schemaChoices() map[string][]string {
	return map[string][]string{
		"os":                         profiles.Names(),
		"runtime":                    Runtimes,
		"arch":                       Arches,
		"nodes[].arch":               Arches,
		"network.cni":                CNIs,
		"network.kubeProxyMode":      ProxyModes,
		"nodes[].role":               {RoleControlPlane, RoleWorker},
		"nodes[].taints[].effect":    {"NoSchedule", "PreferNoSchedule", "NoExecute"},
		"loadBalancer.kind":          LBKinds,
		"packages.kubernetes.layout": repoLayouts["packages.kubernetes"],
		"packages.runtime.layout":    repoLayouts["packages.runtime"],
	}
}

// schemaDefaults are the values Defaults gives a field left out.
func schemaDefaults() map[string]any {
	return map[string]any{
		"runtime":                           "containerd",
		"arch":                              "amd64",
		"network.podSubnet":                 defaultNetwork.PodSubnet,
		"network.serviceSubnet":             defaultNetwork.ServiceSubnet,
		"network.cni":                       defaultNetwork.CNI,
		"network.kubeProxyMode":             defaultNetwork.KubeProxyMode,
		"packages.kubernetes.layout":        "pkgs",
		"packages.runtime.layout":           "docker",
		"loadBalancer.kubeVIP.version":      DefaultKubeVIPVersion,
		"loadBalancer.kubeVIP.leaseSeconds": DefaultKubeVIPLeaseSeconds,
		"loadBalancer.kubeVIP.image":        DefaultKubeVIPImage,
	}
}

// schemaRequired are the fields every spec gives.
var schemaRequired = map[string][]string{
	"":        {"name", "kubernetesVersion", "os", "nodes"},
	"nodes[]": {"name", "role", "ip"},
}

// FieldDocs reads the doc comments of the spec's struct fields from the Go
// files in dir (the spec package's source): "Type.Field" → text.
func FieldDocs(dir string) (map[string]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	out := map[string]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		ast.Inspect(file, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return true
			}
			for _, fl := range st.Fields.List {
				if fl.Doc == nil {
					continue
				}
				for _, name := range fl.Names {
					out[ts.Name.Name+"."+name.Name] = strings.TrimSpace(fl.Doc.Text())
				}
			}
			return true
		})
	}
	return out, nil
}

// GenerateSchema is the JSON Schema of cluster.yaml, with docs from FieldDocs.
func GenerateSchema(docs map[string]string) ([]byte, error) {
	g := schemaGen{docs: docs, choices: schemaChoices(), defaults: schemaDefaults()}
	root := g.object(reflect.TypeOf(Cluster{}), "")
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["title"] = "k8sgen cluster spec (cluster.yaml)"
	root["description"] = "The shape k8sgen's loader accepts: field names, kinds, choices and defaults. k8sgen validate checks the rest (addresses, versions, how fields go together)."
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

type schemaGen struct {
	docs     map[string]string
	choices  map[string][]string
	defaults map[string]any
}

// scalarTypes are the JSON types of a YAML scalar the loader takes for a
// string field: it keeps a plain 30 or true as text.
var scalarTypes = []string{"string", "number", "boolean"}

func (g schemaGen) object(t reflect.Type, path string) map[string]any {
	props := map[string]any{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		p := name
		if path != "" {
			p = path + "." + name
		}
		s := g.value(f.Type, p)
		if d := g.docs[t.Name()+"."+f.Name]; d != "" {
			s["description"] = d
		}
		props[name] = s
	}
	out := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if req := schemaRequired[path]; req != nil {
		out["required"] = req
	}
	return out
}

func (g schemaGen) value(t reflect.Type, path string) map[string]any {
	var s map[string]any
	switch t.Kind() {
	case reflect.Pointer:
		return g.value(t.Elem(), path)
	case reflect.Struct:
		s = g.object(t, path)
	case reflect.Slice:
		s = map[string]any{"type": "array", "items": g.value(t.Elem(), path+"[]")}
	case reflect.Map:
		if t.Elem().Kind() == reflect.Interface {
			// Settings: free-form, checked against the release's own types.
			s = map[string]any{"type": "object"}
		} else {
			s = map[string]any{"type": "object", "additionalProperties": g.value(t.Elem(), path+".*")}
		}
	case reflect.String:
		s = map[string]any{"type": scalarTypes}
	case reflect.Bool:
		s = map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		s = map[string]any{"type": "integer"}
	default:
		s = map[string]any{}
	}
	if c, ok := g.choices[path]; ok {
		s["enum"] = c
	}
	if d, ok := g.defaults[path]; ok {
		s["default"] = d
	}
	return s
}

// Explain describes the field at path (network.cni, nodes.role; a list's
// items are reached through the list's name) from the embedded schema: its
// kind, default, choices, doc and, for a mapping, its fields.
func Explain(path string) (string, error) {
	var root map[string]any
	if err := json.Unmarshal(schemaFile, &root); err != nil {
		return "", err
	}
	node, kind := root, "object"
	var walked []string
	if path = strings.Trim(strings.TrimSpace(path), "."); path != "" {
		for _, part := range strings.Split(path, ".") {
			node = items(node)
			props, _ := node["properties"].(map[string]any)
			next, ok := props[part].(map[string]any)
			if !ok {
				names := schemaKeys(props)
				where := "the spec"
				if len(walked) > 0 {
					where = strings.Join(walked, ".")
				}
				if len(names) == 0 {
					return "", fmt.Errorf("%s has no fields", where)
				}
				hint := ""
				if s := suggest(part, names); len(s) > 0 {
					hint = " (did you mean " + orList(s) + "?)"
				}
				return "", fmt.Errorf("%s has no field %q%s; its fields: %s", where, part, hint, strings.Join(names, ", "))
			}
			walked = append(walked, part)
			node = next
		}
	}
	kind = kindOf(node)
	var b strings.Builder
	name := path
	if name == "" {
		name = "(the spec)"
	}
	fmt.Fprintf(&b, "FIELD:    %s <%s>\n", name, kind)
	if d, ok := node["default"]; ok {
		fmt.Fprintf(&b, "DEFAULT:  %v\n", d)
	}
	if e, ok := node["enum"].([]any); ok {
		var s []string
		for _, v := range e {
			s = append(s, fmt.Sprint(v))
		}
		fmt.Fprintf(&b, "CHOICES:  %s\n", strings.Join(s, " | "))
	}
	if d, ok := node["description"].(string); ok {
		b.WriteString("\nDESCRIPTION:\n")
		for _, l := range strings.Split(d, "\n") {
			b.WriteString("  " + l + "\n")
		}
	}
	inner := items(node)
	if props, ok := inner["properties"].(map[string]any); ok {
		b.WriteString("\nFIELDS:\n")
		req := map[string]bool{}
		if r, ok := inner["required"].([]any); ok {
			for _, x := range r {
				req[fmt.Sprint(x)] = true
			}
		}
		for _, k := range schemaKeys(props) {
			p := props[k].(map[string]any)
			line := fmt.Sprintf("  %s <%s>", k, kindOf(p))
			if req[k] {
				line += " (required)"
			}
			if d, ok := p["description"].(string); ok {
				line += "\n    " + firstSentence(d)
			}
			b.WriteString(line + "\n")
		}
	}
	return b.String(), nil
}

// items is a list's item schema, or the schema itself.
func items(n map[string]any) map[string]any {
	if n["type"] == "array" {
		if it, ok := n["items"].(map[string]any); ok {
			return it
		}
	}
	return n
}

// kindOf names a schema's kind as kubectl explain does: string, []Object, map[string]string.
func kindOf(n map[string]any) string {
	switch t := n["type"].(type) {
	case string:
		switch t {
		case "array":
			if it, ok := n["items"].(map[string]any); ok {
				return "[]" + kindOf(it)
			}
			return "[]"
		case "object":
			if ap, ok := n["additionalProperties"].(map[string]any); ok {
				return "map[string]" + kindOf(ap)
			}
			if _, ok := n["properties"]; ok {
				return "Object"
			}
			return "map[string]any"
		}
		return t
	case []any:
		return "string"
	}
	return "any"
}

func schemaKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// firstSentence is a doc comment's first sentence on one line.
func firstSentence(d string) string {
	d = strings.Join(strings.Fields(d), " ")
	if i := strings.Index(d, ". "); i >= 0 {
		d = d[:i+1]
	}
	return d
}
