package plan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/k8sgen/k8sgen/render/spec"
)

// Image is one container image the nodes of a spec pull.
type Image struct {
	// Ref is the name the node pulls, after imageRepository,
	// cniImageRepository and kube-vip's image rewrote it; "" when k8sgen cannot
	// know it (a manifest fetched only at boot).
	Ref string
	// Upstream is where the image is published: what to copy to Ref.
	Upstream string
	// For says who pulls it: kubeadm, cni, kube-vip or addon NAME.
	For string
	// Mirrors are the endpoints containerd (or Docker) tries before Ref's own
	// registry, from the spec's registries.
	Mirrors []string
	// Note explains an image k8sgen cannot name, or a caveat.
	Note string
}

// Images lists every image the spec's nodes pull, in a stable order: kubeadm's
// (with the pause image), kube-vip's, the CNI's, then each add-on's. The spec
// must be defaulted and valid, with its manifest files read.
func Images(c *spec.Cluster) ([]Image, error) {
	ver, rel, err := releaseOf(c)
	if err != nil {
		return nil, err
	}
	var out []Image
	add := func(ref, upstream, what, note string) {
		out = append(out, Image{Ref: ref, Upstream: upstream, For: what, Note: note})
	}

	// kubeadm's images: under imageRepository when set, where CoreDNS loses
	// its coredns/ sub-path, as kubeadm names it.
	const k8s = "registry.k8s.io"
	repo := k8s
	if c.ImageRepository != "" {
		repo = c.ImageRepository
	}
	tag := "v" + ver.String()
	var patchNote string
	if ver.Patch != 0 {
		patchNote = fmt.Sprintf("kubeadm %d.%d.0's tag; kubeadm %s may pin a newer one (kubeadm config images list --kubernetes-version %s)", ver.Major, ver.Minor, tag, tag)
	}
	for _, n := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"} {
		add(repo+"/"+n+":"+tag, k8s+"/"+n+":"+tag, "kubeadm", "")
	}
	coredns := k8s + "/coredns/coredns:" + rel.coredns
	if repo == k8s {
		add(coredns, coredns, "kubeadm", patchNote)
	} else {
		add(repo+"/coredns:"+rel.coredns, coredns, "kubeadm", patchNote)
	}
	add(repo+"/pause:"+rel.pause, k8s+"/pause:"+rel.pause, "kubeadm", "also the sandbox image of containerd or cri-dockerd")
	add(repo+"/etcd:"+rel.etcd, k8s+"/etcd:"+rel.etcd, "kubeadm", patchNote)

	if c.LoadBalancer.Kind == spec.LBKubeVIP {
		kv := c.LoadBalancer.KubeVIP
		add(kv.Image+":"+kv.Version, spec.DefaultKubeVIPImage+":"+kv.Version, "kube-vip", "")
	}

	cni, err := cniImages(c)
	if err != nil {
		return nil, err
	}
	out = append(out, cni...)

	for _, a := range c.Addons {
		what := "addon " + a.Name
		b, builtin := spec.Builtin(a.Name)
		switch {
		case a.Content != "":
			refs, err := manifestImages(a.Content)
			if err != nil {
				return nil, fmt.Errorf("addons %s: %w", a.Name, err)
			}
			for _, r := range refs {
				add(r, r, what, "")
			}
		case builtin && a.URL == "":
			for _, up := range builtinAddonImages[b.Name] {
				ref := up
				if b.Name == "metrics-server" && c.ImageRepository != "" {
					ref = c.ImageRepository + "/" + strings.TrimPrefix(up, k8s+"/metrics-server/")
				}
				add(ref, up, what, "")
			}
		default:
			add("", "", what, "the images of "+a.URL+", fetched only at boot")
		}
	}

	mirrors := map[string][]string{}
	for _, r := range c.Registries {
		mirrors[r.Host] = r.Mirrors
	}
	seen := map[string]bool{}
	kept := out[:0]
	for _, im := range out {
		if im.Ref != "" {
			im.Ref = normalRef(im.Ref)
			im.Upstream = normalRef(im.Upstream)
			im.Mirrors = mirrors[refHost(im.Ref)]
			// docker.io/x and x are one image: list it once for each puller.
			if key := im.Ref + "\x00" + im.For; seen[key] {
				continue
			} else {
				seen[key] = true
			}
		}
		kept = append(kept, im)
	}
	return kept, nil
}

// cniImages are the images of the CNI's manifest: known for the pinned
// releases of the built-in CNIs (and Calico's, whose images carry its
// release), read from a custom manifest file, unknown otherwise.
func cniImages(c *spec.Cluster) ([]Image, error) {
	n := c.Network
	var upstream []string
	prefix, unknown := "", ""
	switch n.CNI {
	case "none":
		return nil, nil
	case "custom":
		if n.CNIManifestContent == "" {
			return []Image{{For: "cni", Note: "the images of " + n.CNIManifest + ", fetched only at boot"}}, nil
		}
		refs, err := manifestImages(n.CNIManifestContent)
		if err != nil {
			return nil, fmt.Errorf("network.cniManifestFile: %w", err)
		}
		var out []Image
		for _, r := range refs {
			out = append(out, Image{Ref: r, Upstream: r, For: "cni"})
		}
		return out, nil
	case "calico":
		prefix = "docker.io/calico/"
		for _, i := range []string{"cni", "node", "kube-controllers"} {
			upstream = append(upstream, prefix+i+":"+n.CNIVersion)
		}
	case "flannel":
		prefix = "ghcr.io/flannel-io/"
		upstream = []string{prefix + "flannel:" + n.CNIVersion}
		if plugin, ok := flannelCNIPlugin[n.CNIVersion]; ok {
			upstream = append(upstream, prefix+"flannel-cni-plugin:"+plugin)
		} else {
			unknown = "flannel " + n.CNIVersion + "'s flannel-cni-plugin image: k8sgen knows its tag for " + spec.DefaultCNIVersions["flannel"] + " only"
		}
	case "weave":
		prefix = "docker.io/weaveworks/"
		v := strings.TrimPrefix(n.CNIVersion, "v")
		upstream = []string{prefix + "weave-kube:" + v, prefix + "weave-npc:" + v}
	default: // cilium: the spec's own manifest
		return []Image{{For: "cni", Note: "the images of " + n.CNIManifest + ", fetched only at boot"}}, nil
	}
	note := ""
	if n.CNIManifest != "" {
		note = "if " + n.CNIManifest + " is upstream's manifest of " + n.CNIVersion
	}
	var out []Image
	for _, up := range upstream {
		out = append(out, Image{Ref: rewriteCNI(up, prefix, n.CNIImageRepository), Upstream: up, For: "cni", Note: note})
	}
	if unknown != "" {
		out = append(out, Image{For: "cni", Note: unknown})
	}
	return out, nil
}

// rewriteCNI puts cniImageRepository in place of the CNI's registry and
// organisation, as the node's sed does to the manifest.
func rewriteCNI(ref, prefix, repo string) string {
	if repo == "" {
		return ref
	}
	return repo + "/" + strings.TrimPrefix(ref, prefix)
}

// flannelCNIPlugin is the flannel-cni-plugin tag each flannel release's
// kube-flannel.yml names.
var flannelCNIPlugin = map[string]string{
	"v0.26.4": "v1.6.2-flannel1",
}

// builtinAddonImages are the images of the built-in add-ons' manifests at
// their pinned releases (local-path-provisioner's helper pods run busybox).
var builtinAddonImages = map[string][]string{
	"local-path-provisioner": {"docker.io/rancher/local-path-provisioner:v0.0.31", "docker.io/library/busybox:latest"},
	"metrics-server":         {"registry.k8s.io/metrics-server/metrics-server:v0.7.2"},
}

// manifestImages are the values of every image field of a manifest's
// documents, sorted, each once.
func manifestImages(content string) ([]string, error) {
	dec := yaml.NewDecoder(strings.NewReader(content))
	seen := map[string]bool{}
	var bad []string
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		switch n.Kind {
		case yaml.DocumentNode, yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if v.Kind == yaml.AliasNode && v.Alias != nil {
					v = v.Alias
				}
				if k.Value == "image" && v.Kind == yaml.ScalarNode && v.Tag == "!!str" && v.Value != "" {
					if len(v.Value) > 512 || !imageRefRE.MatchString(v.Value) {
						bad = append(bad, v.Value)
						continue
					}
					seen[v.Value] = true
					continue
				}
				walk(v)
			}
		}
	}
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		walk(&doc)
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("image %q is not an image reference", bad[0])
	}
	out := make([]string, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	sort.Strings(out)
	return out, nil
}

// imageRefRE is what an image reference is written with (registry, path, tag,
// digest), in at most 512 characters (a bound checked in code: regexp would
// compile {0,511} into 511 copies); anything else in a manifest's image field
// is refused, not printed.
var imageRefRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$`)

// refHost is the registry an image reference names, docker.io when none.
func refHost(ref string) string {
	first, _, found := strings.Cut(ref, "/")
	if found && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return first
	}
	return "docker.io"
}

// normalRef spells a reference in full, as containerd resolves it:
// busybox:1.36 is docker.io/library/busybox:1.36.
func normalRef(ref string) string {
	if refHost(ref) != "docker.io" || strings.HasPrefix(ref, "docker.io/") {
		if rest, ok := strings.CutPrefix(ref, "docker.io/"); ok && !strings.Contains(rest, "/") {
			return "docker.io/library/" + rest
		}
		return ref
	}
	if !strings.Contains(ref, "/") {
		return "docker.io/library/" + ref
	}
	return "docker.io/" + ref
}

// ImageList formats images as a table for a person: the name the nodes pull,
// where to copy it from, who pulls it, and the mirrors tried first.
func ImageList(images []Image) []byte {
	var b bytes.Buffer
	for _, im := range images {
		ref, up := im.Ref, im.Upstream
		if ref == "" {
			ref, up = "?", "?"
		}
		fmt.Fprintf(&b, "%s\t%s\t%s", ref, up, im.For)
		if len(im.Mirrors) > 0 {
			fmt.Fprintf(&b, "\tmirrors: %s", strings.Join(im.Mirrors, ", "))
		}
		if im.Note != "" {
			fmt.Fprintf(&b, "\t(%s)", im.Note)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}
