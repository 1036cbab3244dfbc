package spec

import "testing"

// TestRedteamFragmentInRepositoryURL: isURL allows '#', so a repository URL with
// a fragment (a copied anchor link, "https://mirror/k8s/#stable") is valid.
// Nothing downloads a fragment: with the pkgs layout k8sgen appends
// /v1.32/deb/Release.key after it, so curl fetches https://mirror/k8s/ (an HTML
// page) as the signing key, and dnf asks for .../k8s/ as repodata. On apt the
// one-line sources.list format also reads '#' as the start of a comment, so
// `deb [signed-by=...] https://mirror/k8s/#stable/v1.32/deb/ /` loses its suite
// and apt refuses the whole list ("Malformed entry"): every node stops at
// step=kubernetes-packages. A fragment has no meaning in a download URL; refuse
// it in every URL the nodes fetch from.
func TestRedteamFragmentInRepositoryURL(t *testing.T) {
	tests := []struct{ path, src string }{
		{"packages.kubernetes.baseURL", base + "packages:\n  kubernetes:\n    baseURL: https://mirror.corp/k8s/#stable\n"},
		{"packages.runtime.baseURL", base + "packages:\n  runtime:\n    baseURL: https://mirror.corp/docker#ce\n"},
		{"packages.extra[0].baseURL", base + "packages:\n  extra:\n    - name: internal\n      baseURL: http://repo.internal/x/#top\n      gpgKey: http://repo.internal/key.asc\n"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, probs := check(tt.src)
			for _, p := range probs.Errors() {
				if p.Path == tt.path {
					return
				}
			}
			t.Errorf("a URL with a fragment in %s is accepted; the node fetches something else, and apt reads the rest of the line as a comment\nproblems:\n%s", tt.path, dump(probs))
		})
	}
}
