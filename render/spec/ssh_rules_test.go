package spec

import (
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"
)

// sshBlob is an SSH public key blob of the given type (a length-prefixed name, then data).
func sshBlob(typ string) string {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(typ)))
	b = append(b, typ...)
	b = binary.BigEndian.AppendUint32(b, 32)
	b = append(b, make([]byte, 32)...)
	return base64.StdEncoding.EncodeToString(b)
}

// TestSSHKeys: public key lines are accepted with their comment; anything else is
// refused with the entry's index and line.
func TestSSHKeys(t *testing.T) {
	good := "ssh-ed25519 " + sshBlob("ssh-ed25519") + " ops@bastion"
	if _, probs := check(edit(t, "nodes:\n", "sshAuthorizedKeys:\n  - "+good+"\n  - ssh-ed25519 "+sshBlob("ssh-ed25519")+"\nnodes:\n")); len(probs) != 0 {
		t.Fatalf("valid keys refused:\n%s", dump(probs))
	}
	for name, tc := range map[string]struct{ key, msg string }{
		"private key": {"-----BEGIN OPENSSH PRIVATE KEY-----", "is a private key"},
		"no key":      {"ssh-ed25519", "is not TYPE BASE64"},
		"type":        {"ssh-dss " + sshBlob("ssh-dss"), `key type "ssh-dss" is not one sshd accepts`},
		"base64":      {"ssh-ed25519 AAAA$$$$", "the key is not base64"},
		"mismatch":    {"ssh-rsa " + sshBlob("ssh-ed25519") + " x", "the key's data is not a ssh-rsa key"},
		"options":     {`command="id" ` + good, "is not one sshd accepts"},
	} {
		t.Run(name, func(t *testing.T) {
			src := edit(t, "nodes:\n", "sshAuthorizedKeys:\n  - "+good+"\n  - '"+tc.key+"'\nnodes:\n")
			_, probs := check(src)
			expect(t, probs.Errors(), true, want{path: "sshAuthorizedKeys[1]", line: lineOf(t, src, "'"+tc.key+"'"), msg: []string{tc.msg}})
		})
	}
}

// lineOf is the 1-based line of src that holds sub.
func lineOf(t *testing.T, src, sub string) int {
	t.Helper()
	for i, l := range strings.Split(src, "\n") {
		if strings.Contains(l, sub) {
			return i + 1
		}
	}
	t.Fatalf("%q is not in the spec", sub)
	return 0
}
