package spec

import (
	"strings"
	"testing"
)

// TestRedteamCredentialsOnlyInProxyURLs: a user name and password in a URL
// (https://user:token@artifactory.corp/..., common for Artifactory, Nexus and
// Harbor robot accounts) is accepted in every URL field. Only the proxy URLs are
// kept root's (0600); every other URL lands in a world-readable file on every
// node: containerd's certs.d/<host>/hosts.toml (0644), Docker's daemon.json
// (0644), /etc/apt/sources.list.d/*.list and /etc/yum.repos.d/*.repo (written by
// the bootstrap script under umask 022, so 0644; gpgkey= too on dnf). Any local
// user of any node reads the credential. The download URLs (cniManifest,
// criDockerd.url) sit in curl's argv, readable in /proc by every local user while
// it runs, and the criDockerd sha256 warning prints the password to stderr. Validation must refuse userinfo outside proxy.http(s)
// (apt has auth.conf.d, registries have username/passwordEnv), or every file
// holding such a URL must be 0600.
func TestRedteamCredentialsOnlyInProxyURLs(t *testing.T) {
	const u = "https://deploy:s3cr3t@artifactory.corp"
	tests := []struct{ path, src string }{
		{"packages.kubernetes.baseURL", base + "packages:\n  kubernetes:\n    baseURL: " + u + "/k8s/\n"},
		{"packages.kubernetes.gpgKey", base + "packages:\n  kubernetes:\n    gpgKey: " + u + "/k8s/Release.key\n"},
		{"packages.runtime.baseURL", base + "packages:\n  runtime:\n    baseURL: " + u + "/docker\n"},
		{"packages.extra[0].baseURL", base + "packages:\n  extra:\n    - name: internal\n      baseURL: " + u + "/x/\n      gpgKey: https://artifactory.corp/key\n"},
		{"registries[0].mirrors[0]", base + "registries:\n  - host: docker.io\n    mirrors: [\"https://robot:t0ken@harbor.corp\"]\n"},
		{"network.cniManifest", strings.Replace(base, "  cni: calico\n", "  cni: calico\n  cniManifest: "+u+"/calico.yaml\n", 1)},
		{"packages.criDockerd.url", strings.Replace(base, "runtime: containerd", "runtime: docker", 1) + "packages:\n  criDockerd:\n    url: " + u + "/cri-dockerd.tgz\n"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, probs := check(tt.src)
			for _, p := range probs.Errors() {
				if p.Path == tt.path {
					return
				}
			}
			t.Errorf("a URL with a password in %s is accepted; it reaches a world-readable file on every node\nproblems:\n%s", tt.path, dump(probs))
		})
	}
}
