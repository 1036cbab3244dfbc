package spec

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Every string in a spec reaches a root script or a configuration file on every
// node, so the loader holds each one to the characters its field can need, before
// any field-specific check: no control characters in any field (YAML readers break
// lines at U+0085, U+2028 and U+2029 too), no whitespace except where a field's
// format has room for it, and a length no honest value exceeds.

// maxText is the longest value a one-line field may hold; maxPEM a PEM field.
const (
	maxText = 2048
	maxPEM  = 64 << 10
)

// multiLine are the fields that hold PEM text or a file's content: line breaks,
// tabs and spaces allowed.
var multiLine = regexp.MustCompile(`^registries\[\d+\]\.ca$|^controlPlaneFiles\[\d+\]\.content$`)

// spaced are the fields whose value may hold inner spaces: sysctl values such as
// net.ipv4.ip_local_port_range "32768 60999", flag values, which kubeadm
// writes as one quoted argument each, the strings of configuration documents,
// which are written quoted, and SSH public key lines.
var spaced = regexp.MustCompile(`^(kernel\.sysctls|components\.[A-Za-z]+\.extraArgs)\.[^*]+$|^kube(let|Proxy)Configuration[.[].*[^*]$|^(debugUser\.)?sshAuthorizedKeys\[\d+\]$`)

// checkText returns what is wrong with a string at path, or "".
func checkText(path, s string) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	pem := multiLine.MatchString(path)
	limit := maxText
	if pem {
		limit = maxPEM
	}
	if len(s) > limit {
		return fmt.Sprintf("is %d bytes long; the limit is %d", len(s), limit)
	}
	for _, r := range s {
		if pem && (r == '\n' || r == '\r' || r == '\t' || r == ' ') {
			continue
		}
		if IsControl(r) {
			return fmt.Sprintf("holds the control character %U; it could end a line in the files k8sgen writes, so no field may hold one", r)
		}
		if unicode.IsSpace(r) && !(pem || (r == ' ' && spaced.MatchString(path))) {
			return fmt.Sprintf("holds whitespace (%U); values such as URLs, hosts, names and paths never do", r)
		}
	}
	if spaced.MatchString(path) && strings.TrimSpace(s) != s {
		return "has leading or trailing spaces"
	}
	return ""
}

// IsControl reports the characters no spec value may hold: C0 and C1 controls,
// DEL, the Unicode line and paragraph separators and the byte-order mark. The
// escaping functions and the registry password check use the same set.
func IsControl(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == 0x2028 || r == 0x2029 || r == 0xfeff
}
