package templates

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
	"gopkg.in/yaml.v3"
)

// hostile are values an attacker or a careless paste puts into cluster.yaml.
var hostile = []string{
	"", "plain", "it's", `say "hi"`, `back\slash`, "$(touch /tmp/x)", "`id`", "a;b|c&d",
	"line\nbreak", "tab\there", "cr\rlf", "\x01\x1f\x7f", "nel\u0085x", "ls\u2028path: /x", "ps\u2029y",
	"bom\ufeff", "c1\u0090", "ünïcödé 中文", "emoji \U0001F600", "%h %% $HOME ${X}", "' ; rm -rf / ; '",
	"#comment", "key: value", "- item", "{a: b}", "[x]", "*anchor", "&a", "!tag", "\"\\u2028\"",
}

func TestDoubleQuoteRoundTrips(t *testing.T) {
	for _, s := range hostile {
		q, err := DoubleQuote(s)
		if err != nil {
			t.Fatalf("DoubleQuote(%q): %v", s, err)
		}
		for _, r := range []rune{'\n', '\r', 0x85, 0x2028, 0x2029, 0x7f} {
			if strings.ContainsRune(q, r) {
				t.Errorf("DoubleQuote(%q) = %q holds %U raw", s, q, r)
			}
		}
		var y map[string]string
		if err := yaml.Unmarshal([]byte("k: "+q+"\nnext: 1\n"), &y); err != nil || y["k"] != s || y["next"] != "1" {
			t.Errorf("YAML read %q back as %q (%v)", q, y, err)
		}
		var tm map[string]any
		if err := toml.Unmarshal([]byte("k = "+q+"\nnext = 1\n"), &tm); err != nil || tm["k"] != s || len(tm) != 2 {
			t.Errorf("TOML read %q back as %v (%v)", q, tm, err)
		}
	}
	if _, err := DoubleQuote("\xff"); err == nil {
		t.Error("DoubleQuote accepted invalid UTF-8")
	}
}

func TestShellQuoteRoundTrips(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	for _, s := range hostile {
		q, err := ShellQuote(s)
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(bash, "-c", "printf %s "+q).Output()
		if err != nil || string(out) != s {
			t.Errorf("bash read %s back as %q (%v)", q, out, err)
		}
	}
	if _, err := ShellQuote("a\x00b"); err == nil {
		t.Error("ShellQuote accepted NUL")
	}
	if w, _ := shellWords([]string{"a b", "c"}); w != "'a b' c" {
		t.Errorf("shellWords = %s", w)
	}
}

func TestUnitQuote(t *testing.T) {
	q, err := UnitQuote(`a "b" \c %h $X`)
	if err != nil || q != `"a \"b\" \\c %%h $$X"` {
		t.Errorf("UnitQuote = %s, %v", q, err)
	}
	for _, s := range []string{"a\nb", "a\rb", "x\u2028y", "\x00"} {
		if _, err := UnitQuote(s); err == nil {
			t.Errorf("UnitQuote accepted %q", s)
		}
	}
}

func TestEnvQuote(t *testing.T) {
	q, err := EnvQuote("http://u:p%40ss@proxy:3128/$x`y\\z\"")
	if want := "\"http://u:p%40ss@proxy:3128/\\$x\\`y\\\\z\\\"\""; err != nil || q != want {
		t.Errorf("EnvQuote = %s, want %s (%v)", q, want, err)
	}
	for _, s := range []string{"a\nb", "x\u2028y", "\x00"} {
		if _, err := EnvQuote(s); err == nil {
			t.Errorf("EnvQuote accepted %q", s)
		}
	}
}

func TestWordAndLine(t *testing.T) {
	for _, s := range []string{"", "a b", "a\tb", "a\nb", "a#b", "a;b", "x\u2028y", "\x7f"} {
		if _, err := Word(s); err == nil {
			t.Errorf("Word accepted %q", s)
		}
	}
	for _, s := range []string{"", " a", "a ", "a\nb", "a#b", "x\u0085y"} {
		if _, err := Line(s); err == nil {
			t.Errorf("Line accepted %q", s)
		}
	}
	if w, err := Word("10.0.0.1"); err != nil || w != "10.0.0.1" {
		t.Errorf("Word(ip) = %q, %v", w, err)
	}
	if l, err := Line("32768 60999"); err != nil || l != "32768 60999" {
		t.Errorf("Line = %q, %v", l, err)
	}
}

func TestIPXEWord(t *testing.T) {
	for _, s := range []string{"", "a b", "a\tb", "a\nb", "a#b", "${x}", "a'b", `a"b`, `a\b`, "||", "&&", ";", "x\u2028y", "\x00"} {
		if _, err := IPXEWord(s); err == nil {
			t.Errorf("IPXEWord accepted %q", s)
		}
	}
	for _, s := range []string{"ds=nocloud-net;s=http://10.0.0.1:8080/w1/", "http://h/ignition?mac=52-54-00-00-00-01&os=installed", "root=/dev/vda"} {
		if w, err := IPXEWord(s); err != nil || w != s {
			t.Errorf("IPXEWord(%q) = %q, %v", s, w, err)
		}
	}
}

// YAMLValue and YAMLKey write hostile keys and strings so that a YAML reader
// gets them back unchanged, inside a mapping and a list, on one line.
func TestYAMLValueRoundTrips(t *testing.T) {
	for _, s := range append(hostile, "yes", "No", "on", "null", "~", "1e3", "0x10", ".inf", "a.b/c-d") {
		v := map[string]any{s: []any{s, int64(-3), uint64(1 << 63), 0.25, true}, "k": s}
		out, err := YAMLValue(v)
		if err != nil {
			t.Fatalf("YAMLValue(%q): %v", s, err)
		}
		if strings.ContainsAny(out, "\n\r\u0085\u2028\u2029") {
			t.Errorf("YAMLValue(%q) = %q spans lines", s, out)
		}
		var back map[string]map[string]any
		if err := yaml.Unmarshal([]byte("doc: "+out+"\nnext: {}\n"), &back); err != nil {
			t.Fatalf("YAML does not read %q: %v", out, err)
		}
		got := back["doc"]
		l, _ := got[s].([]any)
		if got["k"] != s || len(l) != 5 || l[0] != s || l[1] != -3 || l[2] != uint64(1<<63) || l[3] != 0.25 || l[4] != true || back["next"] == nil {
			t.Errorf("%q read back as %#v", out, back)
		}
	}
	for _, bad := range []any{"\xff", map[string]any{"\xff": 1}, struct{}{}, []any{float32(1)}} {
		if _, err := YAMLValue(bad); err == nil {
			t.Errorf("YAMLValue(%#v) accepted", bad)
		}
	}
	// YAML 1.1 readers (kubeadm's) take these keys for booleans unless quoted.
	for _, k := range []string{"yes", "Off", "y", "N"} {
		if q, _ := YAMLKey(k); !strings.HasPrefix(q, `"`) {
			t.Errorf("YAMLKey(%q) = %s, unquoted", k, q)
		}
	}
}
