package render

import (
	"bytes"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/k8sgen/k8sgen/render/plan"
	"github.com/k8sgen/k8sgen/templates"
)

// Workers of one kind differ in a few values only: name, address and
// bootstrap token. A shape renders such a kind once, with stand-ins for those
// values, and fills in each worker's own: a worker then costs a copy, not a
// run of the templates and of the YAML encoder.
//
// A worker takes the fast way only when nothing else in its plan differs
// from the kind's first worker, and when each of its values is
// interchangeable with the stand-in: of the same lexical class, and printed
// by every escaping function in the same form (the same quotes around the
// same bytes). The kind itself is rendered twice, with two sets of stand-ins
// of different lengths and characters, and must split into the same literal
// text both times: a template that did more with a value than print it would
// show there. Anything else renders node by node, as before; the tests
// compare both ways on every golden node.

// holes are a worker's own values, in the order of holeClass.
type holes [4]string

// holeClass is the lexical class of each hole's values. A name without dots
// (a dotted name sets fqdn: a decision, not a print), an IPv4 address, a
// bootstrap token and its id.
var holeClass = [len(holes{})]*regexp.Regexp{
	regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`),
	regexp.MustCompile(`^[0-9]{1,3}(\.[0-9]{1,3}){3}$`),
	regexp.MustCompile(`^[a-z0-9]{6}\.[a-z0-9]{16}$`),
	regexp.MustCompile(`^[a-z0-9]{6}$`),
}

func holesOf(p *plan.NodePlan) holes { return holes{p.Name, p.IP, p.JoinToken, p.JoinTokenID} }

// withHoles is p with h as its own values.
func withHoles(p *plan.NodePlan, h holes) *plan.NodePlan {
	q := *p
	q.Name, q.IP, q.JoinToken, q.JoinTokenID = h[0], h[1], h[2], h[3]
	return &q
}

// standIns are the two sets of stand-ins; a token's id starts the token, as
// it does in every real token.
var standIns = [2]holes{
	{"zzk8sgenshapenamezz", "192.0.2.251", "zqk8s1.zqk8sgenshape001", "zqk8s1"},
	{"yyk8sgenothershapenameyy", "198.51.100.252", "yxk8s2.yxk8sgenshape002", "yxk8s2"},
}

// standInsFor are the stand-ins for nodes with values like h, and the key
// of their shape: a value that starts with a digit is written quoted by
// yamlk, so it gets stand-ins that start with a digit too.
func standInsFor(h *holes) ([2]holes, string) {
	out, key := standIns, ""
	for i, v := range h {
		if v == "" || v[0] < '0' || v[0] > '9' {
			key += "a"
			continue
		}
		key += "0"
		for k := range out {
			if s := out[k][i]; s[0] < '0' || s[0] > '9' {
				out[k][i] = string(rune('9'-k)) + s[1:]
			}
		}
	}
	return out, key
}

// interchangeable reports whether the values h can stand where the
// stand-ins s stood: each of its hole's class, written by every escaping
// function in the stand-in's form, and written plain by the YAML encoder,
// which writes the cloud-config keys.
func interchangeable(h *holes, s *formsOf) bool { return holesFit(h, s, 0, len(h)) }

// holesFit is interchangeable for the holes lo to hi-1 alone: each hole's
// values are checked on their own (the encoder writes each sequence item
// alone).
func holesFit(h *holes, s *formsOf, lo, hi int) bool {
	for i := lo; i < hi; i++ {
		v := h[i]
		if !holeClass[i].MatchString(v) {
			return false
		}
		for j, esc := range escapers {
			ev, err := esc(v)
			f := s[i][j]
			if err != nil || !f.ok || len(ev) != len(f.pre)+len(v)+len(f.suf) ||
				!strings.HasPrefix(ev, f.pre) || !strings.HasSuffix(ev, f.suf) || ev[len(f.pre):len(ev)-len(f.suf)] != v {
				return false
			}
		}
	}
	for i := lo; i < hi; i++ {
		if !surelyPlain(h[i]) {
			return yamlPlain(h[lo:hi])
		}
	}
	return true
}

// tokenHoles are the holes of the bootstrap token and its id: the same on
// every node of a cluster unless it has a token per node.
const tokenHoles = 2

// fits reports whether p's values h can fill the shape (interchangeable),
// checking the token only when it is not the last one that fit.
func (sh *shape) fits(h *holes) bool {
	if t := sh.token.Load(); t != nil && t[0] == h[tokenHoles] && t[1] == h[tokenHoles+1] {
		return holesFit(h, sh.forms, 0, tokenHoles)
	}
	if !interchangeable(h, sh.forms) {
		return false
	}
	sh.token.Store(&[2]string{h[tokenHoles], h[tokenHoles+1]})
	return true
}

// surelyPlain reports, without running the encoder, values of the holes'
// classes that the YAML encoder writes plain: those that start with a letter
// and hold a digit, a dash or a dot, or are longer than five letters (so no
// keyword such as no, on, null or false: a token id of six letters is one in
// seven); those that start with a digit and hold a letter no number can hold
// (not a-f, o or x); and digits with at least two dots, as an IPv4 address
// (a number has one dot at most). None resolves to a number, a bool, null or
// a date, and none starts with an indicator. A false answer sends the value
// to yamlPlain; TestSurelyPlain checks every true answer against it.
func surelyPlain(v string) bool {
	if v == "" {
		return false
	}
	letterFirst := v[0] >= 'a' && v[0] <= 'z'
	if !letterFirst && (v[0] < '0' || v[0] > '9') {
		return false
	}
	other, dots := false, 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'a' && c <= 'z':
			if !letterFirst && c > 'f' && c != 'o' && c != 'x' {
				other = true
			}
		case c >= '0' && c <= '9', c == '-', c == '.':
			if letterFirst {
				other = true
			}
			if c == '.' {
				dots++
			}
		default:
			return false
		}
	}
	return other || letterFirst && len(v) > 5 || !letterFirst && dots >= 2 && strings.Trim(v, "0123456789.") == ""
}

// form is how an escaping function writes a stand-in: pre + value + suf.
type form struct {
	pre, suf string
	ok       bool
}

// formsOf are the forms of each stand-in of a set, by escaper.
type formsOf [len(holes{})][]form

func formsFor(h *holes) *formsOf {
	var fs formsOf
	for i, v := range h {
		fs[i] = make([]form, len(escapers))
		for j, esc := range escapers {
			ev, err := esc(v)
			if err != nil || strings.Count(ev, v) != 1 {
				continue
			}
			pre, suf, _ := strings.Cut(ev, v)
			fs[i][j] = form{pre: pre, suf: suf, ok: true}
		}
	}
	return &fs
}

// escapers are the templates' escaping functions.
var escapers = func() []func(string) (string, error) {
	var fs []func(string) (string, error)
	for _, f := range templates.Escapers() {
		fs = append(fs, f)
	}
	return fs
}()

// yamlPlain reports whether the YAML encoder writes every value of vs as it
// is, unquoted (all in one encoding).
func yamlPlain(vs []string) bool {
	b, err := encodeYAML(vs)
	if err != nil {
		return false
	}
	var want strings.Builder
	for _, v := range vs {
		want.WriteString("- " + v + "\n")
	}
	return string(b) == want.String()
}

// piece is literal text followed by a hole (-1: none, the last piece).
type piece struct {
	lit  []byte
	hole int
}

// split cuts b at every stand-in of h, the longest first where one starts
// another.
func split(b []byte, h holes) []piece {
	var out []piece
	for {
		at, hole := -1, -1
		for i, s := range h {
			j := bytes.Index(b, []byte(s))
			if j >= 0 && (at < 0 || j < at || j == at && len(s) > len(h[hole])) {
				at, hole = j, i
			}
		}
		if at < 0 {
			return append(out, piece{lit: b, hole: -1})
		}
		out = append(out, piece{lit: b[:at], hole: hole})
		b = b[at+len(h[hole]):]
	}
}

func samePieces(a, b []piece) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].hole != b[i].hole || !bytes.Equal(a[i].lit, b[i].lit) {
			return false
		}
	}
	return true
}

// fill puts h into the holes of ps.
func fill(ps []piece, h holes) []byte {
	n := 0
	for _, p := range ps {
		n += len(p.lit)
		if p.hole >= 0 {
			n += len(h[p.hole])
		}
	}
	out := make([]byte, 0, n)
	for _, p := range ps {
		out = append(out, p.lit...)
		if p.hole >= 0 {
			out = append(out, h[p.hole]...)
		}
	}
	return out
}

// shape is one kind of worker rendered with holes.
type shape struct {
	standIns [2]holes
	forms    *formsOf       // of standIns[0]
	proto    *plan.NodePlan // the first worker, its holes emptied
	ok       bool           // false: the kind renders node by node
	head     []piece
	meta     []piece
	shared   []part
	own      [][]piece // Ignition: the contents of the node's own files
	entries  entryShape
	token    atomic.Pointer[[2]string] // the last token and id that fit
}

// entryShape is, per own file of an Ignition worker kind, the readable JSON
// of its storage.files entry before and after the source (the data URL of
// its contents), which is all that differs between the kind's nodes. It is
// made at the first use, with the indentation of the kind's ignShape.
type entryShape struct {
	once   sync.Once
	ok     bool
	around [][2][]byte
}

// sourcePlaceholder stands for a data URL while the JSON around it is made.
const sourcePlaceholder = "data:,k8sgen-source-placeholder"

// masked is p with its holes emptied, for comparing the rest.
func masked(p *plan.NodePlan) *plan.NodePlan { return withHoles(p, holes{}) }

// sameOtherwise reports whether p equals proto, a plan with its holes
// emptied, apart from p's holes: reflect.DeepEqual, with the files compared
// one by one first. DeepEqual of whole plans spent most of its time on the
// files, recording in a map every pointer it met (even the ones it then
// found identical); sameFile does that only for Data that differs.
// TestSameOtherwiseKnowsFile fails when plan.File gains a field this misses.
func sameOtherwise(p, proto *plan.NodePlan) bool {
	if len(p.Files) != len(proto.Files) {
		return false
	}
	for i := range p.Files {
		if !sameFile(&p.Files[i], &proto.Files[i]) {
			return false
		}
	}
	q := withHoles(p, holes{})
	q.Files = proto.Files
	return reflect.DeepEqual(q, proto)
}

// sameFile is reflect.DeepEqual of two planned files, with Data the same
// when it is one pointer.
func sameFile(a, b *plan.File) bool {
	if a.Path != b.Path || a.Mode != b.Mode || a.Template != b.Template || a.Content != b.Content || a.Scope != b.Scope {
		return false
	}
	if va, vb := reflect.ValueOf(a.Data), reflect.ValueOf(b.Data); va.Kind() == reflect.Pointer && vb.Kind() == reflect.Pointer &&
		va.Type() == vb.Type() && va.UnsafePointer() == vb.UnsafePointer() {
		return true
	}
	return reflect.DeepEqual(a.Data, b.Data)
}

// newShape renders p's kind with stand-ins; a kind that does not split the
// same way twice gets a shape that is not ok.
func newShape(p *plan.NodePlan, standIns [2]holes, cache *fragments) *shape {
	sh := &shape{proto: masked(p), standIns: standIns, forms: formsFor(&standIns[0])}
	if p.ControlPlane || p.Network != nil {
		return sh
	}
	if !interchangeable(&standIns[0], sh.forms) || !interchangeable(&standIns[1], sh.forms) {
		return sh
	}
	if p.OS.Output == "ignition" {
		return newIgnitionShape(p, sh)
	}
	var heads, metas [2][]piece
	var shared [2][]part
	for k, h := range standIns {
		cn, err := cloudParts(withHoles(p, h), cache)
		if err != nil {
			return sh
		}
		heads[k], metas[k], shared[k] = split(cn.head, h), split(cn.meta, h), cn.shared
	}
	if !samePieces(heads[0], heads[1]) || !samePieces(metas[0], metas[1]) || len(shared[0]) != len(shared[1]) {
		return sh
	}
	for i := range shared[0] {
		if !bytes.Equal(shared[0][i].raw, shared[1][i].raw) {
			return sh
		}
	}
	sh.ok, sh.head, sh.meta, sh.shared = true, heads[0], metas[0], shared[0]
	return sh
}

// newIgnitionShape gives sh the contents of the own files of p's kind, made
// with both sets of stand-ins, which must split alike. The rest of an
// Ignition node comes from its ignShape.
func newIgnitionShape(p *plan.NodePlan, sh *shape) *shape {
	var own [2][][]piece
	for k, h := range sh.standIns {
		q := withHoles(p, h)
		files, _ := splitFiles(q)
		for _, f := range files {
			content, err := FileContent(q, f)
			if err != nil {
				return sh
			}
			own[k] = append(own[k], split(content, h))
		}
	}
	if len(own[0]) != len(own[1]) {
		return sh
	}
	for i := range own[0] {
		if !samePieces(own[0][i], own[1][i]) {
			return sh
		}
	}
	sh.ok, sh.own = true, own[0]
	return sh
}

// ownContents are the contents of p's own files from the shape, or false
// when p must make them with their templates.
func (sh *shape) ownContents(p *plan.NodePlan) ([][]byte, bool) {
	if !sh.ok || sh.own == nil {
		return nil, false
	}
	h := holesOf(p)
	if !sh.fits(&h) || !sameOtherwise(p, sh.proto) {
		return nil, false
	}
	out := make([][]byte, len(sh.own))
	for i, ps := range sh.own {
		out[i] = fill(ps, h)
	}
	return out, true
}

// ownEntries are p's own storage.files entries, joined by sep (readable
// JSON indented by indent), from the shape; false when p must make them.
// A node's entries are its data URLs (dataURL, as Butane's) in the JSON
// around them; the JSON encoder writes a data URL as it is, since none of
// its characters needs escaping (jsonVerbatim).
func (sh *shape) ownEntries(p *plan.NodePlan, indent string, sep []byte) ([]byte, bool) {
	contents, ok := sh.ownContents(p)
	if !ok {
		return nil, false
	}
	es := &sh.entries
	es.once.Do(func() { es.ok, es.around = makeEntries(p, contents, indent, sep) })
	if !es.ok {
		return nil, false
	}
	return joinAround(es.around, contents, sep)
}

// joinAround joins the entries of contents, each its data URL within around.
func joinAround(around [][2][]byte, contents [][]byte, sep []byte) ([]byte, bool) {
	n := len(sep) * len(contents)
	for i, c := range contents {
		n += len(around[i][0]) + len(around[i][1]) + len("data:,") + 3*len(c)
	}
	b := make([]byte, 0, n)
	for i, c := range contents {
		if i > 0 {
			b = append(b, sep...)
		}
		b = append(b, around[i][0]...)
		at := len(b)
		b = appendDataURL(b, c)
		if !jsonVerbatim(b[at:]) {
			return nil, false
		}
		b = append(b, around[i][1]...)
	}
	return b, true
}

// jsonVerbatim reports whether Butane's JSON encoder writes s as it is
// between its quotes: no quote, backslash, control byte, non-ASCII byte, or
// <, > and & (which it escapes for HTML).
func jsonVerbatim[T string | []byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// makeEntries makes the JSON around each own file's source, from entries
// made with a placeholder, and checks it on p: joined around p's contents,
// it must equal p's entries made whole.
func makeEntries(p *plan.NodePlan, contents [][]byte, indent string, sep []byte) (bool, [][2][]byte) {
	own, _ := splitFiles(p)
	if len(own) != len(contents) {
		return false, nil
	}
	around := make([][2][]byte, len(own))
	for i, f := range own {
		m, err := modeOf(f)
		if err != nil {
			return false, nil
		}
		e, err := fileEntry(f.Path, m, sourcePlaceholder, &noCompression, false, indent)
		if err != nil || bytes.Count(e, []byte(sourcePlaceholder)) != 1 {
			return false, nil
		}
		before, after, _ := bytes.Cut(e, []byte(sourcePlaceholder))
		around[i] = [2][]byte{before, after}
	}
	got, ok := joinAround(around, contents, sep)
	if !ok {
		return false, nil
	}
	whole, err := ownEntries(p, false, indent, contents)
	if err != nil || !bytes.Equal(got, joinEntries(whole, sep)) {
		return false, nil
	}
	return true, around
}

// render renders p from the shape, or reports false when p must render on
// its own.
func (sh *shape) render(p *plan.NodePlan, opt Options) (Node, bool, error) {
	if !sh.ok {
		return Node{}, false, nil
	}
	h := holesOf(p)
	if !sh.fits(&h) {
		return Node{}, false, nil
	}
	if !sameOtherwise(p, sh.proto) {
		return Node{}, false, nil
	}
	cn := cloudNode{head: fill(sh.head, h), shared: sh.shared, meta: fill(sh.meta, h)}
	n, err := cn.node(p, opt)
	n.shaped = true
	return n, true, err
}

// shapes holds one shape per kind of worker, and one Ignition shape per
// kind of node and form (compressed or not).
type shapes struct {
	mu  sync.Mutex
	m   map[string]*shape
	ign map[string]*onceIgn
}

// onceIgn is an Ignition shape made once, outside shapes' lock: the kinds
// of a cluster translate in parallel. The readable form's also keeps the
// kind's skeleton, which the compact form compacts.
type onceIgn struct {
	once sync.Once
	skel []byte
	sh   *ignShape
	err  error
}

func (s *shapes) onceIgn(key string) *onceIgn {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.ign[key]
	if !ok {
		o = &onceIgn{}
		s.ign[key] = o
	}
	return o
}

// ignition returns the Ignition shape of p's kind, made from p when p is the
// first: Butane translates each kind once, for both forms.
func (s *shapes) ignition(p *plan.NodePlan, compress bool) (*ignShape, error) {
	key := p.ScopeKey(plan.File{Scope: plan.ScopeKind})
	raw := s.onceIgn(key)
	raw.once.Do(func() {
		if raw.skel, raw.err = ignSkeleton(p); raw.err == nil {
			raw.sh, raw.err = newIgnShape(p, false, raw.skel)
		}
	})
	if !compress || raw.err != nil {
		return raw.sh, raw.err
	}
	gz := s.onceIgn(key + "|gz")
	gz.once.Do(func() { gz.sh, gz.err = newIgnShape(p, true, raw.skel) })
	return gz.sh, gz.err
}

// of returns the shape of p's kind, made from p when p is the first.
func (s *shapes) of(p *plan.NodePlan, cache *fragments) *shape {
	h := holesOf(p)
	standIns, form := standInsFor(&h)
	key := p.ScopeKey(plan.File{Scope: plan.ScopeKind}) + "|" + form
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, ok := s.m[key]
	if !ok {
		sh = newShape(p, standIns, cache)
		s.m[key] = sh
	}
	return sh
}
