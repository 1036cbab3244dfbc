package spec

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"regexp"
	"slices"
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

// debugUserNameRE is a login name useradd takes on every supported OS.
var debugUserNameRE = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)

// cryptHashRE is a crypt(3) hash of the kinds the supported OSes' libcrypt
// verify: yescrypt ($y$), SHA-512 ($6$), SHA-256 ($5$), bcrypt ($2b$/$2y$).
// completeHash bounds the text after the scheme to 200 characters.
var cryptHashRE = regexp.MustCompile(`^\$(y|6|5|2b|2y)\$([./A-Za-z0-9$=]{8,})$`)

// reservedUsers are accounts the OS images have; the debug user is a new one.
// "default" is cloud-init's name for the image's own user.
var reservedUsers = []string{"default", "root", "core", "admin", "ubuntu", "debian", "rocky", "almalinux", "centos",
	"cloud-user", "fedora", "ec2-user", "azureuser", "opc", "daemon", "bin", "sys", "sync", "games", "man", "lp",
	"mail", "news", "uucp", "proxy", "www-data", "backup", "list", "irc", "gnats", "nobody", "sshd", "syslog",
	"messagebus", "polkitd", "chrony", "dbus", "tss", "adm", "operator", "ftp", "halt", "shutdown", "etcd", "kube"}

// reservedUserPrefixes start the names of system accounts (_apt, systemd-network).
var reservedUserPrefixes = []string{"_", "systemd-"}

// cryptHashLengths are the lengths of the final field of complete crypt(3)
// hashes by scheme; a shorter one is a hash cut off when pasted.
var cryptHashLengths = map[string]int{"6": 86, "5": 43, "y": 43, "2b": 53, "2y": 53}

// debugUser checks the optional debugging login: a new name, a crypt(3) hash
// rather than a password, and SSH keys as sshAuthorizedKeys takes them.
func (v *validator) debugUser(c *Cluster) {
	u := c.DebugUser
	if u == nil {
		return
	}
	if v.required("debugUser.name", u.Name) {
		if !debugUserNameRE.MatchString(u.Name) {
			v.errorf("debugUser.name", "%q is not a login name: lowercase letters, digits, '_' and '-', at most 32, not starting with a digit or '-'", u.Name)
		} else if slices.Contains(reservedUsers, u.Name) || slices.ContainsFunc(reservedUserPrefixes, func(p string) bool { return strings.HasPrefix(u.Name, p) }) {
			v.errorf("debugUser.name", "%q is an account the OS images have or may have (cloud-init would change it, not add a login); name a new one", u.Name)
		}
	}
	if u.PasswordHash == "" && len(u.SSHAuthorizedKeys) == 0 {
		v.errorf("debugUser", "give passwordHash (for the console), sshAuthorizedKeys, or both")
	}
	if u.PasswordHash != "" && !completeHash(u.PasswordHash) {
		v.errorf("debugUser.passwordHash", "is not a complete crypt(3) hash ($y$…, $6$…, $5$… or $2b$…); make one with mkpasswd -m sha-512 and never put the password itself here")
	}
	if u.PasswordHash != "" {
		v.warnf("debugUser.passwordHash", "the hash is in every node's first-boot config, which cloud metadata services show to anyone on the node; use a password you use nowhere else, and remove debugUser once the cluster runs")
	}
	for i, k := range u.SSHAuthorizedKeys {
		if why := sshKeyProblem(k); why != "" {
			v.errorf(fmt.Sprintf("debugUser.sshAuthorizedKeys[%d]", i), "%s; want one OpenSSH public key line", why)
		}
	}
}

// completeHash says whether h is a crypt(3) hash of a known scheme whose final
// field has that scheme's full length.
func completeHash(h string) bool {
	m := cryptHashRE.FindStringSubmatch(h)
	if m == nil || len(m[2]) > 200 {
		return false
	}
	f := strings.Split(h, "$") // "", scheme, [params,] [salt,] hash
	return len(f) >= 4 && len(f[len(f)-1]) == cryptHashLengths[f[1]]
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
