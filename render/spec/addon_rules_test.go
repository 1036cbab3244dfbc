package spec

import (
	"strings"
	"testing"
)

func TestAddonsRefused(t *testing.T) {
	const l = lAfterBase + 1 // the first add-on's line
	sum := strings.Repeat("ab", 32)
	tests := []struct {
		name, body string
		want       want
	}{
		{"unknown built-in", "  - name: dashboard\n",
			want{"addons[0].name", l, []string{`"dashboard" is not a built-in add-on (local-path-provisioner, metrics-server); give url and sha256, or file`}}},
		{"url without digest", "  - name: rook\n    url: https://example.com/rook.yaml\n",
			want{"addons[0].sha256", l, []string{"needs the manifest's sha256"}}},
		{"bad digest", "  - name: rook\n    url: https://example.com/rook.yaml\n    sha256: abc\n",
			want{"addons[0].sha256", l + 2, []string{"not a SHA-256 digest"}}},
		{"url and file", "  - name: rook\n    url: https://example.com/rook.yaml\n    sha256: " + sum + "\n    file: rook.yaml\n",
			want{"addons[0]", l, []string{"url or file, not both"}}},
		{"not a URL", "  - name: rook\n    url: ftp://example.com/rook.yaml\n    sha256: " + sum + "\n",
			want{"addons[0].url", l + 1, []string{"http(s) URL"}}},
		{"built-in as a file", "  - name: metrics-server\n    file: ms.yaml\n",
			want{"addons[0].file", l + 1, []string{"is a built-in add-on"}}},
		{"file with a digest", "  - name: mine\n    file: mine.yaml\n    sha256: " + sum + "\n",
			want{"addons[0].sha256", l + 2, []string{"sha256 is for url"}}},
		{"unclean file", "  - name: mine\n    file: a/../../etc/passwd\n",
			want{"addons[0].file", l + 1, []string{"clean relative path inside the spec's directory"}}},
		{"absolute file", "  - name: mine\n    file: /root/.kube/config\n",
			want{"addons[0].file", l + 1, []string{"clean relative path inside the spec's directory"}}},
		{"parent file", "  - name: mine\n    file: ../secrets.yaml\n",
			want{"addons[0].file", l + 1, []string{"clean relative path"}}},
		{"built-in mirror without digest", "  - name: metrics-server\n    url: http://mirror/ms.yaml\n",
			want{"addons[0].sha256", l, []string{"needs the manifest's sha256"}}},
		{"digest without url", "  - name: metrics-server\n    sha256: " + sum + "\n",
			want{"addons[0].sha256", l + 1, []string{"with the url it checks"}}},
		{"name", "  - name: My_Addon\n    file: x.yaml\n",
			want{"addons[0].name", l, []string{"not an add-on name"}}},
		{"twice", "  - name: metrics-server\n  - name: metrics-server\n",
			want{"addons[1].name", l + 1, []string{"already addons[0]"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, probs := check(base + "addons:\n" + tc.body)
			expect(t, probs.Errors(), false, tc.want)
		})
	}
	_, probs := check(base + "addons:\n  - name: local-path-provisioner\n  - name: metrics-server\n    url: http://mirror/ms.yaml\n    sha256: " + sum + "\n  - name: rook\n    url: https://example.com/rook.yaml\n    sha256: " + sum + "\n  - name: mine\n    file: addons/mine.yaml\n")
	expect(t, probs.Errors(), true)
}

func TestSetAddonContent(t *testing.T) {
	c := &Cluster{Addons: []Addon{{Name: "a", File: "a.yaml"}}}
	for _, bad := range []string{"", "---\n", "just text", "a: [", "kind: Pod\n", "apiVersion: v1\nkind: Pod\n---\nfoo: bar\n", "apiVersion: v1\nkind: \"\x00\"\n", "\xff"} {
		if err := c.SetAddonContent(0, []byte(bad)); err == nil {
			t.Errorf("SetAddonContent(%q) accepted", bad)
		}
	}
	if err := c.SetAddonContent(0, []byte(strings.Repeat("#", MaxAddonContent+1))); err == nil {
		t.Error("an oversized manifest accepted")
	}
	good := "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: y, namespace: x}\n"
	if err := c.SetAddonContent(0, []byte(good)); err != nil || c.Addons[0].Content != good {
		t.Errorf("SetAddonContent refused a manifest: %v", err)
	}
}

// TestCustomCNI: network.cni custom takes a URL with its sha256, or a file,
// never both, and none of the built-ins' knobs; it always warns that the pod
// network cannot be checked. cniManifestSHA256 also checks a built-in's URL.
func TestCustomCNI(t *testing.T) {
	custom := func(lines string) string {
		return edit(t, "  cni: calico\n", "  cni: custom\n"+lines)
	}
	_, probs := check(custom("  cniManifestFile: cni/net.yaml\n"))
	if errs := probs.Errors(); len(errs) != 0 {
		t.Fatalf("a custom CNI from a file is refused:\n%s", dump(errs))
	}
	warned := false
	for _, p := range probs.Warnings() {
		if p.Path == "network.cni" && strings.Contains(p.Msg, "cannot check that the network it configures is network.podSubnet 10.244.0.0/16") {
			warned = true
		}
	}
	if !warned {
		t.Errorf("no pod-network warning:\n%s", dump(probs))
	}
	sum := strings.Repeat("ab", 32)
	if _, probs := check(custom("  cniManifest: https://mirror.lab/net.yaml\n  cniManifestSHA256: " + sum + "\n")); len(probs.Errors()) != 0 {
		t.Fatalf("a custom CNI from a URL with its sha256 is refused:\n%s", dump(probs.Errors()))
	}
	if _, probs := check(edit(t, "  cni: calico\n", "  cni: calico\n  cniManifest: https://mirror.lab/calico.yaml\n  cniManifestSHA256: "+sum+"\n")); len(probs.Errors()) != 0 {
		t.Fatalf("a built-in CNI's mirror with its sha256 is refused:\n%s", dump(probs.Errors()))
	}
	for _, tc := range []struct {
		name string
		src  string
		w    want
	}{
		{"no manifest", custom(""),
			want{"network.cni", 7, []string{"custom needs its manifest", "network.cniManifestFile"}}},
		{"url without sha256", custom("  cniManifest: https://mirror.lab/net.yaml\n"),
			want{"network.cniManifest", 8, []string{"needs its sha256 in network.cniManifestSHA256", "cluster admin"}}},
		{"both", custom("  cniManifest: https://mirror.lab/net.yaml\n  cniManifestSHA256: " + sum + "\n  cniManifestFile: net.yaml\n"),
			want{"network.cniManifestFile", 10, []string{"not both"}}},
		{"file escapes", custom("  cniManifestFile: ../net.yaml\n"),
			want{"network.cniManifestFile", 8, []string{"clean relative path inside the spec's directory"}}},
		{"absolute file", custom("  cniManifestFile: /etc/kubernetes/admin.conf\n"),
			want{"network.cniManifestFile", 8, []string{"clean relative path"}}},
		{"version", custom("  cniManifestFile: net.yaml\n  cniVersion: v1.0.0\n"),
			want{"network.cniVersion", 9, []string{"applied as it is"}}},
		{"image repository", custom("  cniManifestFile: net.yaml\n  cniImageRepository: harbor.lab/cni\n"),
			want{"network.cniImageRepository", 9, []string{"write the image names you want into it"}}},
		{"file with a built-in", edit(t, "  cni: calico\n", "  cni: calico\n  cniManifestFile: net.yaml\n"),
			want{"network.cniManifestFile", 8, []string{"only network.cni custom takes a manifest file"}}},
		{"bad digest", custom("  cniManifest: https://mirror.lab/net.yaml\n  cniManifestSHA256: ABC\n"),
			want{"network.cniManifestSHA256", 9, []string{`"ABC" is not a SHA-256 digest`}}},
		{"digest without url", custom("  cniManifestFile: net.yaml\n  cniManifestSHA256: " + sum + "\n"),
			want{"network.cniManifestSHA256", 9, []string{"give it with the network.cniManifest URL it checks"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, probs := check(tc.src)
			expect(t, probs.Errors(), true, tc.w)
		})
	}
}

// TestManifestNotACredential: k8sgen's admin kubeconfig (or any kubeconfig)
// is no manifest, and would carry its key into user-data.
func TestManifestNotACredential(t *testing.T) {
	c := &Cluster{Addons: []Addon{{Name: "x", File: "x.yaml"}}}
	err := c.SetAddonContent(0, []byte("apiVersion: v1\nkind: Config\nusers: [{name: admin, user: {client-key-data: eA==}}]\n"))
	if err == nil || !strings.Contains(err.Error(), "is a kubeconfig (kind Config), not a manifest") {
		t.Errorf("err = %v", err)
	}
	if err := c.SetCNIContent([]byte("apiVersion: v1\nkind: Config\n")); err == nil {
		t.Error("a kubeconfig is accepted as a CNI manifest")
	}
}
