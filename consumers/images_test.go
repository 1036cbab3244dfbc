package consumers

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/k8sgen/k8sgen/render/plan"
	"github.com/k8sgen/k8sgen/render/spec"
)

// goldenImages is what k8sgen images lists for a golden case's spec.
func goldenImages(t *testing.T, c goldenCase) []plan.Image {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(c.dir, "cluster.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	doc, probs := spec.Check(raw)
	if len(probs.Errors()) > 0 {
		t.Fatalf("the golden spec is refused: %v", probs.Errors())
	}
	cl := doc.Cluster
	for i, a := range cl.Addons {
		if a.File != "" {
			data, err := os.ReadFile(filepath.Join(c.dir, a.File))
			if err == nil {
				err = cl.SetAddonContent(i, data)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if f := cl.Network.CNIManifestFile; f != "" {
		data, err := os.ReadFile(filepath.Join(c.dir, f))
		if err == nil {
			err = cl.SetCNIContent(data)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	images, err := plan.Images(cl)
	if err != nil {
		t.Fatal(err)
	}
	return images
}

// imageLineRE is one image reference as kubeadm config images list prints it.
var imageLineRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.:/_-]*:[A-Za-z0-9._-]+$`)

// checkImages compares k8sgen images with what the node's own files make it
// pull: on the first control plane, the real kubeadm's "config images list"
// of the rendered init configuration equals the kubeadm rows, in order; on a
// node that runs kube-vip, the static pod's image is the kube-vip row.
func checkImages(t *testing.T, c goldenCase, files []nodeFile) {
	var init, vip string
	for _, f := range files {
		switch {
		case f.Path == "/etc/k8sgen/kubeadm/init.yaml":
			init = f.Content
		case strings.HasSuffix(f.Path, "/kube-vip.yaml"):
			vip = f.Content
		}
	}
	if init == "" && vip == "" {
		t.Skip("not the first control plane, and no kube-vip")
	}
	images := goldenImages(t, c)
	var fromK8sgen []string
	for _, im := range images {
		if im.For == "kubeadm" {
			fromK8sgen = append(fromK8sgen, im.Ref)
		}
	}
	if init != "" {
		cfg := filepath.Join(t.TempDir(), "init.yaml")
		if err := os.WriteFile(cfg, []byte(init), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(kubeadmFor(t, c.version), "config", "images", "list", "--config", cfg).Output()
		if err != nil {
			t.Fatalf("kubeadm config images list: %v", err)
		}
		var fromKubeadm []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if imageLineRE.MatchString(l) {
				fromKubeadm = append(fromKubeadm, l)
			}
		}
		// kubeadm lists apiserver, controller-manager, scheduler, proxy, coredns, pause, etcd.
		if !slices.Equal(sortedStrings(fromKubeadm), sortedStrings(fromK8sgen)) {
			t.Errorf("kubeadm %s pulls\n  %s\nk8sgen images lists\n  %s", c.version, strings.Join(fromKubeadm, "\n  "), strings.Join(fromK8sgen, "\n  "))
		}
		t.Logf("kubeadm's images match: %d", len(fromKubeadm))
	}
	if vip != "" {
		m := regexp.MustCompile(`(?m)^\s*image: "?([^"\s]+)"?\s*$`).FindStringSubmatch(vip)
		if m == nil {
			t.Fatal("the kube-vip manifest names no image")
		}
		i := slices.IndexFunc(images, func(im plan.Image) bool { return im.For == "kube-vip" })
		if i < 0 || images[i].Ref != m[1] {
			t.Errorf("the kube-vip static pod runs %s; k8sgen images lists %+v", m[1], images)
		}
	}
}

func sortedStrings(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// TestImagesEveryMinor: for every supported minor, kubeadm's own list of the
// images its release pulls (default registry, then a private one) equals
// k8sgen images' kubeadm rows.
func TestImagesEveryMinor(t *testing.T) {
	for m := spec.MinMinor; m <= spec.MaxMinor; m++ {
		for _, repo := range []string{"", "harbor.lab:443/k8s"} {
			ver := "1." + strconv.Itoa(m) + ".0"
			t.Run(ver+"/"+strings.ReplaceAll(repo, "/", "_"), func(t *testing.T) {
				src := "name: c\nkubernetesVersion: \"" + ver + "\"\nos: debian-12\nnodes:\n  - {name: cp, role: control-plane, ip: 10.0.0.10}\n"
				api := "v1beta4"
				if m < 31 {
					api = "v1beta3"
				}
				cfg := "apiVersion: kubeadm.k8s.io/" + api + "\nkind: ClusterConfiguration\nkubernetesVersion: v" + ver + "\n"
				if repo != "" {
					src += "imageRepository: " + repo + "\n"
					cfg += "imageRepository: " + repo + "\n"
				}
				doc, probs := spec.Check([]byte(src))
				if len(probs.Errors()) > 0 {
					t.Fatal(probs.Errors())
				}
				images, err := plan.Images(doc.Cluster)
				if err != nil {
					t.Fatal(err)
				}
				var want []string
				for _, im := range images {
					if im.For == "kubeadm" {
						want = append(want, im.Ref)
					}
				}
				p := filepath.Join(t.TempDir(), "cfg.yaml")
				if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
					t.Fatal(err)
				}
				out, err := exec.Command(kubeadmFor(t, ver), "config", "images", "list", "--config", p).Output()
				if err != nil {
					t.Fatalf("kubeadm config images list: %v", err)
				}
				var got []string
				for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
					if imageLineRE.MatchString(l) {
						got = append(got, l)
					}
				}
				if !slices.Equal(sortedStrings(got), sortedStrings(want)) {
					t.Errorf("kubeadm %s pulls %v; k8sgen images lists %v", ver, got, want)
				}
			})
		}
	}
}
