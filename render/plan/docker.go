package plan

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"

	"github.com/k8sgen/k8sgen/render/spec"
)

// daemonConfig is the part of Docker Engine's /etc/docker/daemon.json k8sgen sets.
type daemonConfig struct {
	// kubelet and Docker must agree on the cgroup driver; kubeadm configures kubelet for systemd.
	ExecOpts           []string          `json:"exec-opts"`
	LogDriver          string            `json:"log-driver"`
	LogOpts            map[string]string `json:"log-opts"`
	StorageDriver      string            `json:"storage-driver"`
	RegistryMirrors    []string          `json:"registry-mirrors,omitempty"`
	InsecureRegistries []string          `json:"insecure-registries,omitempty"`
}

// dockerFiles are the runtime files of runtime docker: daemon.json, registry CAs,
// credentials, and cri-dockerd's systemd units.
func dockerFiles(p *NodePlan) []File {
	const all = ScopeCluster
	cfg := daemonConfig{
		ExecOpts:      []string{"native.cgroupdriver=systemd"},
		LogDriver:     "json-file",
		LogOpts:       map[string]string{"max-size": "100m", "max-file": "3"},
		StorageDriver: "overlay2",
	}
	var fs []File
	for _, r := range p.Registries {
		// Validation allows mirrors only on docker.io: Docker Engine has no others.
		for _, e := range r.Endpoints {
			if e.URL == r.Server {
				continue
			}
			cfg.RegistryMirrors = append(cfg.RegistryMirrors, e.URL)
			if u, err := url.Parse(e.URL); err == nil && u.Scheme == "http" {
				cfg.InsecureRegistries = append(cfg.InsecureRegistries, u.Host)
			}
		}
		if skipVerify(p, r.Host) {
			cfg.InsecureRegistries = append(cfg.InsecureRegistries, r.Host)
		} else if r.CA != "" {
			fs = append(fs, File{Path: "/etc/docker/certs.d/" + r.Host + "/ca.crt", Mode: "0644", Content: r.CA, Scope: all})
		}
	}
	slices.Sort(cfg.InsecureRegistries)
	cfg.InsecureRegistries = slices.Compact(cfg.InsecureRegistries)
	daemon, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		panic(err) // plain strings and maps always marshal
	}
	fs = append([]File{{Path: "/etc/docker/daemon.json", Mode: "0644", Content: string(daemon) + "\n", Scope: all}}, fs...)
	if len(p.RegistryAuth) > 0 {
		fs = append(fs, File{Path: DockerAuthStaging, Mode: "0600", Content: dockerAuth(p.RegistryAuth), Scope: all})
	}
	fs = append(fs,
		File{Path: "/etc/systemd/system/cri-docker.socket", Mode: "0644", Template: "cri-docker.socket", Scope: all},
		File{Path: "/etc/systemd/system/cri-docker.service", Mode: "0644", Template: "cri-docker.service", Scope: all},
	)
	return fs
}

// skipVerify reports whether the registry's own endpoint skips TLS verification.
func skipVerify(p *NodePlan, host string) bool {
	for _, r := range p.Registries {
		if r.Host != host {
			continue
		}
		for _, e := range r.Endpoints {
			if e.URL == r.Server && e.SkipVerify {
				return true
			}
		}
	}
	return false
}

// dockerAuth writes credentials as Docker's config.json, which both the docker
// CLI (/root/.docker) and kubelet (/var/lib/kubelet) read.
func dockerAuth(auths []RegistryAuth) string {
	type entry struct {
		Auth string `json:"auth"`
	}
	m := map[string]entry{}
	for _, a := range auths {
		key := a.Host
		if key == "docker.io" {
			key = "https://index.docker.io/v1/"
		}
		m[key] = entry{Auth: base64.StdEncoding.EncodeToString([]byte(a.Username + ":" + a.Password))}
	}
	out, err := json.MarshalIndent(map[string]any{"auths": m}, "", "  ")
	if err != nil {
		panic(err)
	}
	return string(out) + "\n"
}

// cniManifest is the spec's manifest URL or the pinned upstream release.
func cniManifest(c *spec.Cluster) string {
	if c.Network.CNIManifest != "" {
		return c.Network.CNIManifest
	}
	switch c.Network.CNI {
	case "calico":
		return "https://raw.githubusercontent.com/projectcalico/calico/" + c.Network.CNIVersion + "/manifests/calico.yaml"
	case "flannel":
		return "https://github.com/flannel-io/flannel/releases/download/" + c.Network.CNIVersion + "/kube-flannel.yml"
	case "weave":
		return "https://github.com/weaveworks/weave/releases/download/" + c.Network.CNIVersion + "/weave-daemonset-k8s.yaml"
	}
	return "" // cilium: the spec's manifest is required
}

// cniRewrite is how the node edits the CNI manifest: sed arguments that put the pod
// subnet (and the spec's image prefix) in place of upstream's, and a line the
// result must contain. Values enter sed's replacement text escaped for it.
func cniRewrite(c *spec.Cluster) (sed []string, check string) {
	pod := sedReplacement(c.Network.PodSubnet)
	switch c.Network.CNI {
	case "calico":
		// Calico's pool must be the pod subnet, not its 192.168.0.0/16 default.
		sed = []string{
			"-e", "s|# - name: CALICO_IPV4POOL_CIDR|- name: CALICO_IPV4POOL_CIDR|",
			"-e", `s|#   value: "192.168.0.0/16"|  value: "` + pod + `"|`,
		}
		if r := c.Network.CNIImageRepository; r != "" {
			sed = append(sed, "-e", "s|image: docker.io/calico/|image: "+sedReplacement(r)+"/|")
		}
		return sed, `value: "` + c.Network.PodSubnet + `"`
	case "flannel":
		sed = []string{"-e", `s|"Network": "10.244.0.0/16"|"Network": "` + pod + `"|`}
		if r := c.Network.CNIImageRepository; r != "" {
			sed = append(sed, "-e", "s|image: ghcr.io/flannel-io/|image: "+sedReplacement(r)+"/|")
		}
		return sed, `"Network": "` + c.Network.PodSubnet + `"`
	case "weave":
		// Weave Net allocates from IPALLOC_RANGE (10.32.0.0/12 unless set), an
		// environment variable of its weave container, put before INIT_CONTAINER.
		sed = []string{"-e", `s|^\( *\)- name: INIT_CONTAINER$|\1- name: IPALLOC_RANGE\n\1  value: "` + pod + `"\n&|`}
		if r := c.Network.CNIImageRepository; r != "" {
			sed = append(sed, "-e", `s|image: \('\?\)\(docker\.io/\)\?weaveworks/|image: \1`+sedReplacement(r)+"/|")
		}
		return sed, `value: "` + c.Network.PodSubnet + `"`
	case "cilium":
		// Cilium's pods take addresses from each node's podCIDR, which
		// kube-controller-manager cuts from the pod subnet: the manifest must
		// say ipam: "kubernetes" (Helm writes it so) for the two to agree.
		if r := c.Network.CNIImageRepository; r != "" {
			sed = append(sed, "-e", `s|image: \("\?\)quay\.io/cilium/|image: \1`+sedReplacement(r)+"/|")
		}
		return append(sed, "-e", ""), `ipam: "kubernetes"`
	}
	return nil, ""
}

// sedReplacement escapes the characters that mean something in the replacement
// of an s|...|...| command. Validation keeps line breaks out of every field.
func sedReplacement(s string) string {
	return strings.NewReplacer(`\`, `\\`, `&`, `\&`, `|`, `\|`).Replace(s)
}
