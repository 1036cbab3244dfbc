package render

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	butanejson "github.com/clarketm/json"
	"github.com/coreos/butane/config/common"
	fcos1_5 "github.com/coreos/butane/config/fcos/v1_5"
	flatcar1_1 "github.com/coreos/butane/config/flatcar/v1_1"
	igntypes "github.com/coreos/ignition/v2/config/v3_4/types"
	"github.com/coreos/vcontext/report"
	"github.com/k8sgen/k8sgen/render/plan"
	"github.com/k8sgen/k8sgen/templates"
)

// The Butane config k8sgen writes: the plan's files, the unit that runs the
// bootstrap script, and the units the OS profile masks. It is encoded with the
// YAML encoder (no value is placed by hand) and translated to Ignition in-process.
type butaneConfig struct {
	Variant string        `yaml:"variant"`
	Version string        `yaml:"version"`
	Passwd  *butanePasswd `yaml:"passwd,omitempty"`
	Storage butaneStorage `yaml:"storage"`
	Systemd butaneSystemd `yaml:"systemd"`
}

type butanePasswd struct {
	Users []butaneUser `yaml:"users"`
}

type butaneUser struct {
	Name              string   `yaml:"name"`
	PasswordHash      string   `yaml:"password_hash,omitempty"`
	Groups            []string `yaml:"groups,omitempty"`
	SSHAuthorizedKeys []string `yaml:"ssh_authorized_keys,omitempty"`
}

type butaneStorage struct {
	Files []butaneFile `yaml:"files"`
}

type butaneFile struct {
	Path      string         `yaml:"path"`
	Mode      int            `yaml:"mode"`
	Overwrite bool           `yaml:"overwrite"`
	Contents  butaneContents `yaml:"contents"`
}

type butaneContents struct {
	Inline Text `yaml:"inline"`
}

type butaneSystemd struct {
	Units []butaneUnit `yaml:"units"`
}

type butaneUnit struct {
	Name     string `yaml:"name"`
	Enabled  *bool  `yaml:"enabled,omitempty"`
	Mask     bool   `yaml:"mask,omitempty"`
	Contents Text   `yaml:"contents,omitempty"`
}

// BootstrapUnit is the systemd unit that runs the bootstrap script where
// Ignition, not cloud-init, configures the first boot.
const BootstrapUnit = "k8sgen-bootstrap.service"

// ButaneFor is the node's Butane config, as YAML: what ignitionFor translates,
// and what a person reads to review a config.ign. The node's own files come
// first, as in user-data (see ignShape).
func ButaneFor(p *plan.NodePlan) ([]byte, error) {
	return butaneFor(p, func(_ int, f plan.File) ([]byte, error) { return FileContent(p, f) })
}

// butaneFor is p's Butane config with the contents of its i-th file (own
// files first, then shared ones) from content.
func butaneFor(p *plan.NodePlan, content func(i int, f plan.File) ([]byte, error)) ([]byte, error) {
	bc := butaneConfig{Variant: p.OS.Butane.Variant, Version: p.OS.Butane.Version}
	own, shared := splitFiles(p)
	for i, f := range append(own, shared...) {
		c, err := content(i, f)
		if err != nil {
			return nil, err
		}
		mode, err := modeOf(f)
		if err != nil {
			return nil, err
		}
		bc.Storage.Files = append(bc.Storage.Files, butaneFile{Path: f.Path, Mode: mode, Overwrite: true, Contents: butaneContents{Inline: Text(c)}})
	}
	var users []butaneUser
	if len(p.SSHAuthorizedKeys) > 0 {
		users = append(users, butaneUser{Name: p.OS.LoginUser, SSHAuthorizedKeys: p.SSHAuthorizedKeys})
	}
	if u := p.DebugUser; u != nil {
		// Sudo comes with the admin group, whose sudoers rule the OS ships.
		users = append(users, butaneUser{Name: u.Name, PasswordHash: u.PasswordHash, Groups: []string{u.Group}, SSHAuthorizedKeys: u.SSHAuthorizedKeys})
	}
	if len(users) > 0 {
		bc.Passwd = &butanePasswd{Users: users}
	}
	unit, err := templates.Execute("k8sgen-bootstrap.service", p.ClusterPlan)
	if err != nil {
		return nil, err
	}
	on := true
	bc.Systemd.Units = append(bc.Systemd.Units, butaneUnit{Name: BootstrapUnit, Enabled: &on, Contents: Text(unit)})
	for _, u := range p.OS.MaskUnits {
		bc.Systemd.Units = append(bc.Systemd.Units, butaneUnit{Name: u, Mask: true})
	}
	return encodeYAML(bc)
}

// FileContent renders one planned file, as every encoder writes it.
func FileContent(p *plan.NodePlan, f plan.File) ([]byte, error) {
	if f.Template == "" {
		return []byte(f.Content), nil
	}
	var data any = p
	if f.Data != nil {
		data = f.Data
	}
	return templates.Execute(f.Template, data)
}

// ignitionFor translates the node's Butane config to an Ignition config with
// Butane's own translator. Butane has no strict mode: any entry in its report
// (an error, a warning, even a note) on k8sgen's own config is a k8sgen bug, and
// fails the render. compress lets Butane gzip the files that shrink.
func ignitionFor(p *plan.NodePlan, compress bool) ([]byte, error) {
	bu, err := ButaneFor(p)
	if err != nil {
		return nil, err
	}
	return translate(p, bu, compress, compress)
}

// contentAndMode are a planned file's content and its mode as a number.
func contentAndMode(p *plan.NodePlan, f plan.File) ([]byte, int, error) {
	content, err := FileContent(p, f)
	if err != nil {
		return nil, 0, err
	}
	mode, err := modeOf(f)
	return content, mode, err
}

// modeOf is a planned file's mode as a number.
func modeOf(f plan.File) (int, error) {
	mode, err := strconv.ParseUint(f.Mode, 8, 12)
	if err != nil {
		return 0, fmt.Errorf("%s: mode %q: %w", f.Path, f.Mode, err)
	}
	return int(mode), nil
}

// translators are Butane's translators for the variants and versions that
// the profiles name, each to Ignition 3.4, the spec whose types the shapes
// build entries with (Butane's config package would link and register every
// variant of every version).
var translators = map[string]func([]byte, common.TranslateBytesOptions) ([]byte, report.Report, error){
	"fcos 1.5.0":    fcos1_5.ToIgn3_4Bytes,
	"flatcar 1.1.0": flatcar1_1.ToIgn3_4Bytes,
}

// translate translates the Butane config bu of p to Ignition: readable JSON
// as written; with compression, compact JSON, as what counts then is the size
// (user data is 16 KiB on AWS). gzip lets Butane gzip the files that shrink.
func translate(p *plan.NodePlan, bu []byte, compact, gzip bool) ([]byte, error) {
	opts := common.TranslateBytesOptions{Pretty: !compact}
	opts.NoResourceAutoCompression = !gzip
	t, ok := translators[p.OS.Butane.Variant+" "+p.OS.Butane.Version]
	if !ok {
		return nil, fmt.Errorf("butane %s %s: k8sgen has no translator for it (it has %s)", p.OS.Butane.Variant, p.OS.Butane.Version, strings.Join(slices.Sorted(maps.Keys(translators)), ", "))
	}
	ign, rep, err := t(bu, opts)
	if len(rep.Entries) > 0 {
		var msgs []string
		for _, e := range rep.Entries {
			msgs = append(msgs, e.String())
		}
		return nil, fmt.Errorf("butane %s %s: %s", p.OS.Butane.Variant, p.OS.Butane.Version, strings.Join(msgs, "; "))
	}
	if err != nil {
		return nil, fmt.Errorf("butane %s %s: %w", p.OS.Butane.Variant, p.OS.Butane.Version, err)
	}
	return append(ign, '\n'), nil
}

// ignShape is an Ignition config of one kind of node translated once: its
// text before and after the node's own files, which come first in
// storage.files. A node then makes only its own files' entries, and its
// config is the kind's text around them. Butane translates each file entry
// on its own and indents entries alike at the same depth, so this is the text
// a whole translation gives; newIgnShape checks the entries' form on each
// kind (a kind that differs translates node by node), and the tests check
// the whole text on every golden node and every fuzzed one.
type ignShape struct {
	ok                  bool
	prefix, sep, suffix []byte
	indent              string
}

// ownEntries are p's own files as storage.files entries, made as Butane
// makes them (its data URL, Ignition's types and Butane's JSON encoder),
// without a translation of a whole config: the one it would cost a node is
// most of a millisecond, all in Butane's generic machinery. indent is the
// entries' indentation in readable JSON, "" for compact JSON (compress).
// contents, when not nil, are the files' contents already made (from the
// kind's shape); otherwise their templates run.
func ownEntries(p *plan.NodePlan, compress bool, indent string, contents [][]byte) ([]json.RawMessage, error) {
	own, _ := splitFiles(p)
	if contents != nil && len(contents) != len(own) {
		return nil, fmt.Errorf("node %s: %d own files, %d contents", p.Name, len(own), len(contents))
	}
	entries := make([]json.RawMessage, 0, len(own))
	for i, f := range own {
		var content []byte
		var m int
		var err error
		if contents != nil {
			content = contents[i]
			m, err = modeOf(f)
		} else {
			content, m, err = contentAndMode(p, f)
		}
		if err != nil {
			return nil, err
		}
		b, err := realEntry(f.Path, m, content, compress, indent)
		if err != nil {
			return nil, err
		}
		entries = append(entries, b)
	}
	return entries, nil
}

// realEntry is the storage.files entry of a file with content, as Butane
// writes it: its data URL, gzipped where Butane would (compress).
func realEntry(path string, mode int, content []byte, compress bool, indent string) ([]byte, error) {
	src, compression := dataURL(content), &noCompression
	if compress {
		var err error
		if src, compression, err = dataURLGzip(content); err != nil {
			return nil, err
		}
	}
	return fileEntry(path, mode, src, compression, compress, indent)
}

// fileEntry is one storage.files entry as Butane writes it: Ignition's
// types through Butane's JSON encoder, compact or indented by indent.
func fileEntry(path string, mode int, src string, compression *string, compress bool, indent string) ([]byte, error) {
	overwrite := true
	e := igntypes.File{Node: igntypes.Node{Path: path, Overwrite: &overwrite},
		FileEmbedded1: igntypes.FileEmbedded1{Mode: &mode, Contents: igntypes.Resource{Source: &src, Compression: compression}}}
	if compress {
		return butanejson.Marshal(e)
	}
	return butanejson.MarshalIndent(e, indent, "  ")
}

// noCompression is the compression Butane records for contents it did not
// compress, gzipCompression for contents it did.
var noCompression, gzipCompression = "", "gzip"

// dataURLGzip is what Butane's MakeDataURL gives contents it may compress:
// dataURL's form, or base64 of the contents gzipped at the best level when
// that is shorter even with "gzip" recorded as the compression. The writer
// comes from a pool (a reset writer writes what a new one writes); TestDataURL
// compares it with Butane's.
func dataURLGzip(content []byte) (string, *string, error) {
	plain := dataURL(content)
	z, err := gzipBytes(content)
	if err != nil {
		return "", nil, err
	}
	if len(";base64,")+base64.StdEncoding.EncodedLen(len(z))+len(gzipCompression) < len(plain)-len("data:") {
		return "data:;base64," + base64.StdEncoding.EncodeToString(z), &gzipCompression, nil
	}
	return plain, &noCompression, nil
}

// dataURL is what Butane's MakeDataURL gives contents it may not compress:
// the shorter of the percent-encoded form (RFC 2396's unreserved bytes as
// they are, every other byte as %XX in capitals) and base64, base64 only when
// strictly shorter. MakeDataURL's percent-encoding formats each byte with
// fmt, the most of an Ignition node's time; TestDataURL compares the two.
func dataURL(content []byte) string { return string(appendDataURL(nil, content)) }

// appendDataURL appends content's data URL (dataURL) to b.
func appendDataURL(b, content []byte) []byte {
	const hex = "0123456789ABCDEF"
	b64 := base64.StdEncoding.EncodedLen(len(content))
	escaped := 0
	for _, c := range content {
		if !unreserved(c) {
			escaped++
		}
	}
	if len(";base64,")+b64 < len(",")+len(content)+2*escaped {
		return base64.StdEncoding.AppendEncode(append(b, "data:;base64,"...), content)
	}
	b = slices.Grow(b, len("data:,")+len(content)+2*escaped)
	b = append(b, "data:,"...)
	for _, c := range content {
		if unreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return b
}

// unreserved are RFC 2396's unreserved characters.
func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.!~*'()", c) >= 0
}

// fileEntries are the storage.files entries of an Ignition config, as written.
func fileEntries(ign []byte) ([]json.RawMessage, error) {
	var doc struct {
		Storage struct {
			Files []json.RawMessage `json:"files"`
		} `json:"storage"`
	}
	if err := json.Unmarshal(ign, &doc); err != nil {
		return nil, err
	}
	return doc.Storage.Files, nil
}

// ignSkeleton translates p's kind once, with a placeholder for the contents
// of every file: Butane does nothing with a file's contents but make its data
// URL, and a config of placeholders translates in a fraction of the time.
// It is the readable form; the compact one is the same JSON compacted, as
// Butane writes compact JSON with the encoder that indents the readable.
func ignSkeleton(p *plan.NodePlan) ([]byte, error) {
	bu, err := butaneFor(p, func(i int, _ plan.File) ([]byte, error) { return []byte(placeholder(i)), nil })
	if err != nil {
		return nil, err
	}
	// Placeholders never shrink: Butane need not try to gzip them.
	return translate(p, bu, false, false)
}

// compactJSON is skel, a readable translation, as compact JSON.
func compactJSON(skel []byte) ([]byte, error) {
	var b bytes.Buffer
	if err := json.Compact(&b, skel); err != nil {
		return nil, err
	}
	return append(b.Bytes(), '\n'), nil
}

// newIgnShape makes p's kind's shape from its skeleton (ignSkeleton; compact
// with compress). The placeholders' entries must be the ones fileEntry makes,
// one sep apart; the kind's shared files then get their real entries, made
// once, and each node its own (ownEntries). The tests compare every golden
// node, and the fuzzers their nodes, raw and compressed, with a whole
// translation.
func newIgnShape(p *plan.NodePlan, compress bool, skel []byte) (*ignShape, error) {
	sh := &ignShape{}
	own, shared := splitFiles(p)
	if len(own) == 0 {
		return sh, nil
	}
	if compress {
		var err error
		if skel, err = compactJSON(skel); err != nil {
			return nil, err
		}
	}
	files := append(own[:len(own):len(own)], shared...)
	all, err := fileEntries(skel)
	if err != nil || len(all) != len(files) {
		return sh, nil
	}
	start := bytes.Index(skel, all[0])
	if start < 0 {
		return sh, nil
	}
	sh.indent = string(skel[bytes.LastIndexByte(skel[:start], '\n')+1 : start])
	at := start
	for i, f := range files {
		m, err := modeOf(f)
		if err != nil {
			return nil, err
		}
		want, err := fileEntry(f.Path, m, "data:,"+placeholder(i), &noCompression, compress, sh.indent)
		if err != nil || !bytes.Equal(want, all[i]) {
			return sh, nil
		}
		if i > 0 {
			j := bytes.Index(skel[at:], want)
			if j < 0 || i > 1 && !bytes.Equal(skel[at:at+j], sh.sep) {
				return sh, nil
			}
			if i == 1 {
				sh.sep = skel[at : at+j]
			}
			at += j
		}
		at += len(want)
	}
	var suffix []byte
	for _, f := range shared {
		content, m, err := contentAndMode(p, f)
		if err != nil {
			return nil, err
		}
		e, err := realEntry(f.Path, m, content, compress, sh.indent)
		if err != nil {
			return nil, err
		}
		suffix = append(append(suffix, sh.sep...), e...)
	}
	sh.prefix, sh.suffix, sh.ok = skel[:start], append(suffix, skel[at:]...), true
	return sh, nil
}

// placeholder stands for the contents of a kind's i-th file in newIgnShape's
// translation: unreserved characters only, so its data URL is itself after
// "data:,", and too short to gzip.
func placeholder(i int) string { return "k8sgen-contents-placeholder-" + strconv.Itoa(i) }

func joinEntries(es []json.RawMessage, sep []byte) []byte {
	var b bytes.Buffer
	for i, e := range es {
		if i > 0 {
			b.Write(sep)
		}
		b.Write(e)
	}
	return b.Bytes()
}

// config is p's Ignition config from the shape; contents are p's own files'
// contents when its worker shape made them (nil: their templates run).
func (sh *ignShape) config(p *plan.NodePlan, compress bool, contents [][]byte) ([]byte, error) {
	own, err := ownEntries(p, compress, sh.indent, contents)
	if err != nil {
		return nil, err
	}
	if len(own) == 0 {
		return nil, fmt.Errorf("node %s has no file of its own", p.Name)
	}
	return sh.wrap(joinEntries(own, sh.sep)), nil
}

// wrap is the config around a node's own entries, joined.
func (sh *ignShape) wrap(joined []byte) []byte {
	out := getBuf(len(sh.prefix) + len(joined) + len(sh.suffix))
	return append(append(append(out, sh.prefix...), joined...), sh.suffix...)
}
