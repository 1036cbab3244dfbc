package templates

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/k8sgen/k8sgen/render/spec"
)

// The escaping functions below are the only way a value reaches a rendered file:
// TestTemplatesEscapeEveryValue fails on any template action that prints a value
// through anything else. Each returns an error, which stops the render, for a
// value its format cannot hold; validation refuses such values earlier, with the
// field and line, so these errors mean a validation gap. They never quote the
// value, which may be a password.

// errNUL is returned for values holding NUL, which no shell variable, C string or
// configuration line can carry.
var errNUL = errors.New("value holds a NUL byte")

// shellSafe are the bytes that print unquoted in a POSIX shell word.
const shellSafe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@,+%"

// ShellQuote quotes s as one POSIX shell word: plain words stay unquoted for
// readability, anything else is single-quoted, where no byte but ' is special.
func ShellQuote(s string) (string, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return "", errNUL
	}
	if s != "" && strings.Trim(s, shellSafe) == "" {
		return s, nil
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'", nil
}

// shellWords quotes each element as one shell word and joins them with spaces.
func shellWords(words []string) (string, error) {
	q := make([]string, len(words))
	for i, w := range words {
		var err error
		if q[i], err = ShellQuote(w); err != nil {
			return "", err
		}
	}
	return strings.Join(q, " "), nil
}

// DoubleQuote writes s as a double-quoted string that YAML and TOML read alike:
// ", \ and the usual control characters as backslash escapes, every other
// character that is not printable in YAML or TOML (C0, DEL, C1 including NEL,
// the Unicode line and paragraph separators, the byte-order mark) as \uXXXX.
// YAML parsers break lines at U+0085, U+2028 and U+2029, so these never appear raw.
func DoubleQuote(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", errors.New("a value is not valid UTF-8")
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case spec.IsControl(r):
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String(), nil
}

// plainKey are mapping keys that every YAML reader takes as the same string
// unquoted: a letter first, then letters, digits and . _ - /.
var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_./-]*$`)

// yaml11Bools are the words a YAML 1.1 reader (kubeadm's) takes for booleans.
var yaml11Bools = []string{"y", "n", "yes", "no", "on", "off", "true", "false", "null"}

// YAMLKey writes s as a mapping key: plain where that reads back as the same
// string in YAML 1.1 and 1.2, double-quoted (yamlq) otherwise.
func YAMLKey(s string) (string, error) {
	if plainKey.MatchString(s) && !slices.Contains(yaml11Bools, strings.ToLower(s)) {
		return s, nil
	}
	return DoubleQuote(s)
}

// maxFlowDepth bounds YAMLValue's recursion; validation allows less.
const maxFlowDepth = 16

// YAMLValue writes a configuration value on one line, in YAML's flow style,
// which JSON shares: strings through yamlq, keys through yamlk in sorted
// order, numbers in decimal, mappings as {k: v, ...} and lists as [a, ...].
// It takes what the spec's free-form fields decode to.
func YAMLValue(v any) (string, error) {
	var b strings.Builder
	if err := flow(&b, v, 0); err != nil {
		return "", err
	}
	return b.String(), nil
}

func flow(b *strings.Builder, v any, depth int) error {
	if depth > maxFlowDepth {
		return errors.New("a value nests too deep")
	}
	if m, ok := spec.AsMap(v); ok {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			q, err := YAMLKey(k)
			if err != nil {
				return err
			}
			b.WriteString(q + ": ")
			if err := flow(b, m[k], depth+1); err != nil {
				return err
			}
		}
		b.WriteByte('}')
		return nil
	}
	switch x := v.(type) {
	case []any:
		b.WriteByte('[')
		for i, item := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := flow(b, item, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case string:
		q, err := DoubleQuote(x)
		if err != nil {
			return err
		}
		b.WriteString(q)
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int:
		b.WriteString(strconv.Itoa(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case uint64:
		b.WriteString(strconv.FormatUint(x, 10))
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return errors.New("a number is not finite")
		}
		b.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
	default:
		return fmt.Errorf("a value of type %T has no YAML form here", v)
	}
	return nil
}

// The replacements of unitq and envq, made once (a Replacer is safe for
// concurrent use).
var (
	unitEscapes = strings.NewReplacer(`\`, `\\`, `"`, `\"`, `%`, `%%`, `$`, `$$`)
	envEscapes  = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`", `$`, `\$`)
)

// UnitQuote writes s as one argument of a systemd unit's command line: double
// quotes with \ and " escaped, % doubled (specifiers) and $ doubled (variable
// expansion). Control characters have no place in a unit file.
func UnitQuote(s string) (string, error) {
	if err := noControl(s); err != nil {
		return "", err
	}
	return `"` + unitEscapes.Replace(s) + `"`, nil
}

// EnvQuote writes s as a value of a systemd EnvironmentFile: double quotes with a
// backslash before ", \, ` and $. Nothing is doubled: systemd expands neither
// specifiers nor variables in such a file, so unitq's %% and $$ would stay doubled.
func EnvQuote(s string) (string, error) {
	if err := noControl(s); err != nil {
		return "", err
	}
	return `"` + envEscapes.Replace(s) + `"`, nil
}

// Word passes s into a line-oriented file that has no quoting (chrony.conf,
// sysctl.d, modules-load.d, hosts, haproxy.cfg, keepalived.conf): one token, no
// whitespace, no comment sign ('#', keepalived's '!'), no block brace, quote,
// '$' (haproxy expands environment variables) or backslash.
func Word(s string) (string, error) {
	if s == "" {
		return "", errors.New("empty value where a word is needed")
	}
	if err := noControl(s); err != nil {
		return "", err
	}
	if i := strings.IndexAny(s, " #;!{}\"'$\\"); i >= 0 {
		return "", fmt.Errorf("a value holds %q, which these file formats would read as a separator, a comment, a block or a quote", s[i])
	}
	return s, nil
}

// IPXEWord passes s into an iPXE script as one argument of a command: no
// whitespace (which separates arguments), quote or backslash (which iPXE
// reads as quoting), '$' (iPXE expands ${...}) or '#', and not iPXE's "||"
// or "&&" or ";" on its own. Inside a word ';' is an ordinary character,
// as the kernel argument ds=nocloud-net;s=URL needs.
func IPXEWord(s string) (string, error) {
	if s == "" {
		return "", errors.New("empty value where an iPXE argument is needed")
	}
	if err := noControl(s); err != nil {
		return "", err
	}
	if i := strings.IndexAny(s, " #\"'$\\"); i >= 0 {
		return "", fmt.Errorf("a value holds %q, which iPXE would read as a separator, a comment, a quote or a setting", s[i])
	}
	if s == "||" || s == "&&" || s == ";" {
		return "", fmt.Errorf("%q would be an iPXE operator", s)
	}
	return s, nil
}

// Line passes s into a line-oriented file as the rest of a line: inner spaces
// are allowed (a sysctl value such as "32768 60999"), line breaks are not.
func Line(s string) (string, error) {
	if err := noControl(s); err != nil {
		return "", err
	}
	if strings.TrimSpace(s) != s || s == "" {
		return "", errors.New("a value is empty or has surrounding whitespace")
	}
	if strings.Contains(s, "#") {
		return "", errors.New("a value holds '#', which this file format reads as a comment")
	}
	return s, nil
}

// noControl refuses invalid UTF-8 and every character a line-oriented reader could
// take for a line break or that no text file should hold.
func noControl(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("a value is not valid UTF-8")
	}
	for _, r := range s {
		if spec.IsControl(r) {
			return fmt.Errorf("a value holds the control character %U", r)
		}
	}
	return nil
}
