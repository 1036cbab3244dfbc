// Package templates holds the text templates of every file k8sgen writes onto a
// node, one concern per file, and the helpers they may call.
package templates

import (
	"bytes"
	"embed"
	"fmt"
	"sync"
	"text/template"

	"github.com/Masterminds/sprig/v3"
)

//go:embed *.tmpl
var files embed.FS

var (
	once   sync.Once
	parsed *template.Template
	err    error
)

// Funcs are sprig's hermetic functions plus the escaping functions of escape.go.
// A value reaches a file only through the function of that file's format (Formats).
func Funcs() template.FuncMap {
	fm := sprig.HermeticTxtFuncMap()
	for name, f := range Escapers() {
		fm[name] = f
	}
	fm["shwords"] = shellWords
	fm["yamlv"] = YAMLValue
	return fm
}

// Escapers are the escaping functions of one string, by their template
// names; shwords and yamlv (of lists and maps) are the others.
func Escapers() map[string]func(string) (string, error) {
	return map[string]func(string) (string, error){
		"shq":   ShellQuote,
		"yamlq": DoubleQuote,
		"yamlk": YAMLKey,
		"yamlv": func(s string) (string, error) { return YAMLValue(s) },
		"tomlq": DoubleQuote,
		"unitq": UnitQuote,
		"envq":  EnvQuote,
		"word":  Word,
		"ipxew": IPXEWord,
		"line":  Line,
	}
}

// Format is the syntax of a template's output, which decides how values are escaped.
type Format int

// The formats of k8sgen's templates.
const (
	// Shell is bash: values through shq or shwords, outside quotes and comments.
	Shell Format = iota + 1
	// YAML values go through yamlq (or b64enc, whose output needs no quoting),
	// mapping keys through yamlk, free-form values through yamlv.
	YAML
	// TOML values go through tomlq.
	TOML
	// Unit is a systemd unit file: values through unitq.
	Unit
	// EnvFile is a systemd EnvironmentFile: values through envq.
	EnvFile
	// Lines are line-oriented files without quoting (chrony.conf, sysctl.d,
	// modules-load.d, hosts): values through word or line.
	Lines
	// IPXE is an iPXE script: values through ipxew.
	IPXE
)

// Formats names the format of every template and of every named template
// defined inside one. A template missing here fails the tests.
var Formats = map[string]Format{
	"bootstrap.sh.tmpl":              Shell,
	"pkg-apt.tmpl":                   Shell,
	"pkg-apt":                        Shell,
	"pkg-dnf.tmpl":                   Shell,
	"pkg-dnf":                        Shell,
	"node.env.tmpl":                  Shell,
	"proxy.env.tmpl":                 Shell,
	"kubeadm-init.yaml.tmpl":         YAML,
	"kubeadm-join.yaml.tmpl":         YAML,
	"kubeadm-node.tmpl":              YAML,
	"nodeRegistration":               YAML,
	"extraArgs":                      YAML,
	"extraVolumes":                   YAML,
	"kubeconfig.tmpl":                YAML,
	"meta-data.tmpl":                 YAML,
	"crictl.yaml.tmpl":               YAML,
	"containerd-v2.toml.tmpl":        TOML,
	"containerd-v3.toml.tmpl":        TOML,
	"hosts.toml.tmpl":                TOML,
	"cri-docker.service.tmpl":        Unit,
	"cri-docker.socket.tmpl":         Unit,
	"proxy.unit.env.tmpl":            EnvFile,
	"chrony.conf.tmpl":               Lines,
	"timesyncd.conf.tmpl":            Lines,
	"sysupdate-kubernetes.conf.tmpl": Lines,
	"k8sgen-bootstrap.service.tmpl":  Unit,
	"k8sgen-install.service.tmpl":    Unit,
	"containerd.service.tmpl":        Unit,
	"kubelet.service.tmpl":           Unit,
	"kubelet-kubeadm.conf.tmpl":      Unit,
	"hosts.tmpl":                     Lines,
	"node.ipxe.tmpl":                 IPXE,
	"boot.ipxe.tmpl":                 IPXE,
	"sysctl.conf.tmpl":               Lines,
	"modules.conf.tmpl":              Lines,
	"kube-vip.yaml.tmpl":             YAML,
	"haproxy.cfg.tmpl":               Lines,
	"keepalived.conf.tmpl":           Lines,
	"check-apiserver.sh.tmpl":        Shell,
}

// Parsed returns the parsed template set, for the tests that inspect it.
func Parsed() (*template.Template, error) {
	once.Do(load)
	return parsed, err
}

func load() {
	parsed, err = template.New("k8sgen").Option("missingkey=error").Funcs(Funcs()).ParseFS(files, "*.tmpl")
}

// Execute renders the template called name (its file name without .tmpl).
func Execute(name string, data any) ([]byte, error) {
	once.Do(load)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := parsed.ExecuteTemplate(&buf, name+".tmpl", data); err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	return buf.Bytes(), nil
}
