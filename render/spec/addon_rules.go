package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// BuiltinAddon is an add-on k8sgen knows by name: a pinned upstream manifest.
type BuiltinAddon struct {
	Name, Version, URL string
}

// Addons k8sgen applies by name, at pinned releases. Their images come from
// docker.io (local-path-provisioner, reached through registries' mirrors) or
// registry.k8s.io (metrics-server, through imageRepository).
var BuiltinAddons = []BuiltinAddon{
	{"local-path-provisioner", "v0.0.31", "https://raw.githubusercontent.com/rancher/local-path-provisioner/v0.0.31/deploy/local-path-storage.yaml"},
	{"metrics-server", "v0.7.2", "https://github.com/kubernetes-sigs/metrics-server/releases/download/v0.7.2/components.yaml"},
}

// Builtin returns the built-in add-on called name.
func Builtin(name string) (BuiltinAddon, bool) {
	i := slices.IndexFunc(BuiltinAddons, func(a BuiltinAddon) bool { return a.Name == name })
	if i < 0 {
		return BuiltinAddon{}, false
	}
	return BuiltinAddons[i], true
}

// Bounds of the add-ons: a handful of manifests, none larger than a big
// dashboard's.
const (
	maxAddons       = 20
	MaxAddonContent = 256 << 10
)

// addons checks the add-on list: each a built-in, a URL with its digest, or a
// file, with a unique name.
func (v *validator) addons(c *Cluster) {
	if len(c.Addons) > maxAddons {
		v.errorf("addons", "%d add-ons: at most %d", len(c.Addons), maxAddons)
		return
	}
	seen := map[string]int{}
	var names []string
	for _, b := range BuiltinAddons {
		names = append(names, b.Name)
	}
	for i, a := range c.Addons {
		p := fmt.Sprintf("addons[%d]", i)
		if !v.required(p+".name", a.Name) {
			continue
		}
		if !isRFC1123Label(a.Name) {
			v.errorf(p+".name", "%q is not an add-on name: a lowercase RFC 1123 label such as dashboard", a.Name)
			continue
		}
		if prev, dup := seen[a.Name]; dup {
			v.errorf(p+".name", "%s is already addons[%d]", a.Name, prev)
		}
		seen[a.Name] = i
		_, builtin := Builtin(a.Name)
		switch {
		case a.URL != "" && a.File != "":
			v.errorf(p, "give url or file, not both")
		case a.File != "":
			if builtin {
				v.errorf(p+".file", "%s is a built-in add-on; name a file add-on otherwise", a.Name)
			}
			if a.SHA256 != "" {
				v.errorf(p+".sha256", "a file's content is embedded as it is; sha256 is for url")
			}
			// Relative and inside the spec's directory: a spec from elsewhere
			// must not carry a file of the machine that renders it (a
			// kubeconfig) into user-data that gets served.
			if strings.ContainsAny(a.File, "\\\x00") || path.Clean(a.File) != a.File || !filepath.IsLocal(a.File) {
				v.errorf(p+".file", "%q must be a clean relative path inside the spec's directory, such as addons/storage.yaml", a.File)
			}
		case a.URL != "":
			if !isURL(a.URL) {
				v.errorf(p+".url", "%q must be an http(s) URL of the manifest", a.URL)
			}
			if a.SHA256 == "" {
				v.errorf(p+".sha256", "%s from a URL of your own needs the manifest's sha256: the node applies it as cluster admin", a.Name)
			}
		case !builtin:
			v.errorf(p+".name", "%q is not a built-in add-on (%s); give url and sha256, or file", a.Name, strings.Join(names, ", "))
		case a.SHA256 != "":
			v.errorf(p+".sha256", "give sha256 with the url it checks")
		}
		if a.SHA256 != "" && !sha256RE.MatchString(a.SHA256) {
			v.errorf(p+".sha256", "%q is not a SHA-256 digest: 64 lowercase hex digits", a.SHA256)
		}
	}
}

// SetAddonContent stores the content of addons[i].file, read by the caller,
// after checking that it is a manifest the API server can take: UTF-8 text of
// at most MaxAddonContent bytes, YAML documents that each name an apiVersion
// and a kind.
func (c *Cluster) SetAddonContent(i int, data []byte) error {
	if err := checkManifest(data); err != nil {
		return err
	}
	c.Addons[i].Content = string(data)
	return nil
}

// SetCNIContent stores the content of network.cniManifestFile, read by the
// caller, checked as SetAddonContent checks an add-on's.
func (c *Cluster) SetCNIContent(data []byte) error {
	if err := checkManifest(data); err != nil {
		return err
	}
	c.Network.CNIManifestContent = string(data)
	return nil
}

// checkManifest accepts what the API server can take: UTF-8 text of at most
// MaxAddonContent bytes, YAML documents that each name an apiVersion and a kind.
func checkManifest(data []byte) error {
	switch {
	case len(data) > MaxAddonContent:
		return fmt.Errorf("%d bytes: at most %d", len(data), MaxAddonContent)
	case !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0:
		return errors.New("not UTF-8 text")
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	n := 0
	for {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("not a YAML manifest: %v", err)
		}
		if len(node.Content) == 0 || isNull(node.Content[0]) {
			continue // an empty document between separators, as kubectl skips it
		}
		n++
		var doc struct {
			APIVersion string `yaml:"apiVersion"`
			Kind       string `yaml:"kind"`
		}
		if node.Decode(&doc) != nil || doc.APIVersion == "" || doc.Kind == "" {
			return fmt.Errorf("document %d names no apiVersion and kind", n)
		}
		// A kubeconfig (k8sgen's admin one) or a secrets bundle is no manifest,
		// and it would carry credentials into the first control plane's files.
		if doc.Kind == "Config" && doc.APIVersion == "v1" {
			return fmt.Errorf("document %d is a kubeconfig (kind Config), not a manifest: it would put its credentials in user-data", n)
		}
		if strings.Contains(doc.APIVersion, "k8sgen") {
			return fmt.Errorf("document %d is k8sgen's own file (%s), not a manifest", n, doc.APIVersion)
		}
	}
	if n == 0 {
		return errors.New("holds no manifest")
	}
	return nil
}

// customCNI checks network.cni custom, whose manifest k8sgen applies as it
// is, and the manifest fields that belong to it.
func (v *validator) customCNI(c *Cluster) {
	n := c.Network
	if n.CNIManifestSHA256 != "" && !sha256RE.MatchString(n.CNIManifestSHA256) {
		v.errorf("network.cniManifestSHA256", "%q is not a SHA-256 digest: 64 lowercase hex digits", n.CNIManifestSHA256)
	}
	if n.CNIManifestSHA256 != "" && n.CNIManifest == "" {
		v.errorf("network.cniManifestSHA256", "give it with the network.cniManifest URL it checks")
	}
	if n.CNI != "custom" {
		if n.CNIManifestFile != "" {
			v.errorf("network.cniManifestFile", "only network.cni custom takes a manifest file; %s's manifest comes from its release or network.cniManifest", n.CNI)
		}
		return
	}
	switch {
	case n.CNIManifest != "" && n.CNIManifestFile != "":
		v.errorf("network.cniManifestFile", "give network.cniManifest (a URL) or network.cniManifestFile, not both")
	case n.CNIManifestFile != "":
		if strings.ContainsAny(n.CNIManifestFile, "\\\x00") || path.Clean(n.CNIManifestFile) != n.CNIManifestFile || !filepath.IsLocal(n.CNIManifestFile) {
			v.errorf("network.cniManifestFile", "%q must be a clean relative path inside the spec's directory, such as cni/kube-router.yaml", n.CNIManifestFile)
		}
	case n.CNIManifest != "":
		if n.CNIManifestSHA256 == "" {
			v.errorf("network.cniManifest", "a custom CNI manifest from a URL needs its sha256 in network.cniManifestSHA256: the first control plane applies it as cluster admin")
		}
	default:
		v.errorf("network.cni", "custom needs its manifest: network.cniManifest (a URL, with network.cniManifestSHA256) or network.cniManifestFile (a file beside cluster.yaml, embedded in the first control plane's files)")
		return
	}
	if n.CNIVersion != "" {
		v.errorf("network.cniVersion", "a custom manifest is applied as it is: its release is whatever it holds")
	}
	if n.CNIImageRepository != "" {
		v.errorf("network.cniImageRepository", "a custom manifest is applied as it is: write the image names you want into it")
	}
	v.warnf("network.cni", "custom: k8sgen applies the manifest as it is and cannot check that the network it configures is network.podSubnet %s; make sure it is (kube-controller-manager gives each node a podCIDR from that subnet)", n.PodSubnet)
}
