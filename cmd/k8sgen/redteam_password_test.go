package main

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRedteamRegistryPasswordNotPrinted: the registry password comes from the
// environment variable passwordEnv names and is not checked. One that is not
// valid UTF-8 (a binary token, a Latin-1 password) passes validation and then
// fails the render inside tomlq, whose error quotes the value: the password is
// printed to stderr, i.e. into the CI log of whoever runs k8sgen. The password
// must be checked when it is read, with a message naming the variable, never
// the value (and escaping errors should not quote secrets).
func TestRedteamRegistryPasswordNotPrinted(t *testing.T) {
	dir := t.TempDir()
	specPath := filepath.Join(dir, "cluster.yaml")
	src := `name: lab
kubernetesVersion: "1.32.0"
os: ubuntu-24.04
registries:
  - host: harbor:443
    username: robot
    passwordEnv: HARBOR_PW
nodes:
  - {name: cp, role: control-plane, ip: 192.168.1.11}
`
	if err := os.WriteFile(specPath, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	const secret = "TopSecretToken"
	var stdout, stderr bytes.Buffer
	e := env{
		stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		now: time.Now, rand: rand.Reader,
		getenv: func(k string) (string, bool) {
			if k == "HARBOR_PW" {
				return secret + "\xff", true
			}
			return "", false
		},
	}
	code := run(e, []string{"render", "-f", specPath, "-o", filepath.Join(dir, "out"), "--secrets", filepath.Join(dir, "secrets.yaml"), "--kubeconfig", filepath.Join(dir, "admin.conf")})
	if strings.Contains(stderr.String()+stdout.String(), secret) {
		t.Errorf("exit %d; the registry password is printed:\n%s%s", code, stdout.String(), stderr.String())
	}
	if code != exitInvalid {
		t.Errorf("exit %d, want %d for a password the node files cannot hold", code, exitInvalid)
	}
}
