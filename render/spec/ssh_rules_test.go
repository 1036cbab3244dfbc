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

// TestDebugUser: the debugging login is a new account with a crypt(3) hash,
// never a password, and keys as sshAuthorizedKeys takes them; a hash warns
// that it travels in the first-boot config.
func TestDebugUser(t *testing.T) {
	const base = `name: d
kubernetesVersion: "1.34.0"
os: ubuntu-24.04
debugUser:
  name: oncall
  sshAuthorizedKeys:
    - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMD4F3NQrZnx7kKdtW8kSGS3FYHlbC0k2YHfvtBeeTQj ops@bastion
nodes:
  - name: cp
    role: control-plane
    ip: 192.168.1.11
`
	if _, probs := check(base); len(probs) != 0 {
		t.Fatalf("the spec is refused:\n%s", dump(probs))
	}
	hash := "$6$k8sgenlabsalt$j4zp2T7teZJn6b/Hmfl7g5lAhv6PFd0.fdOUqbDbXq1LdcaA2LlE2Y7axFApDewH1V88/TwzxlHI4fX.DiJkc0"
	_, probs := check(editOf(t, base, "  name: oncall\n", "  name: oncall\n  passwordHash: "+hash+"\n"))
	if len(probs) != 1 || !probs[0].Warning || probs[0].Path != "debugUser.passwordHash" {
		t.Errorf("want one warning on debugUser.passwordHash, got:\n%s", dump(probs))
	}
	for _, tc := range []struct {
		name, from, to string
		w              want
	}{
		{"root", "name: oncall", "name: root", want{"debugUser.name", 5, []string{"an account the OS images have"}}},
		{"bad name", "name: oncall", "name: \"On Call\"", want{"debugUser.name", 5, []string{"holds whitespace"}}},
		{"shell in name", "name: oncall", "name: \"a$(id)\"", want{"debugUser.name", 5, []string{"is not a login name"}}},
		{"a password", "  name: oncall\n", "  name: oncall\n  passwordHash: hunter2\n", want{"debugUser.passwordHash", 6, []string{"is not a complete crypt(3) hash", "never put the password itself"}}},
		{"cut hash", "  name: oncall\n", "  name: oncall\n  passwordHash: $6$k8sgenlabsalt$j4zp2T7teZJn6b/Hmfl7g5lAhv6PFd0\n", want{"debugUser.passwordHash", 6, []string{"is not a complete crypt(3) hash"}}},
		{"cloud-init's default", "name: oncall", "name: default", want{"debugUser.name", 5, []string{"an account the OS images have"}}},
		{"system account", "name: oncall", "name: systemd-network", want{"debugUser.name", 5, []string{"an account the OS images have"}}},
		{"service account", "name: oncall", "name: www-data", want{"debugUser.name", 5, []string{"an account the OS images have"}}},
		{"nothing to log in with", "  sshAuthorizedKeys:\n    - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMD4F3NQrZnx7kKdtW8kSGS3FYHlbC0k2YHfvtBeeTQj ops@bastion\n", "",
			want{"debugUser", 4, []string{"give passwordHash"}}},
		{"private key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMD4F3NQrZnx7kKdtW8kSGS3FYHlbC0k2YHfvtBeeTQj ops@bastion", "\"-----BEGIN OPENSSH PRIVATE KEY-----\"",
			want{"debugUser.sshAuthorizedKeys[0]", 7, []string{"is a private key"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, probs := check(editOf(t, base, tc.from, tc.to))
			expect(t, probs.Errors(), false, tc.w)
		})
	}
}
