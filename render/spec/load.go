package spec

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// Problem is one finding about a spec: where it is and what is wrong.
type Problem struct {
	// Path is the field, e.g. nodes[1].name; empty for the whole document.
	Path string
	// Line is 1-based, 0 when unknown.
	Line int
	Msg  string
	// Warning problems do not stop a render.
	Warning bool
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Warning {
		b.WriteString("warning: ")
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Problems is a list of findings; as an error it lists the errors only.
type Problems []Problem

// Sorted returns the problems ordered by line (problems without a line first),
// keeping the order of problems on the same line.
func (ps Problems) Sorted() Problems {
	out := slices.Clone(ps)
	slices.SortStableFunc(out, func(a, b Problem) int { return cmp.Compare(a.Line, b.Line) })
	return out
}

// Errors returns the problems that are not warnings.
func (ps Problems) Errors() Problems {
	var out Problems
	for _, p := range ps {
		if !p.Warning {
			out = append(out, p)
		}
	}
	return out
}

// Warnings returns the warnings.
func (ps Problems) Warnings() Problems {
	var out Problems
	for _, p := range ps {
		if p.Warning {
			out = append(out, p)
		}
	}
	return out
}

func (ps Problems) Error() string {
	var lines []string
	for _, p := range ps {
		lines = append(lines, p.String())
	}
	return strings.Join(lines, "\n")
}

// Positions maps a field path to the line it was written on.
type Positions map[string]int

// Document is a loaded spec with the lines its fields came from.
type Document struct {
	Cluster   *Cluster
	Positions Positions
}

// Load parses cluster.yaml strictly: unknown keys, wrong types and empty input are
// problems, reported all at once with their lines. It does not apply defaults or validate.
func Load(data []byte) (*Document, Problems) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, Problems{{Msg: errEmpty}}
	}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if err == io.EOF { // nothing but comments
			return nil, Problems{{Msg: errEmpty}}
		}
		return nil, Problems{yamlProblem(err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		line := extra.Line
		if err != nil {
			return nil, Problems{yamlProblem(err)}
		}
		return nil, Problems{{Line: line, Msg: errMultiDoc}}
	}
	if len(root.Content) == 0 {
		return nil, Problems{{Msg: errEmpty}}
	}
	doc := root.Content[0]
	if isNull(doc) && doc.Value == "" { // a bare '---'
		return nil, Problems{{Msg: errEmpty}}
	}
	if doc.Kind != yaml.MappingNode {
		return nil, Problems{{Line: doc.Line, Msg: errNotMapping}}
	}
	pos := Positions{}
	var probs Problems
	var unknown Problems
	walk(doc, reflect.TypeOf(Cluster{}), "", pos, &probs, &unknown)
	if len(probs) > 0 {
		return nil, append(probs, unknown...).Sorted()
	}
	var c Cluster
	if err := doc.Decode(&c); err != nil {
		return nil, append(typeProblems(err), unknown...).Sorted()
	}
	// Unknown keys are reported, but the rest of the document is still validated,
	// so a typo and a bad address come out in one run.
	return &Document{Cluster: &c, Positions: pos}, unknown
}

// walk records each field's line and reports keys that the type does not know,
// and values whose YAML kind cannot fit the type.
// walk checks the node against the type: structural problems go to probs (the
// document cannot be decoded), unknown keys to unknown (it can, without them).
// structFields are a struct type's fields by YAML name, and the names in order.
type structFields struct {
	byName map[string]reflect.StructField
	names  []string
}

// fieldCache holds structFields by type: a spec of thousands of nodes walks
// the same few types thousands of times.
var fieldCache sync.Map

func fieldsOf(t reflect.Type) (map[string]reflect.StructField, []string) {
	if c, ok := fieldCache.Load(t); ok {
		sf := c.(*structFields)
		return sf.byName, sf.names
	}
	sf := &structFields{byName: map[string]reflect.StructField{}}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("yaml"), ",")[0]
		sf.byName[name] = f
		sf.names = append(sf.names, name)
	}
	fieldCache.Store(t, sf)
	return sf.byName, sf.names
}

func walk(n *yaml.Node, t reflect.Type, path string, pos Positions, probs, unknown *Problems) {
	if n.Kind == yaml.AliasNode {
		*probs = append(*probs, Problem{Path: path, Line: n.Line, Msg: errAlias})
		return
	}
	if path != "" {
		pos[path] = n.Line
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			if isNull(n) {
				return
			}
			*probs = append(*probs, Problem{Path: path, Line: n.Line, Msg: "expected a mapping of fields, found " + kindName(n)})
			return
		}
		fields, known := fieldsOf(t)
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			sub := k.Value
			if path != "" {
				sub = path + "." + k.Value
			}
			f, ok := fields[k.Value]
			if !ok {
				*unknown = append(*unknown, Problem{Path: sub, Line: k.Line, Msg: unknownField(k.Value, known)})
				continue
			}
			if seen[k.Value] {
				*probs = append(*probs, Problem{Path: sub, Line: k.Line, Msg: "field given twice"})
				continue
			}
			seen[k.Value] = true
			pos[sub] = k.Line
			walk(v, f.Type, sub, pos, probs, unknown)
			pos[sub] = k.Line
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			if isNull(n) {
				return
			}
			*probs = append(*probs, Problem{Path: path, Line: n.Line, Msg: "expected a list, found " + kindName(n)})
			return
		}
		for i, item := range n.Content {
			sub := fmt.Sprintf("%s[%d]", path, i)
			if isNull(item) {
				*probs = append(*probs, Problem{Path: sub, Line: item.Line, Msg: errNullItem})
				continue
			}
			walk(item, t.Elem(), sub, pos, probs, unknown)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			if isNull(n) {
				return
			}
			*probs = append(*probs, Problem{Path: path, Line: n.Line, Msg: "expected a mapping, found " + kindName(n)})
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			sub := path + "." + k.Value
			if k.Kind != yaml.ScalarNode || isNull(k) {
				*probs = append(*probs, Problem{Path: path, Line: k.Line, Msg: "a key must be plain text, found " + kindName(k)})
				continue
			}
			if k.Style&yaml.TaggedStyle != 0 && k.Tag != "!!str" {
				// The decoder would store other bytes than the text checked here.
				*probs = append(*probs, Problem{Path: path, Line: k.Line, Msg: fmt.Sprintf("the tag %s is not allowed on a key; write the key as plain text", k.Tag)})
				continue
			}
			if msg := checkText(path+".*", k.Value); msg != "" {
				*probs = append(*probs, Problem{Path: path, Line: k.Line, Msg: "key " + msg})
				continue
			}
			if v := n.Content[i+1]; isNull(v) && t.Elem().Kind() == reflect.String {
				// The decoder would store "", which no reader of the spec meant.
				*probs = append(*probs, Problem{Path: sub, Line: k.Line, Msg: errNullValue})
				continue
			}
			walk(n.Content[i+1], t.Elem(), sub, pos, probs, unknown)
			pos[sub] = k.Line
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			*probs = append(*probs, Problem{Path: path, Line: n.Line, Msg: "expected a string, found " + kindName(n)})
		} else if n.Style&yaml.TaggedStyle != 0 && n.Tag != "!!str" {
			// An explicit tag such as !!binary makes the decoder store other bytes
			// than the text checked here.
			*probs = append(*probs, Problem{Path: path, Line: n.Line, Msg: fmt.Sprintf("the tag %s is not allowed; write the value as plain text", n.Tag)})
		} else if msg := checkText(path, n.Value); msg != "" {
			*probs = append(*probs, Problem{Path: path, Line: n.Line, Msg: msg})
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		// The decoder would cut 24.5 to 24 (and read 1e1 as 10): a whole
		// number only, written as one.
		i := reflect.New(t).Interface()
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(i) != nil {
			*probs = append(*probs, Problem{Path: path, Line: n.Line, Msg: "expected a whole number, found " + kindName(n)})
		}
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
			*probs = append(*probs, Problem{Path: path, Line: n.Line, Msg: "expected true or false, found " + kindName(n)})
		}
	case reflect.Pointer:
		walk(n, t.Elem(), path, pos, probs, unknown)
	case reflect.Interface:
		walkAny(n, path, pos, probs, 1)
	}
}

// Bounds of a free-form value (Settings): the configuration types nest a few
// levels and hold short lists.
const (
	maxAnyDepth = 8
	maxAnyItems = 256
)

// anyTags are the YAML types a free-form value may hold: what JSON can say.
// Others (!!timestamp, !!binary, custom tags) would decode to something the
// checks and the writers do not expect.
var anyTags = []string{"!!str", "!!int", "!!float", "!!bool", "!!map", "!!seq"}

// walkAny records the lines of a free-form value's keys and items and refuses
// what it cannot hold: nulls, other tags, infinities, deep or long values and
// text no field may hold.
func walkAny(n *yaml.Node, path string, pos Positions, probs *Problems, depth int) {
	bad := func(line int, msg string) { *probs = append(*probs, Problem{Path: path, Line: line, Msg: msg}) }
	switch {
	case n.Kind == yaml.AliasNode:
		bad(n.Line, errAlias)
		return
	case isNull(n):
		bad(n.Line, errNullValue)
		return
	case !slices.Contains(anyTags, n.Tag):
		bad(n.Line, fmt.Sprintf("the tag %s is not allowed; write a string, a number, true or false, a mapping or a list", n.Tag))
		return
	case depth > maxAnyDepth:
		bad(n.Line, fmt.Sprintf("nested more than %d levels deep", maxAnyDepth))
		return
	case n.Kind == yaml.MappingNode && len(n.Content) > 2*maxAnyItems || n.Kind == yaml.SequenceNode && len(n.Content) > maxAnyItems:
		bad(n.Line, fmt.Sprintf("more than %d entries", maxAnyItems))
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.Tag != "!!str" {
				bad(k.Line, "a key must be plain text, found "+kindName(k))
				continue
			}
			if msg := checkText(path+".*", k.Value); msg != "" {
				bad(k.Line, "key "+msg)
				continue
			}
			sub := path + "." + k.Value
			pos[sub] = k.Line
			walkAny(n.Content[i+1], sub, pos, probs, depth+1)
			pos[sub] = k.Line
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			sub := fmt.Sprintf("%s[%d]", path, i)
			pos[sub] = item.Line
			walkAny(item, sub, pos, probs, depth+1)
		}
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!float":
			var f float64
			if n.Decode(&f) != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				bad(n.Line, fmt.Sprintf("%q is not a finite number", n.Value))
			}
		case "!!int":
			var i int64
			var u uint64
			if n.Decode(&i) != nil && n.Decode(&u) != nil {
				bad(n.Line, fmt.Sprintf("%q is not a 64-bit integer", n.Value))
			}
		case "!!str":
			if msg := checkText(path, n.Value); msg != "" {
				bad(n.Line, msg)
			}
		}
	default:
		bad(n.Line, "expected a value, found "+kindName(n))
	}
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

// unknownField names the known fields a misspelt or shortened name may mean,
// so it is easy to fix; a password never goes into the spec at all.
func unknownField(name string, known []string) string {
	known = slices.Sorted(slices.Values(known))
	switch lower := strings.ToLower(name); {
	case (lower == "password" || lower == "passwd" || lower == "pass") && slices.Contains(known, "passwordEnv"):
		return "unknown field: passwords never live in cluster.yaml; put it in an environment variable when you render and name the variable in passwordEnv"
	case (lower == "password" || lower == "passwd" || lower == "pass") && slices.Contains(known, "passwordHash"):
		return "unknown field: passwords never live in cluster.yaml; give passwordHash, a crypt(3) hash such as openssl passwd -6 prints"
	}
	if best := suggest(name, known); len(best) > 0 {
		return "unknown field (did you mean " + orList(best) + "?)"
	}
	return "unknown field; known fields: " + strings.Join(known, ", ")
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

func yamlProblem(err error) Problem {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return Problem{Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return Problem{Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

func typeProblems(err error) Problems {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		var ps Problems
		for _, e := range te.Errors {
			ps = append(ps, yamlProblem(errors.New(e)))
		}
		return ps
	}
	return Problems{yamlProblem(err)}
}

// Check is the whole front end: Load, then Defaults and Validate when the
// document could be decoded. Problems come sorted by line; a "required" error
// for a field is dropped when an unknown key next to it is that field misspelt.
func Check(data []byte) (*Document, Problems) {
	doc, probs := Load(data)
	if doc == nil {
		return nil, probs
	}
	Defaults(doc.Cluster)
	probs = append(probs, Validate(doc)...)
	misspelt := map[string]bool{}
	for _, p := range probs {
		if m := didYouMeanRE.FindStringSubmatch(p.Msg); m != nil {
			parent := ""
			if i := strings.LastIndexByte(p.Path, '.'); i >= 0 {
				parent = p.Path[:i+1]
			}
			misspelt[parent+m[1]] = true
		}
	}
	kept := probs[:0:0]
	for _, p := range probs {
		if p.Msg == errRequired && misspelt[p.Path] {
			continue
		}
		kept = append(kept, p)
	}
	return doc, kept.Sorted()
}

var didYouMeanRE = regexp.MustCompile(`did you mean "([A-Za-z0-9]+)"`)
