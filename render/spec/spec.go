// Package spec defines cluster.yaml: its types, loading with positions, defaults and validation.
package spec

// Cluster is the whole cluster.yaml document.
type Cluster struct {
	// Name labels the cluster; it appears in kubeconfig and comments.
	Name string `yaml:"name"`
	// KubernetesVersion is an exact release such as "1.32.0".
	KubernetesVersion string `yaml:"kubernetesVersion"`
	// Arch is the nodes' CPU architecture, amd64 (default) or arm64: the
	// release files k8sgen downloads (cri-dockerd, Flatcar's sysext, fcos's
	// binaries) follow it. nodes[].arch overrides it per node.
	Arch string `yaml:"arch"`
	// OS names the profile every node uses, e.g. ubuntu-24.04.
	OS string `yaml:"os"`
	// ControlPlaneEndpoint is host:port of the API; default first control plane's ip:6443.
	ControlPlaneEndpoint string `yaml:"controlPlaneEndpoint"`
	// Network holds the cluster CIDRs, CNI and kube-proxy mode.
	Network Network `yaml:"network"`
	// Runtime is containerd or docker (Docker Engine with cri-dockerd).
	Runtime string `yaml:"runtime"`
	// NTP lists the time servers chrony uses; empty keeps the distribution's pool.
	NTP NTP `yaml:"ntp"`
	// ImageRepository replaces registry.k8s.io for the control-plane images and the pause image.
	ImageRepository string `yaml:"imageRepository"`
	// Registries configure how nodes reach image registries: mirrors, TLS, credentials.
	Registries []Registry `yaml:"registries"`
	// Packages replace the upstream package repositories with mirrors.
	Packages Packages `yaml:"packages"`
	// Proxy is used by the package manager and the container runtime.
	Proxy Proxy `yaml:"proxy"`
	// Kernel adds modules and sysctls to the ones Kubernetes needs.
	Kernel Kernel `yaml:"kernel"`
	// ExtraHosts are /etc/hosts entries besides the nodes, e.g. a registry's name.
	ExtraHosts []ExtraHost `yaml:"extraHosts"`
	// Components pass command-line flags to the programs kubeadm configures.
	Components Components `yaml:"components"`
	// ControlPlaneFiles are written on every control plane before kubeadm runs:
	// an audit policy, an encryption configuration, mounted with extraVolumes.
	ControlPlaneFiles []NodeFile `yaml:"controlPlaneFiles"`
	// Addons are manifests the first control plane applies once, in order, after
	// the CNI: a built-in by name, a URL with its sha256, or a local file.
	Addons []Addon `yaml:"addons"`
	// IgnorePreflightErrors names kubeadm preflight checks whose failure becomes a
	// warning on every node (NumCPU, Mem), as kubeadm's --ignore-preflight-errors.
	IgnorePreflightErrors []string `yaml:"ignorePreflightErrors"`
	// SSHAuthorizedKeys are OpenSSH public keys for the OS's login user
	// (cloud-init's default user; core on Flatcar).
	SSHAuthorizedKeys []string `yaml:"sshAuthorizedKeys"`
	// FeatureGates turn Kubernetes feature gates on or off in every component
	// that has them: the control plane's flags, the kubelet's and kube-proxy's
	// configuration.
	FeatureGates map[string]bool `yaml:"featureGates"`
	// KubeletConfiguration holds fields of the kubelet's KubeletConfiguration
	// (kubelet.config.k8s.io/v1beta1) as its documentation spells them, merged
	// over k8sgen's: maxPods, systemReserved, evictionHard. Every node gets them.
	KubeletConfiguration Settings `yaml:"kubeletConfiguration"`
	// KubeProxyConfiguration holds fields of kube-proxy's KubeProxyConfiguration
	// (kubeproxy.config.k8s.io/v1alpha1), merged over k8sgen's.
	KubeProxyConfiguration Settings `yaml:"kubeProxyConfiguration"`
	// CertSANs are more names and addresses the API server's certificate holds,
	// besides the ones kubeadm adds; the endpoint's host and the VIP are added too.
	CertSANs []string `yaml:"certSANs"`
	// DebugUser, when set, is a person's login on every node, with sudo, for
	// debugging a node that did not join. Off unless given.
	DebugUser *DebugUser `yaml:"debugUser"`
	// LoadBalancer puts several control planes behind one address.
	LoadBalancer LoadBalancer `yaml:"loadBalancer"`
	// BootstrapTokenTTL is how long after kubeadm init nodes may still join
	// (a Go duration such as 24h); 0 means the token never expires. Empty keeps
	// the secrets bundle's ttl.
	BootstrapTokenTTL string `yaml:"bootstrapTokenTTL"`
	// Addressing is how every node's own interface gets its address at first
	// boot, unless a node says otherwise: dhcp (the default), or static, which
	// k8sgen writes as the NoCloud network-config beside user-data.
	Addressing Addressing `yaml:"addressing"`
	// BootMedia asks for files that boot the nodes besides their first-boot
	// configs.
	BootMedia BootMedia `yaml:"bootMedia"`
	// Nodes are the machines, in the order they are rendered.
	Nodes []Node `yaml:"nodes"`
}

// Settings are fields of a component's configuration document: nested
// mappings and lists of strings, numbers and booleans, checked against the
// fields of the targeted release's type.
type Settings map[string]any

// LoadBalancer is how nodes reach the API of several control planes.
type LoadBalancer struct {
	// Kind is kube-vip (a static pod moving a VIP by ARP), keepalived (keepalived
	// and haproxy host packages on the control planes, moving a VIP by VRRP),
	// node-local (haproxy on every node behind a host name that resolves to
	// 127.0.0.1) or external (an address the user already balances). Empty: none.
	Kind string `yaml:"kind"`
	// VIP is the virtual address kube-vip or keepalived moves between control planes.
	VIP string `yaml:"vip"`
	// PrefixLength is the length of the control planes' subnet, e.g. 24; the VIP
	// and every control plane must lie inside VIP/prefixLength.
	PrefixLength int `yaml:"prefixLength"`
	// Interface is the control planes' network interface that carries the VIP.
	Interface string `yaml:"interface"`
	// Port is where haproxy listens (keepalived, node-local); default 8443. The
	// API servers keep 6443, which haproxy cannot share with them.
	Port int `yaml:"port"`
	// Unicast sends VRRP to the other control planes' addresses instead of to
	// the multicast group, for networks that drop multicast (keepalived).
	Unicast bool `yaml:"unicast"`
	// VirtualRouterID names the VRRP group, 1-255 (keepalived); it must differ
	// from other VRRP groups on the same network. Default: derived from name.
	VirtualRouterID int `yaml:"virtualRouterID"`
	// KubeVIP pins kube-vip's release and image.
	KubeVIP KubeVIP `yaml:"kubeVIP"`
}

// KubeVIP pins the kube-vip image.
type KubeVIP struct {
	// Version is the image tag, default DefaultKubeVIPVersion.
	Version string `yaml:"version"`
	// Image is the repository without tag; default ghcr.io/kube-vip/kube-vip, or
	// <imageRepository>/kube-vip when imageRepository is set.
	Image string `yaml:"image"`
	// LeaseSeconds is how long the VIP holder's lease lasts (default 5): roughly
	// the failover time. kube-vip gives the VIP up and restarts when it cannot
	// renew within 3/5 of it, so slow machines need a longer lease.
	LeaseSeconds int `yaml:"leaseSeconds"`
}

// Load balancer kinds.
const (
	LBKubeVIP    = "kube-vip"
	LBKeepalived = "keepalived"
	LBNodeLocal  = "node-local"
	LBExternal   = "external"
)

// LBKinds are the accepted loadBalancer.kind values ("" is none).
var LBKinds = []string{LBKubeVIP, LBKeepalived, LBNodeLocal, LBExternal}

// Components are the programs kubeadm configures, by their kubeadm names.
type Components struct {
	// APIServer is kube-apiserver on every control plane.
	APIServer Component `yaml:"apiServer"`
	// ControllerManager is kube-controller-manager on every control plane.
	ControllerManager Component `yaml:"controllerManager"`
	// Scheduler is kube-scheduler on every control plane.
	Scheduler Component `yaml:"scheduler"`
	// Etcd is the stacked etcd member of every control plane.
	Etcd Component `yaml:"etcd"`
	// Kubelet's flags apply to every node.
	Kubelet Component `yaml:"kubelet"`
}

// Component holds one program's extra flags.
type Component struct {
	// ExtraArgs map flag names, without the leading dashes, to values:
	// leader-elect-lease-duration: 60s.
	ExtraArgs map[string]string `yaml:"extraArgs"`
	// ExtraVolumes mount host paths into the program's static pod (apiServer,
	// controllerManager and scheduler), e.g. an audit policy and its log directory.
	ExtraVolumes []HostPathMount `yaml:"extraVolumes"`
}

// HostPathMount is one host path mounted into a control-plane static pod, as
// kubeadm's extraVolumes take it.
type HostPathMount struct {
	// Name is the volume's name in the static pod (not one of kubeadm's own).
	Name string `yaml:"name"`
	// HostPath is the absolute path on the control plane.
	HostPath string `yaml:"hostPath"`
	// MountPath is the absolute path inside the container.
	MountPath string `yaml:"mountPath"`
	// ReadOnly mounts it read-only.
	ReadOnly bool `yaml:"readOnly"`
	// PathType is a Kubernetes hostPath type: DirectoryOrCreate, Directory,
	// FileOrCreate, File, Socket, CharDevice or BlockDevice; empty checks nothing.
	PathType string `yaml:"pathType"`
}

// Addon is one manifest applied after the CNI.
type Addon struct {
	// Name is a built-in add-on (AddonNames) or, with url or file, a label.
	Name string `yaml:"name"`
	// URL is where the manifest is fetched from at boot: a built-in's mirror,
	// or any manifest, which then needs SHA256.
	URL string `yaml:"url"`
	// SHA256 is the manifest's hex digest; the node refuses any other file.
	SHA256 string `yaml:"sha256"`
	// File is a manifest beside cluster.yaml (a path relative to it) whose
	// content goes into the first control plane's files.
	File string `yaml:"file"`
	// Content is File's content, read by the caller (SetAddonContent).
	Content string `yaml:"-"`
}

// NodeFile is a file k8sgen writes on nodes before kubeadm runs.
type NodeFile struct {
	// Path is absolute, under /etc/kubernetes/ but outside what kubeadm writes.
	Path string `yaml:"path"`
	// Content is the file's text.
	Content string `yaml:"content"`
	// Mode is octal, 0600 by default (such files may hold keys: an encryption config).
	Mode string `yaml:"mode"`
}

// Registry is one registry host as image names spell it (docker.io, harbor:443).
type Registry struct {
	// Host is the registry as image names spell it: docker.io, harbor:443.
	Host string `yaml:"host"`
	// Mirrors are endpoint URLs tried in order before the host itself.
	Mirrors []string `yaml:"mirrors"`
	// CA is the PEM certificate that signed the registry's TLS certificate.
	CA string `yaml:"ca"`
	// InsecureSkipVerify trusts any certificate; prefer CA.
	InsecureSkipVerify bool `yaml:"insecureSkipVerify"`
	// Username and PasswordEnv give credentials; the password is read from the
	// environment variable at render time and kept in the secrets bundle.
	Username string `yaml:"username"`
	// PasswordEnv names the environment variable that holds the password when
	// you render; passwords never live in cluster.yaml.
	PasswordEnv string `yaml:"passwordEnv"`
}

// Packages locate the package repositories.
type Packages struct {
	// Kubernetes is the repository of kubeadm, kubelet and kubectl.
	Kubernetes Repo `yaml:"kubernetes"`
	// Runtime is the repository of containerd.io or docker-ce.
	Runtime Repo `yaml:"runtime"`
	// Extra are further repositories, e.g. an internal one.
	Extra []Repo `yaml:"extra"`
	// CRIDockerd is where runtime docker gets cri-dockerd's release archive.
	CRIDockerd Download `yaml:"criDockerd"`
	// KubernetesSysext is where an OS without a package manager (flatcar) gets
	// Kubernetes: the sysext bakery's kubernetes-vX.Y.Z-x86-64.raw by default.
	KubernetesSysext Download `yaml:"kubernetesSysext"`
	// KubernetesSysextUpdates, when set, has systemd-sysupdate keep the sysext at
	// the newest patch release of the minor: a directory URL serving SHA256SUMS
	// and the kubernetes-vX.Y.Z-x86-64.raw images it lists.
	KubernetesSysextUpdates string `yaml:"kubernetesSysextUpdates"`
	// KubernetesBinaries is where an OS that installs release binaries (fcos)
	// gets kubeadm, kubelet and kubectl: the directory holding them and their
	// .sha256 files, https://dl.k8s.io/release/vX.Y.Z/bin/linux/amd64/ by default.
	KubernetesBinaries Download `yaml:"kubernetesBinaries"`
	// Containerd, Runc and CNIPlugins are the other release files of such an OS:
	// containerd's archive, runc's binary and the CNI plugins' archive, from
	// their GitHub releases by default (checked against the digests published there).
	Containerd Download `yaml:"containerd"`
	// Runc is runc's binary (fcos).
	Runc Download `yaml:"runc"`
	// CNIPlugins is the CNI plugins' archive (fcos).
	CNIPlugins Download `yaml:"cniPlugins"`
}

// Download is one file fetched at boot.
type Download struct {
	// URL replaces the upstream location (a GitHub release by default).
	URL string `yaml:"url"`
	// SHA256 is the file's hex digest; when set, the node refuses any other file.
	SHA256 string `yaml:"sha256"`
}

// Repo is one package repository.
type Repo struct {
	// Name labels extra repositories (file names on the node).
	Name string `yaml:"name"`
	// BaseURL replaces the upstream location. For kubernetes it is the root that
	// holds the per-minor channels (https://pkgs.k8s.io/core:/stable:/ layout) or,
	// with layout flat, the repository itself.
	BaseURL string `yaml:"baseURL"`
	// Layout is how the repository is laid out below baseURL. kubernetes: pkgs
	// (default: <baseURL>/v1.32/deb/) or flat (<baseURL> is the repository).
	// runtime: docker (default: Docker's <baseURL> <codename> stable, or
	// <baseURL>/$releasever/$basearch/stable) or flat. Extra ones are flat.
	Layout string `yaml:"layout"`
	// From names a packages.extra repository that already serves these
	// packages (one createrepo folder holding kubeadm and containerd.io, say):
	// no repository of their own is added. kubernetes and runtime only.
	From string `yaml:"from"`
	// GPGKey is the URL of the signing key; empty with a baseURL means the key
	// sits where upstream keeps it inside the repository.
	GPGKey string `yaml:"gpgKey"`
	// GPGCheck false turns signature checking off (internal repositories without keys).
	GPGCheck *bool `yaml:"gpgCheck"`
}

// Proxy is an HTTP(S) proxy for packages and image pulls.
type Proxy struct {
	// HTTP is the proxy URL for http:// destinations.
	HTTP string `yaml:"http"`
	// HTTPS is the proxy URL for https:// destinations.
	HTTPS string `yaml:"https"`
	// NoProxy lists hosts, domains and CIDRs reached directly; k8sgen adds the
	// node addresses and the cluster CIDRs.
	NoProxy []string `yaml:"noProxy"`
}

// ExtraHost is one /etc/hosts entry.
type ExtraHost struct {
	// Name is the host name (a registry, a file server).
	Name string `yaml:"name"`
	// IP is its address.
	IP string `yaml:"ip"`
}

// Network configures pod and service addressing.
type Network struct {
	// PodSubnet is the pods' addresses (kubeadm's --pod-network-cidr); each
	// node gets a part of it, and the CNI is set to it.
	PodSubnet string `yaml:"podSubnet"`
	// ServiceSubnet is the Services' cluster IPs (--service-cidr).
	ServiceSubnet string `yaml:"serviceSubnet"`
	// CNI is calico, flannel, weave, cilium, custom (any manifest, applied as
	// it is) or none.
	CNI string `yaml:"cni"`
	// CNIVersion overrides the pinned CNI release (e.g. v3.29.3 for calico).
	CNIVersion string `yaml:"cniVersion"`
	// CNIImageRepository replaces docker.io/<cni> in the CNI manifest's images, e.g. harbor:443/calico.
	CNIImageRepository string `yaml:"cniImageRepository"`
	// CNIManifest is the URL the CNI manifest is fetched from, replacing the
	// upstream release URL (GitHub) for networks that cannot reach it.
	CNIManifest string `yaml:"cniManifest"`
	// CNIManifestSHA256 is the hex digest of the manifest at CNIManifest (the
	// file fetched, before k8sgen's edits); the node refuses any other file.
	// cni custom needs it.
	CNIManifestSHA256 string `yaml:"cniManifestSHA256"`
	// CNIManifestFile is, for cni custom, a manifest beside cluster.yaml (a
	// path relative to it) whose content goes into the first control plane's files.
	CNIManifestFile string `yaml:"cniManifestFile"`
	// CNIManifestContent is CNIManifestFile's content, read by the caller (SetCNIContent).
	CNIManifestContent string `yaml:"-"`
	// KubeProxyMode is iptables, ipvs or nftables.
	KubeProxyMode string `yaml:"kubeProxyMode"`
}

// NTP configures chrony.
type NTP struct {
	// Servers are NTP server names or addresses, in the order chrony tries them.
	Servers []string `yaml:"servers"`
}

// Node is one machine.
type Node struct {
	// Name is the node's name and host name: an RFC 1123 subdomain of at most
	// 63 characters (k8s-master, w1.lab.example).
	Name string `yaml:"name"`
	// Role is control-plane or worker.
	Role string `yaml:"role"`
	// IP is the node's address on the cluster network; kubelet and the API advertise it.
	IP string `yaml:"ip"`
	// Labels are set on the Node object when its kubelet registers it
	// (--node-labels, merged with components.kubelet.extraArgs' node-labels).
	Labels map[string]string `yaml:"labels"`
	// KubeletExtraArgs are this node's kubelet flags, over
	// components.kubelet.extraArgs (the node's value wins).
	KubeletExtraArgs map[string]string `yaml:"kubeletExtraArgs"`
	// Taints are registered with the node (kubeadm's nodeRegistration.taints); a
	// control plane keeps kubeadm's NoSchedule taint besides them.
	Taints []Taint `yaml:"taints"`
	// KubernetesVersion is a worker's kubelet and kubectl release, when it is
	// older than the cluster's (the kubelet skew policy: at most three minors
	// older, never newer). kubeadm stays at the cluster's release on every
	// node: kubeadm join must match the kubeadm that ran kubeadm init.
	KubernetesVersion string `yaml:"kubernetesVersion"`
	// Arch is this node's CPU architecture, over the cluster's arch.
	Arch string `yaml:"arch"`
	// MAC is the MAC address of the node's interface on the cluster network
	// (52:54:00:12:34:01): static addressing finds the interface by it.
	MAC string `yaml:"mac"`
	// Addressing overrides the cluster's addressing for this node, field by
	// field (a field left out keeps the cluster's).
	Addressing Addressing `yaml:"addressing"`
}

// BootMedia are the boot files k8sgen writes on request.
type BootMedia struct {
	// SeedISO writes each node's seed.iso: a NoCloud seed image (volume label
	// cidata) of its user-data, meta-data and network-config, to attach to a
	// VM as a CD-ROM (cloud-init OSes).
	SeedISO bool `yaml:"seedISO"`
	// PXE writes, for network boot, each node's iPXE script (<node>/boot.ipxe)
	// and one boot.ipxe that chains to them by MAC address (every node needs
	// its mac); with matchboxURL, a matchbox tree too. Fedora CoreOS and
	// Flatcar, which install themselves to disk from it.
	PXE *PXE `yaml:"pxe"`
}

// PXE says where machines that boot from the network find their files.
type PXE struct {
	// BaseURL is where the output directory is served, such as k8sgen serve's
	// http://10.0.0.1:8080: the scripts fetch <baseURL>/<node>/config.ign
	// (Flatcar: install.ign, which fetches config.ign).
	BaseURL string `yaml:"baseURL"`
	// Kernel is the URL of the kernel to boot (Fedora CoreOS's live kernel of
	// a release, from a local mirror; Flatcar's PXE kernel, by default the
	// stable channel's current amd64 release).
	Kernel string `yaml:"kernel"`
	// Initrd are the URLs of the initial RAM disks (the live initramfs;
	// Flatcar's PXE image, by default the stable channel's current release).
	Initrd []string `yaml:"initrd"`
	// Rootfs is the URL of Fedora CoreOS's live root file system.
	Rootfs string `yaml:"rootfs"`
	// ISO is the URL of Ubuntu's live server ISO, which its installer's
	// initrd downloads (url=) and installs from.
	ISO string `yaml:"iso"`
	// ImageMirror is the base URL of a mirror of Flatcar's disk images, which
	// flatcar-install downloads from (default: Flatcar's release server):
	// <imageMirror>/<version>/flatcar_production_image.bin.bz2 and its .sig.
	ImageMirror string `yaml:"imageMirror"`
	// InstallDevice is the disk the OS installs itself to (default /dev/sda).
	InstallDevice string `yaml:"installDevice"`
	// Args are more kernel arguments, such as console=ttyS0.
	Args []string `yaml:"args"`
	// MatchboxURL, when set, writes matchbox/ (profiles, groups by MAC and
	// Ignition configs) for a matchbox server at that URL.
	MatchboxURL string `yaml:"matchboxURL"`
}

// Addressing is how a node's interface on the cluster network gets its
// address (nodes[].ip) at first boot.
type Addressing struct {
	// Mode is dhcp (the default; no network-config is written) or static.
	Mode string `yaml:"mode"`
	// Interface is the interface's name (ens3). With the node's mac, the
	// interface that has that MAC address gets this name; without a name, the
	// mac alone finds the interface.
	Interface string `yaml:"interface"`
	// PrefixLength is the length of the node's subnet prefix: 24 for a /24.
	PrefixLength int `yaml:"prefixLength"`
	// Gateway is the default route's gateway, an address in the node's subnet
	// (empty: no default route).
	Gateway string `yaml:"gateway"`
	// Nameservers are the DNS servers' addresses.
	Nameservers []string `yaml:"nameservers"`
	// SearchDomains are the DNS search domains.
	SearchDomains []string `yaml:"searchDomains"`
}

// Addressing modes.
const (
	AddressingDHCP   = "dhcp"
	AddressingStatic = "static"
)

// AddressingOf is node n's addressing: the cluster's, with each field the
// node gives in its place.
func (c *Cluster) AddressingOf(n *Node) Addressing {
	a := c.Addressing
	o := n.Addressing
	if o.Mode != "" {
		a.Mode = o.Mode
	}
	if o.Interface != "" {
		a.Interface = o.Interface
	}
	if o.PrefixLength != 0 {
		a.PrefixLength = o.PrefixLength
	}
	if o.Gateway != "" {
		a.Gateway = o.Gateway
	}
	if o.Nameservers != nil {
		a.Nameservers = o.Nameservers
	}
	if o.SearchDomains != nil {
		a.SearchDomains = o.SearchDomains
	}
	if a.Mode == "" {
		a.Mode = AddressingDHCP
	}
	return a
}

// Taint is one node taint.
type Taint struct {
	// Key is a qualified name, such as dedicated or example.com/gpu.
	Key string `yaml:"key"`
	// Value is optional, a label value.
	Value string `yaml:"value"`
	// Effect is NoSchedule, PreferNoSchedule or NoExecute.
	Effect string `yaml:"effect"`
}

// Roles.
const (
	RoleControlPlane = "control-plane"
	RoleWorker       = "worker"
)

// ControlPlanes returns the control-plane nodes in spec order.
func (c *Cluster) ControlPlanes() []Node {
	var out []Node
	for _, n := range c.Nodes {
		if n.Role == RoleControlPlane {
			out = append(out, n)
		}
	}
	return out
}

// Workers returns the worker nodes in spec order.
func (c *Cluster) Workers() []Node {
	var out []Node
	for _, n := range c.Nodes {
		if n.Role == RoleWorker {
			out = append(out, n)
		}
	}
	return out
}

// Kernel holds extra kernel settings.
type Kernel struct {
	// Modules are loaded at boot, besides overlay and br_netfilter (and the
	// ip_vs ones in ipvs mode).
	Modules []string `yaml:"modules"`
	// Sysctls are set at boot, over k8sgen's forwarding and bridge settings.
	Sysctls map[string]string `yaml:"sysctls"`
}

// DebugUser is a login for a person: a password hash (crypt(3), never the
// password) for the console, SSH keys, or both.
type DebugUser struct {
	// Name is the login, added to the OS's sudo group.
	Name string `yaml:"name"`
	// PasswordHash is a crypt(3) hash for the console (openssl passwd -6), never a password.
	PasswordHash string `yaml:"passwordHash"`
	// SSHAuthorizedKeys are the login's public keys.
	SSHAuthorizedKeys []string `yaml:"sshAuthorizedKeys"`
}
