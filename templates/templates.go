// Package templates holds the text templates of every file k8sgen writes onto a
// node, one concern per file, and the helpers they may call.
package templates

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"strings"
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

// Funcs are sprig's hermetic functions plus quoting helpers. Values that reach
// shell, YAML or TOML pass through shq, yamlq or tomlq, never raw.
func Funcs() template.FuncMap {
	fm := sprig.HermeticTxtFuncMap()
	fm["shq"] = ShellQuote
	fm["yamlq"] = jsonString
	fm["tomlq"] = jsonString
	fm["shwords"] = func(words []string) string {
		q := make([]string, len(words))
		for i, w := range words {
			q[i] = ShellQuote(w)
		}
		return strings.Join(q, " ")
	}
	return fm
}

// ShellQuote quotes s for POSIX shells; plain words stay unquoted for readability.
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@,+%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// jsonString is a double-quoted string valid in YAML and TOML alike.
func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
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
