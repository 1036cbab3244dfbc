package plan

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/k8sgen/k8sgen/profiles"
	"github.com/k8sgen/k8sgen/render/secrets"
	"github.com/k8sgen/k8sgen/render/spec"
)

// Repo is a package repository as the node's package manager sees it.
type Repo struct {
	Name    string
	BaseURL string
	// Key is the signing key's URL; empty when GPGCheck is off.
	Key      string
	GPGCheck bool
	// Flat: BaseURL is the repository itself (apt's "./", dnf's baseurl as it is).
	Flat bool
	// Shared: a packages.extra repository (Name, BaseURL) serves these
	// packages and is added with the others; nothing more is added.
	Shared bool
}

// sharedRepo is the packages.extra repository that from names.
func sharedRepo(from string, extra []spec.Repo) Repo {
	for _, r := range extra {
		if r.Name == from {
			return Repo{Name: r.Name, BaseURL: r.BaseURL, Shared: true, Flat: true}
		}
	}
	panic("plan: packages from an unknown repository " + from) // validation refuses it
}

// RegistryHost is one certs.d/<host>/hosts.toml for containerd.
type RegistryHost struct {
	Host string
	// Server is the upstream the host falls back to.
	Server string
	// Endpoints are tried in order (mirrors first).
	Endpoints []Endpoint
	// CA is the PEM written beside hosts.toml when the registry itself has one.
	CA string
}

// Endpoint is one mirror or server with its TLS settings.
type Endpoint struct {
	URL        string
	SkipVerify bool
	// CAPath is the node path of the endpoint's CA file, if any.
	CAPath string
}

// RegistryAuth is a username and password for one registry host.
type RegistryAuth struct{ Host, Username, Password string }

// DefaultKubernetesBase is the pkgs.k8s.io root whose channels are <minor>/deb/ and <minor>/rpm/.
const DefaultKubernetesBase = "https://pkgs.k8s.io/core:/stable:/"

// kubernetesRepo places the Kubernetes packages: pkgs layout appends the minor's
// channel to the base (pkgs.k8s.io and Aliyun's kubernetes-new mirror alike), flat
// takes the base as the repository itself.
func kubernetesRepo(r spec.Repo, minor string, prof *profiles.Profile, extra []spec.Repo) Repo {
	if r.From != "" {
		return sharedRepo(r.From, extra)
	}
	kind := "deb"
	keyPath := "Release.key"
	if prof.PackageManager == "dnf" {
		kind, keyPath = "rpm", "repodata/repomd.xml.key"
	}
	out := Repo{Name: "kubernetes", GPGCheck: r.GPGCheck == nil || *r.GPGCheck}
	if r.Layout == "flat" {
		out.BaseURL, out.Flat = r.BaseURL, true
	} else {
		base := r.BaseURL
		if base == "" {
			base = DefaultKubernetesBase
		}
		out.BaseURL = strings.TrimSuffix(base, "/") + "/" + minor + "/" + kind + "/"
	}
	out.Key = r.GPGKey
	if out.Key == "" && r.Layout != "flat" {
		out.Key = out.BaseURL + keyPath
	}
	if !out.GPGCheck {
		out.Key = ""
	}
	return out
}

// runtimeRepo places Docker's repository (containerd.io, docker-ce) or its mirror.
func runtimeRepo(r spec.Repo, prof *profiles.Profile, extra []spec.Repo) Repo {
	if r.From != "" {
		return sharedRepo(r.From, extra)
	}
	out := Repo{Name: "docker-ce", BaseURL: prof.Containerd.Repo, GPGCheck: r.GPGCheck == nil || *r.GPGCheck, Flat: r.Layout == "flat"}
	if r.BaseURL != "" {
		out.BaseURL = strings.TrimSuffix(r.BaseURL, "/")
	}
	if out.Flat {
		out.BaseURL = r.BaseURL
	}
	out.Key = r.GPGKey
	if out.Key == "" && !out.Flat {
		out.Key = out.BaseURL + "/gpg"
	}
	if !out.GPGCheck {
		out.Key = ""
	}
	return out
}

func extraRepos(rs []spec.Repo) []Repo {
	var out []Repo
	for _, r := range rs {
		x := Repo{Name: r.Name, BaseURL: r.BaseURL, Key: r.GPGKey, GPGCheck: r.GPGCheck == nil || *r.GPGCheck}
		if x.Key == "" {
			// No key named: an internal repository the user trusts by its address.
			x.GPGCheck = false
		}
		if !x.GPGCheck {
			x.Key = ""
		}
		out = append(out, x)
	}
	return out
}

// registries turns the spec's registries into containerd hosts.toml plans and
// credentials. Mirror endpoints borrow the TLS settings of the registry entry
// whose host they point at (a Harbor mirroring docker.io, say).
func registries(c *spec.Cluster, b *secrets.Bundle) ([]RegistryHost, []RegistryAuth, error) {
	byHost := map[string]spec.Registry{}
	for _, r := range c.Registries {
		byHost[r.Host] = r
	}
	endpoint := func(raw string) Endpoint {
		e := Endpoint{URL: raw}
		if u, err := url.Parse(raw); err == nil {
			if r, ok := byHost[u.Host]; ok {
				e.SkipVerify = r.InsecureSkipVerify
				if r.CA != "" && !r.InsecureSkipVerify {
					e.CAPath = "/etc/containerd/certs.d/" + u.Host + "/ca.crt"
				}
			}
		}
		return e
	}
	var hosts []RegistryHost
	var auths []RegistryAuth
	for _, r := range c.Registries {
		h := RegistryHost{Host: r.Host, Server: serverURL(r.Host), CA: r.CA}
		for _, m := range r.Mirrors {
			h.Endpoints = append(h.Endpoints, endpoint(m))
		}
		if r.CA != "" || r.InsecureSkipVerify {
			// The registry's own endpoint needs its TLS settings too.
			h.Endpoints = append(h.Endpoints, endpoint(h.Server))
		}
		hosts = append(hosts, h)
		if r.Username != "" {
			pw, ok := b.RegistryPasswords[r.Host]
			if !ok {
				return nil, nil, fmt.Errorf("registry %s: no password: set the environment variable %s when rendering", r.Host, r.PasswordEnv)
			}
			if msg := secrets.CheckPassword(pw); msg != "" {
				return nil, nil, fmt.Errorf("registry %s: the password in the secrets bundle %s", r.Host, msg)
			}
			auths = append(auths, RegistryAuth{Host: r.Host, Username: r.Username, Password: pw})
		}
	}
	sort.Slice(auths, func(i, j int) bool { return auths[i].Host < auths[j].Host })
	return hosts, auths, nil
}

// serverURL is where a registry host is served; Docker Hub's name differs from its API host.
func serverURL(host string) string {
	if host == "docker.io" {
		return "https://registry-1.docker.io"
	}
	return "https://" + host
}

// noProxy is the user's list plus the node addresses and local names k8sgen knows.
func noProxy(c *spec.Cluster) string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, s := range c.Proxy.NoProxy {
		add(s)
	}
	for _, s := range []string{"localhost", "127.0.0.1"} {
		add(s)
	}
	var nets []netip.Prefix
	for _, s := range c.Proxy.NoProxy {
		if p, err := netip.ParsePrefix(s); err == nil {
			nets = append(nets, p)
		}
	}
	for _, n := range c.Nodes {
		// A node inside a CIDR of the user's list needs no entry of its own,
		// and then adding a node changes no other node's NO_PROXY.
		if a, err := netip.ParseAddr(n.IP); err == nil && slices.ContainsFunc(nets, func(p netip.Prefix) bool { return p.Contains(a) }) {
			continue
		}
		add(n.IP)
	}
	// Nodes reach the API directly: the endpoint's host (a VIP, a balancer, or
	// node-local's name, which proxies match by name, not by address) and the VIP.
	if host, _, err := net.SplitHostPort(c.ControlPlaneEndpoint); err == nil {
		add(host)
	}
	add(c.LoadBalancer.VIP)
	return strings.Join(out, ",")
}

// hasUserinfo reports whether a URL carries credentials (user:password@host).
func hasUserinfo(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.User != nil
}
