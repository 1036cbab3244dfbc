package spec

import (
	"strings"
	"testing"
)

// TestRedteamCAPrefixRefused: certificatesOnly checks the blocks pem.Decode
// returns and the text after the last one, but pem.Decode silently skips
// whatever comes before a block, including a block it cannot decode. So a
// private key pasted before the certificate with its END line lost (or any text:
// a password, a key without PEM armour) is accepted, and the whole field is
// written 0644 to /etc/containerd/certs.d/<host>/ca.crt (or
// /etc/docker/certs.d/) on every node. Every byte of the field must be a
// certificate block (as secrets.onePEM does for the bundle), or the nodes must
// get the re-encoded certificates only.
func TestRedteamCAPrefixRefused(t *testing.T) {
	cert, key := selfSigned(t)
	keyNoEnd := key[:strings.Index(key, "-----END")]
	for name, ca := range map[string]string{
		"a private key without its END line before the certificate": keyNoEnd + cert,
		"text before the certificate":                               "db_password=hunter2\n" + cert,
	} {
		t.Run(name, func(t *testing.T) {
			src := base + "registries:\n  - host: harbor:443\n    ca: |\n" + indent(ca)
			_, probs := check(src)
			for _, p := range probs.Errors() {
				if p.Path == "registries[0].ca" {
					return
				}
			}
			t.Errorf("registries[0].ca holding %s is accepted and goes 0644 to every node\nproblems:\n%s", name, dump(probs))
		})
	}
}
