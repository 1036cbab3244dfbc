package render

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/k8sgen/k8sgen/render/plan"
	"gopkg.in/yaml.v3"
)

// compressible are the files written gz+b64 once they outgrow compressAbove: the
// hosts list grows with the cluster and would push user-data past 16 KiB. Other
// files stay plain text, so that people can read what they paste.
var compressible = map[string]bool{plan.HostsBlockPath: true}

const compressAbove = 4096

// WriteFile is one entry of cloud-config's write_files.
type WriteFile struct {
	Path        string `yaml:"path"`
	Owner       string `yaml:"owner"`
	Permissions string `yaml:"permissions"`
	Encoding    string `yaml:"encoding,omitempty"`
	Content     Text   `yaml:"content"`
}

// Text is a file's contents as the YAML encoders write them: in the
// encoder's own style (a literal block for lines), or double-quoted when it
// starts with a blank or a line break. For those gopkg.in/yaml.v3 writes a
// block that reads back otherwise: a leading line break is lost (by its own
// parser and by PyYAML, which cloud-init reads user-data with) and a leading
// tab is refused by its own parser (which Butane reads with).
// TestTextRoundTrips holds yaml.v3 and Butane to it, and the consumers'
// TestCloudInitReadsFileContents cloud-init's own loader.
type Text string

// MarshalYAML writes t double-quoted where a block would not read back.
func (t Text) MarshalYAML() (any, error) {
	if r, _ := utf8.DecodeRuneInString(string(t)); t != "" && (unicode.IsSpace(r) || r == '\u2028' || r == '\u2029' || r == '\ufeff') {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Style: yaml.DoubleQuotedStyle, Value: string(t)}, nil
	}
	return string(t), nil
}

// cloudConfig is the subset of #cloud-config that k8sgen writes besides
// write_files. Everything else happens in the bootstrap script, where it is
// ordered, logged and re-runnable.
type cloudConfig struct {
	Hostname string `yaml:"hostname"`
	// FQDN and PreferFQDN are set for a node name with dots (a DNS subdomain):
	// cloud-init then makes the whole name the host name, as the node name is,
	// instead of its first label.
	FQDN             string `yaml:"fqdn,omitempty"`
	PreferFQDN       bool   `yaml:"prefer_fqdn_over_hostname,omitempty"`
	PreserveHostname bool   `yaml:"preserve_hostname"`
	ManageEtcHosts   bool   `yaml:"manage_etc_hosts"`
	// SSHAuthorizedKeys go to the image's default user.
	SSHAuthorizedKeys []string `yaml:"ssh_authorized_keys,omitempty"`
	// Users keeps the image's default user and adds the debugging login.
	Users []any `yaml:"users,omitempty"`
	// WriteFiles are the node's own entries; the entries it shares with other
	// nodes follow them, encoded once for all.
	WriteFiles []WriteFile `yaml:"write_files"`
}

// cloudUser is one cloud-init users entry.
type cloudUser struct {
	Name              string   `yaml:"name"`
	Groups            []string `yaml:"groups"`
	Shell             string   `yaml:"shell"`
	Sudo              string   `yaml:"sudo"`
	LockPasswd        bool     `yaml:"lock_passwd"`
	HashedPasswd      string   `yaml:"hashed_passwd,omitempty"`
	SSHAuthorizedKeys []string `yaml:"ssh_authorized_keys,omitempty"`
}

type runcmd struct {
	Runcmd [][]string `yaml:"runcmd"`
}

// writeFileEntries encodes write_files items as they sit under the write_files
// key. Encoding shared entries apart lets nodes share them. The YAML encoder
// writes the whole entry, indentation included: it knows every line break a YAML
// reader knows (U+0085, U+2028, U+2029 as well as \n), which indenting by hand
// after \n alone would not.
func writeFileEntries(fs []WriteFile) ([]byte, error) {
	raw, err := encodeYAML(struct {
		WriteFiles []WriteFile `yaml:"write_files"`
	}{fs})
	if err != nil {
		return nil, err
	}
	entry, ok := bytes.CutPrefix(raw, []byte("write_files:\n"))
	if !ok {
		return nil, fmt.Errorf("write_files entry %s: unexpected encoding %.40q", fs[0].Path, raw)
	}
	return entry, nil
}

func encodeYAML(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// cloudConfigHead is the node's own stretch of user-data: its header, its
// cloud-config keys and its own write_files entries (own), which must not be
// empty, as the shared entries follow them as items of the same list.
func cloudConfigHead(p *plan.NodePlan, own []WriteFile) ([]byte, error) {
	if len(own) == 0 {
		return nil, fmt.Errorf("node %s has no file of its own to start write_files", p.Name)
	}
	cc := cloudConfig{Hostname: p.Name, SSHAuthorizedKeys: p.SSHAuthorizedKeys, WriteFiles: own}
	if short, _, dotted := strings.Cut(p.Name, "."); dotted {
		cc.Hostname, cc.FQDN, cc.PreferFQDN = short, p.Name, true
	}
	if u := p.DebugUser; u != nil {
		cc.Users = []any{"default", cloudUser{Name: u.Name, Groups: []string{u.Group}, Shell: "/bin/bash", Sudo: u.Sudo,
			LockPasswd: u.PasswordHash == "", HashedPasswd: u.PasswordHash, SSHAuthorizedKeys: u.SSHAuthorizedKeys}}
	}
	head, err := encodeYAML(cc)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString("#cloud-config\n")
	fmt.Fprintf(&buf, "# k8sgen: %s (%s) of cluster %s, Kubernetes %s on %s.\n", p.Name, p.Role, p.Cluster, p.Version, p.OS.Name)
	fmt.Fprintf(&buf, "# First boot runs %s; progress in %s/status, log in %s.\n", p.Paths.Bootstrap, p.Paths.State, p.Paths.Log)
	buf.Write(head)
	return buf.Bytes(), nil
}

// cloudConfigTail is the user-data after the write_files entries.
func cloudConfigTail(p *plan.NodePlan) ([]byte, error) {
	return encodeYAML(runcmd{Runcmd: [][]string{{p.Paths.Bootstrap}}})
}
