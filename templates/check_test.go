package templates

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"text/template"
	"text/template/parse"
)

// allowed are the functions whose output may be printed in each format.
var allowed = map[Format][]string{
	Shell:   {"shq", "shwords"},
	YAML:    {"yamlq", "yamlk", "yamlv", "b64enc"},
	TOML:    {"tomlq"},
	Unit:    {"unitq"},
	EnvFile: {"envq"},
	Lines:   {"word", "line"},
	IPXE:    {"ipxew"},
}

// lexState is where the text printed so far has left a reader of the format.
type lexState struct {
	stack     []byte // contexts: 'n' code, '(' command substitution, '"', '\'', '#'
	wordStart bool
	escape    bool
	dollar    bool
}

func (s lexState) top() byte { return s.stack[len(s.stack)-1] }

// key is the part of the state that branches and loop bodies must leave as they found it.
func (s lexState) key() string {
	return fmt.Sprintf("%s|%v", s.stack, s.escape)
}

func (s *lexState) push(c byte) { s.stack = append(slices.Clip(s.stack), c) }
func (s *lexState) pop()        { s.stack = s.stack[:len(s.stack)-1] }

// feed advances the state over literal template text. It knows enough of each
// format's quoting to tell whether the next action prints inside quotes or a comment.
func (s *lexState) feed(f Format, text string) {
	for i := 0; i < len(text); i++ {
		c := text[i]
		top := s.top()
		if s.escape {
			s.escape = false
			continue
		}
		switch top {
		case '#':
			if c == '\n' {
				s.pop()
				s.wordStart = true
			}
			continue
		case '\'':
			if c == '\'' {
				s.pop()
			} else if c == '\n' && f != Shell {
				s.pop() // YAML, TOML and unit quotes end with the line here
			}
			continue
		case '"':
			switch {
			case c == '\\':
				s.escape = true
			case c == '"':
				s.pop()
			case c == '\n' && f != Shell:
				s.pop()
			case f == Shell && c == '(' && s.dollar:
				s.push('(')
				s.wordStart = true
			}
			s.dollar = f == Shell && c == '$'
			continue
		}
		// Code: 'n' or '('.
		switch {
		case c == '\\' && f == Shell:
			s.escape = true
		case c == '\'' && f != Unit && f != EnvFile:
			s.push('\'')
		case c == '"':
			s.push('"')
		case c == '#' && s.wordStart:
			s.push('#')
		case c == ';' && s.wordStart && (f == Unit || f == EnvFile):
			s.push('#')
		case c == '(' && s.dollar && f == Shell:
			s.push('(')
		case c == ')' && top == '(':
			s.pop()
		}
		s.dollar = f == Shell && c == '$'
		s.wordStart = c == ' ' || c == '\t' || c == '\n' || (f == Shell && (c == ';' || c == '|' || c == '&' || c == '('))
	}
}

// checkList walks a parse tree in source order and reports every printing action
// that does not end in the format's escaping function, or prints inside quotes or
// a comment (where even an escaped value would mean something else).
func checkList(f Format, l *parse.ListNode, st *lexState, probs *[]string) {
	if l == nil {
		return
	}
	for _, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
			st.feed(f, string(n.Text))
		case *parse.ActionNode:
			if len(n.Pipe.Decl) > 0 || constant(n.Pipe) {
				continue
			}
			last := n.Pipe.Cmds[len(n.Pipe.Cmds)-1]
			id, ok := last.Args[0].(*parse.IdentifierNode)
			if !ok || !slices.Contains(allowed[f], id.Ident) {
				*probs = append(*probs, fmt.Sprintf("%s: %s prints a value without %s", location(n), n, strings.Join(allowed[f], " or ")))
			}
			if c := st.top(); c != 'n' && c != '(' {
				*probs = append(*probs, fmt.Sprintf("%s: %s prints inside %s", location(n), n, map[byte]string{'"': "double quotes", '\'': "single quotes", '#': "a comment"}[c]))
			}
			st.wordStart = false
		case *parse.IfNode:
			branches(f, &n.BranchNode, st, probs)
		case *parse.WithNode:
			branches(f, &n.BranchNode, st, probs)
		case *parse.RangeNode:
			// A second pass over the body must start and end where the first ended,
			// or iterations would print in different contexts.
			branches(f, &n.BranchNode, st, probs)
			once := st.key()
			var ignored []string
			again := *st
			again.stack = slices.Clone(st.stack)
			checkList(f, n.List, &again, &ignored)
			if again.key() != once {
				*probs = append(*probs, fmt.Sprintf("%s: a range body changes the quoting state", location(n)))
			}
		case *parse.TemplateNode, *parse.CommentNode, *parse.BreakNode, *parse.ContinueNode:
		default:
			*probs = append(*probs, fmt.Sprintf("%s: unexpected node %T", location(n), n))
		}
	}
}

func branches(f Format, b *parse.BranchNode, st *lexState, probs *[]string) {
	save := *st
	save.stack = slices.Clone(st.stack)
	checkList(f, b.List, st, probs)
	if b.ElseList != nil {
		other := save
		checkList(f, b.ElseList, &other, probs)
		if other.key() != st.key() {
			*probs = append(*probs, fmt.Sprintf("%s: its branches leave different quoting states", location(b)))
		}
	}
}

// constant reports whether a pipeline prints only literals.
func constant(p *parse.PipeNode) bool {
	for _, c := range p.Cmds {
		for _, a := range c.Args {
			switch a.(type) {
			case *parse.StringNode, *parse.NumberNode, *parse.BoolNode:
			default:
				return false
			}
		}
	}
	return true
}

func location(n parse.Node) string { return fmt.Sprintf("offset %d", n.Position()) }

// problemsOf checks one parsed template.
func problemsOf(tm *template.Template, f Format) []string {
	var probs []string
	st := &lexState{stack: []byte{'n'}, wordStart: true}
	checkList(f, tm.Tree.Root, st, &probs)
	return probs
}

// TestTemplatesEscapeEveryValue is the structural guarantee: every template has a
// format, and every value it prints passes through that format's escaping.
func TestTemplatesEscapeEveryValue(t *testing.T) {
	set, err := Parsed()
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, tm := range set.Templates() {
		if tm.Tree == nil || tm.Name() == "k8sgen" {
			continue
		}
		f, ok := Formats[tm.Name()]
		if !ok {
			t.Errorf("template %q has no format in templates.Formats", tm.Name())
			continue
		}
		seen++
		for _, p := range problemsOf(tm, f) {
			t.Errorf("%s: %s", tm.Name(), p)
		}
	}
	if seen < 20 {
		t.Errorf("checked only %d templates", seen)
	}
}

// TestCheckerCatchesBypasses proves the check above can fail: each template
// below prints a value the way a careless edit would.
func TestCheckerCatchesBypasses(t *testing.T) {
	for _, tc := range []struct {
		f    Format
		src  string
		good bool
	}{
		{Shell, `echo {{shq .X}}`, true},
		{Shell, `echo "$(date)" {{shq .X}} '#' {{shwords .L}}`, true},
		{Shell, "x=$(printf '%s' {{shq .X}})", true},
		{Shell, `f() { echo {{if .B}}{{shq .X}}{{else}}none{{end}}; }`, true},
		{Shell, `echo {{"{{"}}.Literal{{"}}"}}`, true},
		{Shell, `echo {{.X}}`, false},
		{Shell, `echo {{.X | printf "%s"}}`, false},
		{Shell, `echo {{shq .X | printf "%s"}}`, false},
		{Shell, `log "fetching {{shq .X}}"`, false},
		{Shell, `url='https://{{shq .X}}/'`, false},
		{Shell, "# for {{shq .X}}\ntrue", false},
		{Shell, `echo "$(echo {{shq .X}})"`, true},
		{Shell, `echo {{if .B}}"{{end}}{{shq .X}}`, false},
		{YAML, `name: {{yamlq .X}}`, true},
		{YAML, `name: {{.X}}`, false},
		{YAML, `# written for {{yamlq .X}}`, false},
		{YAML, `name: "{{yamlq .X}}"`, false},
		{TOML, `a = {{tomlq .X}}`, true},
		{TOML, `a = '{{tomlq .X}}'`, false},
		{Unit, `ExecStart=/bin/x --a={{unitq .X}}`, true},
		{Unit, `ExecStart=/bin/x --a={{.X}}`, false},
		{EnvFile, `HTTP_PROXY={{envq .X}}`, true},
		{EnvFile, `HTTP_PROXY={{unitq .X}}`, false},
		{Lines, "server {{word .X}} iburst", true},
		{Lines, "{{word .K}} = {{line .V}}", true},
		{Lines, "server {{.X}} iburst", false},
		{Lines, "# for {{word .X}}", false},
		{IPXE, "kernel {{ipxew .X}}", true},
		{IPXE, "kernel {{word .X}}", false},
		{IPXE, "# {{ipxew .X}}", false},
	} {
		tm, err := template.New("t").Funcs(Funcs()).Parse(tc.src)
		if err != nil {
			t.Fatalf("%q: %v", tc.src, err)
		}
		probs := problemsOf(tm, tc.f)
		if tc.good && len(probs) > 0 {
			t.Errorf("%q: reported %v", tc.src, probs)
		}
		if !tc.good && len(probs) == 0 {
			t.Errorf("%q: not reported", tc.src)
		}
	}
}
