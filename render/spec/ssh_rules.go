package spec

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
)

// sshKeyTypes are the OpenSSH public key algorithms sshd accepts by default.
var sshKeyTypes = map[string]bool{
	"ssh-ed25519": true, "ssh-rsa": true,
	"ecdsa-sha2-nistp256": true, "ecdsa-sha2-nistp384": true, "ecdsa-sha2-nistp521": true,
	"sk-ssh-ed25519@openssh.com": true, "sk-ecdsa-sha2-nistp256@openssh.com": true,
}

// sshKeys checks that every sshAuthorizedKeys entry is one OpenSSH public key
// line, "TYPE BASE64 [COMMENT]", whose blob names the same type: a private key,
// an options prefix or two keys on a line are refused.
func (v *validator) sshKeys(c *Cluster) {
	for i, k := range c.SSHAuthorizedKeys {
		p := fmt.Sprintf("sshAuthorizedKeys[%d]", i)
		if why := sshKeyProblem(k); why != "" {
			v.errorf(p, "%s; want one OpenSSH public key line such as \"ssh-ed25519 AAAAC3Nz… user@host\" (the contents of ~/.ssh/id_ed25519.pub)", why)
		}
	}
}

func sshKeyProblem(k string) string {
	if strings.Contains(k, "PRIVATE KEY") {
		return "is a private key"
	}
	f := strings.Fields(k)
	if len(f) < 2 {
		return "is not TYPE BASE64 [COMMENT]"
	}
	if !sshKeyTypes[f[0]] {
		return fmt.Sprintf("key type %q is not one sshd accepts (ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256/384/521, sk-…@openssh.com)", f[0])
	}
	blob, err := base64.StdEncoding.DecodeString(f[1])
	if err != nil {
		return "the key is not base64"
	}
	// The blob starts with the key type as an SSH string: a 4-byte length, then the name.
	if len(blob) < 4 || int(binary.BigEndian.Uint32(blob)) != len(f[0]) || len(blob) < 4+len(f[0]) || string(blob[4:4+len(f[0])]) != f[0] {
		return fmt.Sprintf("the key's data is not a %s key", f[0])
	}
	return ""
}
