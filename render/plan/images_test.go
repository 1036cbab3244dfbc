package plan

import (
	"strings"
	"testing"

	"github.com/k8sgen/k8sgen/render/spec"
)

// TestImagesRewrites: the names nodes pull follow imageRepository (kubeadm's,
// metrics-server's, kube-vip's default), cniImageRepository and the
// registries' mirrors, beside the upstream names; what k8sgen cannot know is a
// row with a note, never a guess.
func TestImagesRewrites(t *testing.T) {
	src := `name: air
kubernetesVersion: "1.33.2"
os: rocky-9
imageRepository: harbor.lab/k8s
network:
  cni: flannel
  cniImageRepository: harbor.lab/flannel
loadBalancer:
  kind: kube-vip
  vip: 10.0.0.100
  interface: eth0
  prefixLength: 24
registries:
  - host: docker.io
    mirrors: [https://harbor.lab]
addons:
  - name: metrics-server
  - name: local-path-provisioner
  - name: remote
    url: https://files.lab/x.yaml
    sha256: ` + strings.Repeat("a", 64) + `
  - name: mine
    file: mine.yaml
nodes:
  - {name: cp1, role: control-plane, ip: 10.0.0.11}
  - {name: w1, role: worker, ip: 10.0.0.21}
`
	doc, probs := spec.Check([]byte(src))
	if len(probs.Errors()) > 0 {
		t.Fatal(probs.Errors())
	}
	if err := doc.Cluster.SetAddonContent(3, []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  initContainers: [{name: i, image: busybox:1.36}]\n  containers: [{name: c, image: quay.io/x/y:1}]\n")); err != nil {
		t.Fatal(err)
	}
	images, err := Images(doc.Cluster)
	if err != nil {
		t.Fatal(err)
	}
	got := string(ImageList(images))
	for _, line := range []string{
		"harbor.lab/k8s/kube-apiserver:v1.33.2\tregistry.k8s.io/kube-apiserver:v1.33.2\tkubeadm\n",
		"harbor.lab/k8s/coredns:v1.12.0\tregistry.k8s.io/coredns/coredns:v1.12.0\tkubeadm\t(kubeadm 1.33.0's tag; kubeadm v1.33.2 may pin a newer one",
		"harbor.lab/k8s/kube-vip:v1.0.0\tghcr.io/kube-vip/kube-vip:v1.0.0\tkube-vip\n",
		"harbor.lab/flannel/flannel:v0.26.4\tghcr.io/flannel-io/flannel:v0.26.4\tcni\n",
		"harbor.lab/flannel/flannel-cni-plugin:v1.6.2-flannel1\tghcr.io/flannel-io/flannel-cni-plugin:v1.6.2-flannel1\tcni\n",
		"harbor.lab/k8s/metrics-server:v0.7.2\tregistry.k8s.io/metrics-server/metrics-server:v0.7.2\taddon metrics-server\n",
		"docker.io/rancher/local-path-provisioner:v0.0.31\tdocker.io/rancher/local-path-provisioner:v0.0.31\taddon local-path-provisioner\tmirrors: https://harbor.lab\n",
		"?\t?\taddon remote\t(the images of https://files.lab/x.yaml, fetched only at boot)\n",
		"docker.io/library/busybox:1.36\tdocker.io/library/busybox:1.36\taddon mine\tmirrors: https://harbor.lab\n",
		"quay.io/x/y:1\tquay.io/x/y:1\taddon mine\n",
	} {
		if !strings.Contains(got, line) {
			t.Errorf("missing %q in\n%s", line, got)
		}
	}
}

func TestNormalRef(t *testing.T) {
	for in, want := range map[string]string{
		"busybox":                 "docker.io/library/busybox",
		"busybox:1.36":            "docker.io/library/busybox:1.36",
		"docker.io/busybox":       "docker.io/library/busybox",
		"weaveworks/weave-kube:1": "docker.io/weaveworks/weave-kube:1",
		"harbor:443/k8s/pause:1":  "harbor:443/k8s/pause:1",
		"localhost/x:1":           "localhost/x:1",
		"quay.io/cilium/cilium:1": "quay.io/cilium/cilium:1",
	} {
		if got := normalRef(in); got != want {
			t.Errorf("normalRef(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestManifestImagesHostile: aliases are followed, non-string values are not
// images, names that are no image reference (control characters, spaces) are
// refused rather than printed, and one image is listed once.
func TestManifestImagesHostile(t *testing.T) {
	refs, err := manifestImages("a: &m nginx:1\nspec:\n  containers:\n    - {image: *m}\n    - {image: docker.io/library/nginx:1}\n    - {image: 12}\n    - {image: null}\n    - {image: true}\n")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(refs, ",") != "docker.io/library/nginx:1,nginx:1" {
		t.Errorf("refs = %v", refs)
	}
	for _, bad := range []string{"\"\\e]0;owned\\a\"", "\"x y\"", "\"a\\nb\""} {
		if _, err := manifestImages("image: " + bad + "\n"); err == nil {
			t.Errorf("image %s accepted", bad)
		}
	}
	doc, _ := spec.Check([]byte("name: c\nkubernetesVersion: \"1.33.0\"\nos: debian-12\naddons: [{name: a, file: a.yaml}]\nnodes: [{name: cp, role: control-plane, ip: 10.0.0.10}]\n"))
	if err := doc.Cluster.SetAddonContent(0, []byte("apiVersion: v1\nkind: Pod\nspec: {containers: [{image: nginx:1}, {image: docker.io/library/nginx:1}]}\n")); err != nil {
		t.Fatal(err)
	}
	images, err := Images(doc.Cluster)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, im := range images {
		if im.For == "addon a" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("addon a lists %d images, want 1 (nginx:1 is docker.io/library/nginx:1)", n)
	}
}
