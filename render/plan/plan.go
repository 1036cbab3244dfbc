// Package plan turns a validated spec, its secrets and its OS profile into one
// NodePlan per node: every value the templates print, computed here.
package plan

import (
	"fmt"
	"net"
	"slices"
	"sort"
	"strings"

	"github.com/k8sgen/k8sgen/profiles"
	"github.com/k8sgen/k8sgen/render/secrets"
	"github.com/k8sgen/k8sgen/render/spec"
)

// Paths on the node; the bootstrap script and the file list share them.
const (
	// BootstrapName is the bootstrap script's name in the profile's binDir.
	BootstrapName     = "k8sgen-bootstrap"
	KubeadmConfigDir  = "/etc/k8sgen/kubeadm"
	StagedPKIDir      = "/etc/k8sgen/pki"
	ClusterCAPath     = "/etc/k8sgen/pki/ca.crt"
	ContainerdStaging = "/etc/k8sgen/containerd/config.toml"
	HostsBlockPath    = "/etc/k8sgen/hosts"
	NodeEnvPath       = "/etc/k8sgen/node.env"
	ProxyEnvPath      = "/etc/k8sgen/proxy.env"
	// ProxyUnitEnvPath holds the same proxy settings in systemd's EnvironmentFile
	// syntax: bash and systemd quote differently, so each reads a file of its own.
	ProxyUnitEnvPath = "/etc/k8sgen/proxy.systemd.env"
	LogPath          = "/var/log/k8sgen-bootstrap.log"
	StateDir         = "/var/lib/k8sgen"
	// BootstrappedStamp marks a finished bootstrap for the unit that runs it
	// where there is no cloud-init (Ignition).
	BootstrappedStamp = StateDir + "/bootstrapped"
	// TimesyncdConf points systemd-timesyncd at the spec's NTP servers.
	TimesyncdConf = "/etc/systemd/timesyncd.conf.d/k8sgen.conf"
	// SysupdateDropIn points systemd-sysupdate.service at the Kubernetes sysext.
	SysupdateDropIn = "/etc/systemd/system/systemd-sysupdate.service.d/k8sgen-kubernetes.conf"
	// ContainerdDropIn makes an OS's own containerd unit read /etc/containerd/config.toml.
	ContainerdDropIn = "/etc/systemd/system/containerd.service.d/10-k8sgen-config.conf"
	// SysextDir holds the Kubernetes sysext image; /etc/extensions links it.
	SysextDir = "/opt/extensions/kubernetes"
	CRISocket = "unix:///run/containerd/containerd.sock"
	// CRIDockerdSocket is where cri-dockerd serves the CRI for runtime docker.
	CRIDockerdSocket = "unix:///var/run/cri-dockerd.sock"
	// DockerAuthStaging holds registry credentials in Docker's config.json format;
	// kubeadm reset empties /var/lib/kubelet, so each attempt copies it from here.
	DockerAuthStaging = "/etc/k8sgen/docker/config.json"
	// StagedManifestsDir holds static-pod manifests k8sgen adds; kubeadm reset
	// empties /etc/kubernetes/manifests, so each attempt copies them from here.
	StagedManifestsDir = "/etc/k8sgen/manifests"
	// LBConfigDir holds haproxy's and keepalived's configuration as rendered.
	LBConfigDir = "/etc/k8sgen/lb"
	// KeepalivedCheckPath is keepalived's check script; keepalived runs scripts
	// only from root-owned paths that no one else can write.
	KeepalivedCheckPath = "/etc/keepalived/k8sgen-check-apiserver.sh"
	// CRIDockerdVersion is the cri-dockerd release installed when packages.criDockerd.url is empty.
	CRIDockerdVersion = "0.3.17"
)

// DefaultCRIDockerdURL is cri-dockerd's release archive on GitHub for arch.
func DefaultCRIDockerdURL(arch string) string {
	return "https://github.com/Mirantis/cri-dockerd/releases/download/v" + CRIDockerdVersion + "/cri-dockerd-" + CRIDockerdVersion + "." + arch + ".tgz"
}

// File is one file written on a node. Template names the template that
// produces it from the NodePlan; Content is used as-is when Template is empty.
// Nothing here is about an output format: the cloud-config and Ignition
// encoders read the same list.
type File struct {
	Path     string
	Mode     string
	Template string
	// Data replaces the NodePlan as the template's data when set; files of a
	// wider scope get the view of what its nodes have in common (ClusterPlan or
	// KindPlan).
	Data    any
	Content string
	// Scope says which nodes get the same bytes of this file.
	Scope Scope
}

// Scope is the set of nodes on which a file's bytes are equal. A file of the
// cluster or of a kind renders from the ClusterPlan or the KindPlan, so its
// template cannot print one node's values; an encoder may render it once.
type Scope int

const (
	// ScopeNode files are this node's own.
	ScopeNode Scope = iota
	// ScopeCluster files are equal on every node that has them.
	ScopeCluster
	// ScopeControlPlanes files are equal on every control plane.
	ScopeControlPlanes
	// ScopeKind files are equal on the nodes of one kind (init, control-plane, worker).
	ScopeKind
)

// ScopeKey names the group of nodes that share f's bytes, "" for a node's own file.
func (p *NodePlan) ScopeKey(f File) string {
	// Nodes of another architecture share files only among themselves.
	arch := ""
	if p.Arch != "" && p.Arch != "amd64" {
		arch = "/" + p.Arch
	}
	switch f.Scope {
	case ScopeCluster:
		return "cluster" + arch
	case ScopeControlPlanes:
		return "control-planes" + arch
	case ScopeKind:
		if p.KubeletVersion != "" {
			return "kind:" + p.Kind + "@" + p.KubeletVersion + arch
		}
		return "kind:" + p.Kind + arch
	}
	return ""
}

// Host is one /etc/hosts line.
type Host struct{ IP, Name string }

// KV is an ordered key/value pair.
type KV struct{ Key, Value string }

// sortedKV returns m as pairs sorted by key, so the output does not follow map order.
func sortedKV(m map[string]string) []KV {
	out := make([]KV, 0, len(m))
	for k, v := range m {
		out = append(out, KV{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// NodePlan is everything the templates need for one node. It is layered so that
// a file shared by many nodes cannot carry one node's values to another: files
// shared by the whole cluster render from its ClusterPlan, files shared by the
// nodes of one kind (the bootstrap script) from its KindPlan, and only files of
// one node from the NodePlan. A shared template that names a node's field fails
// to render.
type NodePlan struct {
	KindPlan
	Name string
	IP   string
	// PreviousControlPlane is the address of the control plane listed before this
	// joining one: its API must be ready before this one joins etcd.
	PreviousControlPlane string
	// EtcdPeerURL is this joining control plane's etcd peer URL, and
	// EtcdEndpoints the client URLs of every other control plane's etcd: a failed
	// join removes its own member through them (see forget_etcd_member).
	EtcdPeerURL   string
	EtcdEndpoints []string
	// PriorityText is this control plane's keepalived priority; Peers are the
	// other control planes' addresses (unicast VRRP).
	PriorityText string
	Peers        []string
	// Files are what the node's user-data writes.
	// KubeletArgs are the cluster's kubelet flags with this node's labels merged
	// into node-labels; Taints its taints as kubeadm registers them (nil: kubeadm's default).
	KubeletArgs []KV
	Taints      []spec.Taint
	// JoinToken is the bootstrap token a joining node uses (the secrets
	// bundle's TokenFor); JoinTokenID and JoinTokenTTL its id and lifetime.
	JoinToken, JoinTokenID, JoinTokenTTL string
	Files                                []File
	// Network is the node's static addressing, written as its NoCloud
	// network-config; nil when the node takes its address by DHCP.
	Network *StaticNetwork
	// PXE is how the node boots from the network (nil: no network boot).
	PXE *NodePXE
}

// ClusterPXE is where the machines that boot from the network find their
// files: BaseURL serves the output directory, MatchboxURL ("": none) is a
// matchbox server; both without a trailing slash.
type ClusterPXE struct {
	BaseURL, MatchboxURL string
}

func clusterPXE(c *spec.Cluster) *ClusterPXE {
	x := c.BootMedia.PXE
	if x == nil {
		return nil
	}
	return &ClusterPXE{BaseURL: strings.TrimRight(x.BaseURL, "/"), MatchboxURL: strings.TrimRight(x.MatchboxURL, "/")}
}

// NodePXE is one node's network boot: the machine with MAC boots Kernel with
// Initrd and Args. Args fetch the node's first-boot config from the output
// directory; MatchboxArgs are the same for matchbox, which serves it by MAC.
type NodePXE struct {
	MAC    string
	Kernel string
	// Initrd are the initrds' URLs and the names iPXE gives them (initrd0,
	// ...), which the kernel's initrd= arguments name: iPXE would otherwise
	// name each by its URL's last path segment, which may repeat.
	Initrd             []NamedURL
	Args, MatchboxArgs []string
	// Install is set when the live system boots an installer config that
	// copies the OS to disk (nil: the first-boot config is the node's own).
	Install *PXEInstall
	// AutoinstallDevice, when set, is the disk Ubuntu's installer installs
	// to, reading the node's autoinstall config.
	AutoinstallDevice string
	// NetworkConfigArg: a node with a network-config carries it on the
	// kernel command line too.
	NetworkConfigArg bool
}

// PXEInstall is the installer config of an OS whose live system does not
// install itself: it fetches the node's config (ConfigURL, or
// MatchboxConfigURL from matchbox) to ConfigFile, runs Command, and reboots.
type PXEInstall struct {
	ConfigURL, MatchboxConfigURL string
	ConfigFile                   string
	Command                      []string
	// Device is the disk the OS goes to.
	Device string
}

// NamedURL is a file to fetch and the name it gets.
type NamedURL struct{ Name, URL string }

// MatchboxInstalled is the selector matchbox's groups add for an installed
// system's config: the installer config asks for it with os=installed.
const MatchboxInstalled = "installed"

// nodePXE is n's network boot, from the OS profile's and the spec's data.
func nodePXE(c *spec.Cluster, n *spec.Node, prof *profiles.Profile, base *ClusterPXE) *NodePXE {
	x := c.BootMedia.PXE
	if x == nil || prof.PXE == nil || base == nil {
		return nil
	}
	dev := x.PXEDevice()
	fill := func(s string) string { return c.PXEFill(s, n, "", "") }
	p := &NodePXE{MAC: strings.ToLower(n.MAC), Kernel: x.Kernel}
	if p.Kernel == "" {
		p.Kernel = fill(prof.PXE.Kernel)
	}
	initrds := x.Initrd
	if len(initrds) == 0 {
		for _, u := range prof.PXE.Initrd {
			initrds = append(initrds, fill(u))
		}
	}
	for i, u := range initrds {
		p.Initrd = append(p.Initrd, NamedURL{Name: fmt.Sprintf("initrd%d", i), URL: u})
	}
	p.Args = c.PXEArgs(n, prof.PXE, false)
	if base.MatchboxURL != "" {
		p.MatchboxArgs = c.PXEArgs(n, prof.PXE, true)
	}
	dir := c.PXENodeURL(n)
	if prof.PXE.Autoinstall {
		p.AutoinstallDevice = dev
	}
	p.NetworkConfigArg = prof.PXE.NetworkConfigArg
	if len(prof.PXE.InstallCommand) > 0 {
		p.Install = &PXEInstall{ConfigURL: dir + "config.ign", ConfigFile: spec.PXEConfigFile, Device: dev}
		if base.MatchboxURL != "" {
			// matchbox reads the MAC address with either separator; the
			// group of the installed system adds os=installed.
			p.Install.MatchboxConfigURL = base.MatchboxURL + "/ignition?mac=" + strings.ReplaceAll(p.MAC, ":", "-") + "&os=" + MatchboxInstalled
		}
		cmd := prof.PXE.InstallCommand
		if x.ImageMirror != "" {
			cmd = append(slices.Clip(cmd), prof.PXE.MirrorArgs...)
		}
		for _, a := range cmd {
			p.Install.Command = append(p.Install.Command, fill(a))
		}
	}
	return p
}

// StaticNetwork is a node's static addressing on the cluster network.
type StaticNetwork struct {
	// ID names the interface's entry: its name, or k8sgen0 when only its MAC
	// finds it.
	ID string
	// Interface is the name the interface gets ("": it keeps its own); MAC,
	// in lowercase, finds it ("": its name does).
	Interface, MAC string
	// Address is the node's IP with its prefix length (192.168.1.11/24).
	Address string
	// Gateway is the default route's gateway ("": no default route).
	Gateway string
	// Nameservers and Search are the DNS servers and search domains.
	Nameservers, Search []string
}

// staticNetwork is n's static addressing, nil for DHCP.
func staticNetwork(c *spec.Cluster, n *spec.Node) *StaticNetwork {
	a := c.AddressingOf(n)
	if a.Mode != spec.AddressingStatic {
		return nil
	}
	s := &StaticNetwork{ID: a.Interface, Interface: a.Interface, MAC: strings.ToLower(n.MAC),
		Address: fmt.Sprintf("%s/%d", n.IP, a.PrefixLength), Gateway: a.Gateway,
		Nameservers: a.Nameservers, Search: a.SearchDomains}
	if s.ID == "" {
		s.ID = "k8sgen0"
	}
	return s
}

// KindPlan is what the nodes of one kind share: the cluster and the role.
type KindPlan struct {
	*ClusterPlan
	Role string
	// Init marks the first control plane, the one that runs kubeadm init.
	Init bool
	// ControlPlane is true for every control-plane node, Init included.
	ControlPlane bool
	// Kind is init, control-plane or worker: nodes of one kind run the same script.
	Kind string
	// Arch is the nodes' CPU architecture (amd64, arm64); the release files
	// below are that architecture's.
	Arch string
	// Sysext locates the Kubernetes sysext image on an OS without a package manager.
	Sysext *Sysext
	// Binaries locates the release files of an OS that installs them (fcos).
	Binaries *Binaries
	// CRIDockerdURL is where cri-dockerd comes from (runtime docker).
	CRIDockerdURL string
	// KubeletVersion is the kubelet and kubectl release of workers whose
	// nodes[].kubernetesVersion is older than the cluster's, "" on every other
	// node; kubeadm stays at Version, as kubeadm join must match kubeadm init.
	KubeletVersion string
	// KubeletRepo is the package repository of KubeletVersion's minor when
	// KubeRepo does not hold it (pkgs.k8s.io has a repository per minor).
	KubeletRepo *Repo
	// KubeletBinariesURL is where an OS that installs release binaries gets
	// KubeletVersion's kubelet and kubectl.
	KubeletBinariesURL string
	// Haproxy is true where haproxy runs before kubeadm (keepalived's control
	// planes, node-local's every node); KubeVIPPod where kube-vip's static pod
	// runs (kube-vip's control planes).
	Haproxy, KubeVIPPod bool
}

// ClusterPlan is what every node of the cluster shares.
type ClusterPlan struct {
	Cluster string
	// SeedISO: each node also gets its NoCloud seed image.
	SeedISO bool
	// PXE is the cluster's network boot (nil: none).
	PXE *ClusterPXE
	// SingleNode means no workers: the control-plane taint is removed.
	SingleNode bool

	OS      *profiles.Profile
	Version string
	// Minor is e.g. "v1.32", the pkgs.k8s.io channel.
	Minor      string
	KubeadmAPI string
	// V1Beta4 selects the v1beta4 field layout of the kubeadm templates.
	V1Beta4 bool

	Endpoint      string
	EndpointHost  string
	EndpointPort  string
	PodSubnet     string
	ServiceSubnet string
	CNI           string
	CNIVersion    string
	// CNIImageRepository replaces the CNI manifest's image prefix when set.
	CNIImageRepository string
	ProxyMode          string
	NTPServers         []string
	Hosts              []Host

	Modules []string
	Sysctls []KV
	// Packages are installed with the Kubernetes packages (ipvs tools).
	ExtraPackages []string

	// APIServerArgs … KubeletArgs are components.*.extraArgs sorted by flag name.
	APIServerArgs, ControllerManagerArgs, SchedulerArgs, EtcdArgs, KubeletArgs []KV
	// APIServerVolumes … SchedulerVolumes are components.*.extraVolumes, in spec order.
	APIServerVolumes, ControllerManagerVolumes, SchedulerVolumes []spec.HostPathMount
	// ControlPlaneFiles are the spec's files for every control plane, mode defaulted.
	ControlPlaneFiles []spec.NodeFile
	// Addons are the manifests the first control plane applies after the CNI.
	Addons []Addon
	// CNICustom is network.cni custom's manifest, applied as it is (nil for
	// the built-in CNIs, whose manifests CNIManifest and CNISed give).
	CNICustom *Addon
	// SSHAuthorizedKeys are the OS login user's SSH keys.
	SSHAuthorizedKeys []string
	// DebugUser is the spec's debugging login, in the OS's admin group (nil: none).
	DebugUser *DebugUser
	// IgnorePreflightErrors go to every node's nodeRegistration.
	IgnorePreflightErrors []string

	PauseImage string
	// ContainerdSeries is the pinned release series (1.7 or 2); ContainerdConfigVersion its config format.
	ContainerdSeries        string
	ContainerdConfigVersion int
	// EtcdAPICallTimeout: this minor's kubeadm reads timeouts.etcdAPICall.
	EtcdAPICallTimeout bool
	// ContainerdBuiltin: the OS ships containerd, k8sgen only configures it.
	ContainerdBuiltin bool
	// HostPackages: the OS has a package manager (the pkg-* functions exist).
	HostPackages bool
	// VolumePluginDir is kubelet's FlexVolume directory where the default is read-only.
	VolumePluginDir string
	// Timesyncd: time comes from the OS's systemd-timesyncd, not an installed chrony.
	Timesyncd bool
	CRISocket string
	// Runtime is containerd or docker; Docker is true for docker (Docker Engine + cri-dockerd).
	Runtime string
	Docker  bool
	// CRIDockerdSHA256 checks cri-dockerd's release archive or, with
	// CRIDockerdPackage, its .rpm or .deb (runtime docker); CRIDockerdBin is
	// where the binary ends up.
	CRIDockerdSHA256, CRIDockerdBin string
	// CRIDockerdFormat is tgz, rpm or deb (spec.CRIDockerdFormat).
	CRIDockerdFormat  string
	CRIDockerdPackage bool
	// CNIManifest is the URL the CNI manifest is downloaded from;
	// CNIManifestSHA256, when set, the digest that file must have.
	CNIManifest, CNIManifestSHA256 string
	// CNISed are the sed arguments that rewrite the manifest's pod network and image
	// prefix; CNICheck is a line the rewritten manifest must hold.
	CNISed   []string
	CNICheck string

	KubeRepo    Repo
	RuntimeRepo Repo
	ExtraRepos  []Repo

	// ImageRepository is empty for registry.k8s.io.
	ImageRepository string
	Registries      []RegistryHost
	RegistryAuth    []RegistryAuth

	// HTTPProxy, HTTPSProxy and NoProxy go to the package manager, the script and the runtime.
	HTTPProxy, HTTPSProxy, NoProxy string
	// ProxyCredentials is true when a proxy URL holds a user name or password.
	ProxyCredentials bool

	Token          string
	TokenID        string
	TokenTTL       string
	CertificateKey string
	CACertHash     string

	// LB is the load balancer in front of the API servers.
	LB LBPlan
	// KubeletConfig and KubeProxyConfig are the fields of the cluster's
	// KubeletConfiguration and KubeProxyConfiguration, sorted by name.
	KubeletConfig, KubeProxyConfig []Field
	// CertSANs are the API server certificate's extra names: the endpoint's host
	// and the VIP, then the spec's (none when the spec names none).
	CertSANs []string
	// JoiningControlPlanes are the addresses of every control plane but the first.
	JoiningControlPlanes []string

	Paths Paths
}

// Sysext is the Kubernetes systemd-sysext image: fetched from URL, checked
// against SHA256 when set, kept as Dir/Name.
// UpdateURL, when set, is where systemd-sysupdate finds newer patch releases.
// Arch is the bakery's spelling of the architecture (x86-64, arm64).
type Sysext struct{ URL, SHA256, Dir, Name, Arch, UpdateURL string }

// Binaries are the release files of an OS that installs them (install
// binaries): kubeadm, kubelet and kubectl from the directory KubernetesURL, each
// checked against the .sha256 file beside it, installed into Dir; containerd's
// archive (unpacked under Dir/..), runc's binary and the CNI plugins' archive.
type Binaries struct {
	KubernetesURL, Dir           string
	Containerd, Runc, CNIPlugins Release
}

// Release is one release file: checked against SHA256, or, when the spec gives
// none, against the digest its publisher lists in the file at SHA256URL.
type Release struct{ URL, SHA256, SHA256URL string }

// The releases an OS that installs binaries gets when the spec names none.
const (
	ContainerdVersion = "2.4.2"
	RuncVersion       = "1.5.3"
	CNIPluginsVersion = "1.10.0"
)

// DefaultKubernetesBinariesURL is the directory of a release's binaries for arch on dl.k8s.io.
func DefaultKubernetesBinariesURL(version, arch string) string {
	return "https://dl.k8s.io/release/v" + version + "/bin/linux/" + arch + "/"
}

// defaultReleases are the upstream release files, each with the digest file
// its project publishes beside it.
func defaultReleases(arch string) (containerd, runc, cni Release) {
	containerd.URL = "https://github.com/containerd/containerd/releases/download/v" + ContainerdVersion + "/containerd-" + ContainerdVersion + "-linux-" + arch + ".tar.gz"
	containerd.SHA256URL = containerd.URL + ".sha256sum"
	runcDir := "https://github.com/opencontainers/runc/releases/download/v" + RuncVersion + "/"
	runc = Release{URL: runcDir + "runc." + arch, SHA256URL: runcDir + "runc.sha256sum"}
	cni.URL = "https://github.com/containernetworking/plugins/releases/download/v" + CNIPluginsVersion + "/cni-plugins-linux-" + arch + "-v" + CNIPluginsVersion + ".tgz"
	cni.SHA256URL = cni.URL + ".sha256"
	return containerd, runc, cni
}

// fileOf is the spec's file when it names one (the spec's rules then require
// its digest), else upstream's, checked against the spec's digest if it gives one.
func fileOf(d spec.Download, upstream Release) Release {
	if d.URL == "" && d.SHA256 != "" {
		// A digest alone pins upstream's file.
		return Release{URL: upstream.URL, SHA256: d.SHA256}
	}
	if d.URL == "" {
		return upstream
	}
	return Release{URL: d.URL, SHA256: d.SHA256}
}

// withGates adds the feature-gates flag of the spec's featureGates to a
// control-plane component's flags (the spec's rules refuse both at once).
func withGates(args map[string]string, gates map[string]bool) map[string]string {
	if len(gates) == 0 {
		return args
	}
	pairs := make([]string, 0, len(gates))
	for _, kv := range gateKV(gates) {
		pairs = append(pairs, kv.Key+"="+kv.Value)
	}
	out := map[string]string{"feature-gates": strings.Join(pairs, ",")}
	for k, v := range args {
		out[k] = v
	}
	return out
}

// gateKV are feature gates sorted by name, with "true" or "false".
func gateKV(gates map[string]bool) []KV {
	m := make(map[string]string, len(gates))
	for k, v := range gates {
		m[k] = fmt.Sprint(v)
	}
	return sortedKV(m)
}

// controllerManagerArgs are the spec's, plus the FlexVolume directory of the
// kubelet where the OS or kubeletConfiguration moves it (the flag the spec
// sets wins).
func controllerManagerArgs(c *spec.Cluster, prof *profiles.Profile) map[string]string {
	args := c.Components.ControllerManager.ExtraArgs
	dir := volumePluginDir(c, prof)
	if _, set := args["flex-volume-plugin-dir"]; dir == "" || set {
		return args
	}
	out := map[string]string{"flex-volume-plugin-dir": dir}
	for k, v := range args {
		out[k] = v
	}
	return out
}

// volumePluginDir is the kubelet's FlexVolume directory where it is not the
// default: kubeletConfiguration's, else, where the OS moves it, the
// controller manager's flag or the OS's, so that the two programs agree.
func volumePluginDir(c *spec.Cluster, prof *profiles.Profile) string {
	if d, ok := c.KubeletConfiguration["volumePluginDir"].(string); ok {
		return d
	}
	if d, set := c.Components.ControllerManager.ExtraArgs["flex-volume-plugin-dir"]; set && prof.VolumePluginDir != "" {
		return d
	}
	return prof.VolumePluginDir
}

// AddonsDir holds the add-on manifests on the first control plane; CNIDir the CNI's.
const (
	AddonsDir = "/etc/k8sgen/addons"
	CNIDir    = "/etc/k8sgen/cni"
)

// Addon is one add-on as the bootstrap applies it: the manifest at File,
// fetched from URL first when set (checked against SHA256 when set) and edited
// by Sed; Check is a line the edited manifest must hold ("" for none).
// Content, for a spec's file, is written to File by the user-data.
type Addon struct {
	Name, File, URL, SHA256 string
	Sed                     []string
	Check                   string
	Content                 string
}

// addons plans the spec's add-ons in order, numbered so their files sort so.
func addons(c *spec.Cluster) ([]Addon, error) {
	var out []Addon
	for i, a := range c.Addons {
		if a.File != "" && a.Content == "" {
			return nil, fmt.Errorf("addons[%d]: the content of %s was not read (spec.SetAddonContent)", i, a.File)
		}
		p := Addon{Name: a.Name, File: fmt.Sprintf("%s/%02d-%s.yaml", AddonsDir, i+1, a.Name), URL: a.URL, SHA256: a.SHA256, Content: a.Content}
		if b, ok := spec.Builtin(a.Name); ok && a.File == "" {
			if p.URL == "" {
				p.URL = b.URL
			}
			switch b.Name {
			case "metrics-server":
				// kubeadm's kubelets serve a self-signed certificate, which
				// metrics-server refuses unless told not to check it.
				p.Sed = []string{"-e", `s|^\( *\)- --kubelet-use-node-status-port$|&\n\1- --kubelet-insecure-tls|`}
				p.Check = "- --kubelet-insecure-tls"
				if r := c.ImageRepository; r != "" {
					p.Sed = append(p.Sed, "-e", "s|image: registry.k8s.io/metrics-server/|image: "+sedReplacement(r)+"/|")
				}
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// controlPlaneFiles are the spec's files with their mode defaulted to 0600.
func controlPlaneFiles(c *spec.Cluster) []spec.NodeFile {
	out := make([]spec.NodeFile, len(c.ControlPlaneFiles))
	for i, f := range c.ControlPlaneFiles {
		if f.Mode == "" {
			f.Mode = "0600"
		}
		out[i] = f
	}
	return out
}

// Field is one top-level field of a configuration document; Value is a
// string, bool, number, map[string]any or []any.
type Field struct {
	Key   string
	Value any
}

// kubeletConfig is the cluster's KubeletConfiguration: k8sgen's fields, with
// kubeletConfiguration merged over them (mappings merge key by key; anything
// else the spec's value replaces). Validation refuses the fields k8sgen must own.
func kubeletConfig(c *spec.Cluster, prof *profiles.Profile) []Field {
	base := map[string]any{"cgroupDriver": "systemd"}
	if len(c.FeatureGates) > 0 {
		base["featureGates"] = gateMap(c.FeatureGates)
	}
	if d := volumePluginDir(c, prof); d != "" {
		base["volumePluginDir"] = d
	}
	return fields(merge(base, c.KubeletConfiguration))
}

// kubeProxyConfig is the cluster's KubeProxyConfiguration, likewise.
func kubeProxyConfig(c *spec.Cluster) []Field {
	base := map[string]any{"mode": c.Network.KubeProxyMode}
	if len(c.FeatureGates) > 0 {
		base["featureGates"] = gateMap(c.FeatureGates)
	}
	if c.Network.KubeProxyMode == "ipvs" {
		// kube-vip and MetalLB answer ARP for service addresses only with it.
		base["ipvs"] = map[string]any{"strictARP": true}
	}
	return fields(merge(base, c.KubeProxyConfiguration))
}

func gateMap(gates map[string]bool) map[string]any {
	out := make(map[string]any, len(gates))
	for k, v := range gates {
		out[k] = v
	}
	return out
}

// merge returns over laid on base: mappings merge key by key, any other value
// of over replaces base's. Neither argument changes.
func merge(base, over map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		bm, bok := spec.AsMap(out[k])
		om, ook := spec.AsMap(v)
		if bok && ook {
			out[k] = merge(bm, om)
			continue
		}
		out[k] = v
	}
	return out
}

// fields are a document's top-level fields sorted by name.
func fields(m map[string]any) []Field {
	out := make([]Field, 0, len(m))
	for k, v := range m {
		out = append(out, Field{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// DefaultSysextURL is the Flatcar sysext bakery's Kubernetes image of a release.
func DefaultSysextURL(version, arch string) string {
	return "https://github.com/flatcar/sysext-bakery/releases/download/kubernetes-v" + version + "/" + sysextName(version, arch)
}

func sysextName(version, arch string) string {
	return "kubernetes-v" + version + "-" + SysextArch(arch) + ".raw"
}

// SysextArch is how the sysext bakery spells an architecture: x86-64, arm64.
func SysextArch(arch string) string {
	if arch == "amd64" {
		return "x86-64"
	}
	return arch
}

// LBPlan is the load balancer of the spec, with what its files print.
type LBPlan struct {
	// KubeVIP, Keepalived and NodeLocal mark the kinds that render files.
	KubeVIP, Keepalived, NodeLocal bool
	// VIPCIDR is the VIP with the control planes' prefix length, as keepalived assigns it.
	VIP, VIPCIDR, Interface string
	// Bind is haproxy's listening address, PortText its port.
	Bind, PortText string
	// APIPort is the API servers' port behind the balancer.
	APIPort             string
	Unicast             bool
	VirtualRouterIDText string
	CheckScript         string
	CheckWeightText     string
	KubeVIPImage        string
	// KubeVIPLease, KubeVIPRenew and KubeVIPRetry are kube-vip's leader election timings in seconds.
	KubeVIPLease, KubeVIPRenew, KubeVIPRetry string
	// Packages are installed where haproxy (and keepalived) run.
	Packages []string
	// Backends are the control planes haproxy balances over.
	Backends []Host
}

// Paths repeats the node-side path constants for templates.
type Paths struct {
	Bootstrap, BootstrappedStamp, KubeadmConfig, StagedPKI, ClusterCA, ContainerdStaging, HostsBlock, NodeEnv, ProxyEnv, ProxyUnitEnv, Log, State, DockerAuth, StagedManifests, LBConfig, KeepalivedCheck, Addons, CNI string
}

// Build makes the plans, in spec order. The spec must be defaulted and valid.
func Build(c *spec.Cluster, b *secrets.Bundle) ([]*NodePlan, error) {
	prof, err := profiles.Get(c.OS)
	if err != nil {
		return nil, err
	}
	ver, rel, err := releaseOf(c)
	if err != nil {
		return nil, err
	}
	hash, err := b.CACertHash()
	if err != nil {
		return nil, fmt.Errorf("secrets: ca: %w", err)
	}
	host, port, err := net.SplitHostPort(c.ControlPlaneEndpoint)
	if err != nil {
		return nil, fmt.Errorf("controlPlaneEndpoint: %w", err)
	}

	hosts := make([]Host, 0, len(c.Nodes)+len(c.ExtraHosts))
	// The control planes only: a worker's own line is added by its bootstrap,
	// so adding workers later changes no other node's files (and the block
	// does not grow with the workers).
	for _, n := range c.ControlPlanes() {
		hosts = append(hosts, Host{IP: n.IP, Name: n.Name})
	}
	for _, h := range c.ExtraHosts {
		hosts = append(hosts, Host{IP: h.IP, Name: h.Name})
	}
	regs, auths, err := registries(c, b)
	if err != nil {
		return nil, err
	}
	imageRepo := "registry.k8s.io"
	if c.ImageRepository != "" {
		imageRepo = c.ImageRepository
	}
	var proxyHTTP, proxyHTTPS, proxyNo string
	if c.Proxy.HTTP != "" || c.Proxy.HTTPS != "" {
		proxyHTTP, proxyHTTPS, proxyNo = c.Proxy.HTTP, c.Proxy.HTTPS, noProxy(c)
	}
	modules := []string{"overlay", "br_netfilter"}
	var extra []string
	if c.Network.KubeProxyMode == "ipvs" {
		modules = append(modules, "ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_sh", "nf_conntrack")
		extra = append(extra, prof.IPVSPackages...)
	}
	sysctls := []KV{
		{"net.bridge.bridge-nf-call-ip6tables", "1"},
		{"net.bridge.bridge-nf-call-iptables", "1"},
		{"net.ipv4.ip_forward", "1"},
	}
	for _, m := range c.Kernel.Modules {
		if !slices.Contains(modules, m) {
			modules = append(modules, m)
		}
	}
	for k, v := range c.Kernel.Sysctls {
		if i := slices.IndexFunc(sysctls, func(kv KV) bool { return kv.Key == k }); i >= 0 {
			sysctls[i].Value = v
		} else {
			sysctls = append(sysctls, KV{k, v})
		}
	}
	sort.Slice(sysctls, func(i, j int) bool { return sysctls[i].Key < sysctls[j].Key })
	series := rel.containerd
	if prof.Containerd.Series != "" {
		series = prof.Containerd.Series
	}
	cfgVersion := 3
	if series == "1.7" {
		cfgVersion = 2
	}
	if prof.Containerd.ConfigVersion != 0 {
		cfgVersion = prof.Containerd.ConfigVersion
	}
	// The release files a node downloads follow its architecture.
	type archPlan struct {
		sysext *Sysext
		bins   *Binaries
	}
	byArch := map[string]archPlan{}
	forArch := func(arch string) archPlan {
		if a, ok := byArch[arch]; ok {
			return a
		}
		var a archPlan
		if prof.Install == "sysext" {
			sx := c.Packages.KubernetesSysext
			a.sysext = &Sysext{URL: sx.URL, SHA256: sx.SHA256, Dir: SysextDir, Name: sysextName(ver.String(), arch), Arch: SysextArch(arch), UpdateURL: c.Packages.KubernetesSysextUpdates}
			if a.sysext.URL == "" {
				a.sysext.URL = DefaultSysextURL(ver.String(), arch)
			}
		}
		if prof.Install == "binaries" {
			pk := c.Packages
			ctr, runc, cni := defaultReleases(arch)
			a.bins = &Binaries{
				KubernetesURL: pk.KubernetesBinaries.URL,
				Dir:           prof.BinDir,
				Containerd:    fileOf(pk.Containerd, ctr),
				Runc:          fileOf(pk.Runc, runc),
				CNIPlugins:    fileOf(pk.CNIPlugins, cni),
			}
			if a.bins.KubernetesURL == "" {
				a.bins.KubernetesURL = DefaultKubernetesBinariesURL(ver.String(), arch)
			}
		}
		byArch[arch] = a
		return a
	}
	minor := fmt.Sprintf("v%d.%d", ver.Major, ver.Minor)
	base := &ClusterPlan{
		Cluster:                  c.Name,
		OS:                       prof,
		Version:                  ver.String(),
		Minor:                    minor,
		KubeadmAPI:               rel.kubeadmAPI,
		V1Beta4:                  rel.kubeadmAPI == "kubeadm.k8s.io/v1beta4",
		Endpoint:                 c.ControlPlaneEndpoint,
		EndpointHost:             host,
		EndpointPort:             port,
		PodSubnet:                c.Network.PodSubnet,
		ServiceSubnet:            c.Network.ServiceSubnet,
		CNI:                      c.Network.CNI,
		CNIVersion:               c.Network.CNIVersion,
		CNIImageRepository:       c.Network.CNIImageRepository,
		ProxyMode:                c.Network.KubeProxyMode,
		NTPServers:               c.NTP.Servers,
		Hosts:                    hosts,
		Modules:                  modules,
		Sysctls:                  sysctls,
		APIServerArgs:            sortedKV(withGates(c.Components.APIServer.ExtraArgs, c.FeatureGates)),
		ControllerManagerArgs:    sortedKV(withGates(controllerManagerArgs(c, prof), c.FeatureGates)),
		APIServerVolumes:         c.Components.APIServer.ExtraVolumes,
		ControllerManagerVolumes: c.Components.ControllerManager.ExtraVolumes,
		SchedulerVolumes:         c.Components.Scheduler.ExtraVolumes,
		ControlPlaneFiles:        controlPlaneFiles(c),
		KubeletConfig:            kubeletConfig(c, prof),
		KubeProxyConfig:          kubeProxyConfig(c),
		SchedulerArgs:            sortedKV(withGates(c.Components.Scheduler.ExtraArgs, c.FeatureGates)),
		EtcdArgs:                 sortedKV(c.Components.Etcd.ExtraArgs),
		KubeletArgs:              sortedKV(c.Components.Kubelet.ExtraArgs),
		IgnorePreflightErrors:    c.IgnorePreflightErrors,
		SSHAuthorizedKeys:        c.SSHAuthorizedKeys,
		SeedISO:                  c.BootMedia.SeedISO,
		PXE:                      clusterPXE(c),
		DebugUser:                debugUser(c, prof),
		ExtraPackages:            extra,
		PauseImage:               imageRepo + "/pause:" + rel.pause,
		ImageRepository:          c.ImageRepository,
		Registries:               regs,
		RegistryAuth:             auths,
		HTTPProxy:                proxyHTTP,
		HTTPSProxy:               proxyHTTPS,
		NoProxy:                  proxyNo,
		ProxyCredentials:         hasUserinfo(proxyHTTP) || hasUserinfo(proxyHTTPS),
		KubeRepo:                 kubernetesRepo(c.Packages.Kubernetes, minor, prof, c.Packages.Extra),
		RuntimeRepo:              runtimeRepo(c.Packages.Runtime, prof, c.Packages.Extra),
		ExtraRepos:               extraRepos(c.Packages.Extra),
		ContainerdSeries:         series,
		ContainerdConfigVersion:  cfgVersion,
		ContainerdBuiltin:        prof.Containerd.Builtin,
		EtcdAPICallTimeout:       rel.etcdTimeout,
		HostPackages:             prof.PackageManager != "none",
		VolumePluginDir:          volumePluginDir(c, prof),
		Timesyncd:                prof.TimeSync == "timesyncd",
		CRISocket:                CRISocket,
		Runtime:                  c.Runtime,
		Docker:                   c.Runtime == "docker",
		CNIManifest:              cniManifest(c),
		CNIManifestSHA256:        c.Network.CNIManifestSHA256,
		Token:                    b.BootstrapToken.String(),
		TokenID:                  b.BootstrapToken.ID,
		TokenTTL:                 b.BootstrapToken.TTL,
		CertificateKey:           b.CertificateKey,
		CACertHash:               hash,
		SingleNode:               len(c.Workers()) == 0,
		Paths: Paths{
			Bootstrap:         prof.BinDir + "/" + BootstrapName,
			BootstrappedStamp: BootstrappedStamp,
			KubeadmConfig:     KubeadmConfigDir,
			StagedPKI:         StagedPKIDir,
			ClusterCA:         ClusterCAPath,
			ContainerdStaging: ContainerdStaging,
			HostsBlock:        HostsBlockPath,
			NodeEnv:           NodeEnvPath,
			ProxyEnv:          ProxyEnvPath,
			ProxyUnitEnv:      ProxyUnitEnvPath,
			Log:               LogPath,
			State:             StateDir,
			DockerAuth:        DockerAuthStaging,
			StagedManifests:   StagedManifestsDir,
			LBConfig:          LBConfigDir,
			KeepalivedCheck:   KeepalivedCheckPath,
			Addons:            AddonsDir,
			CNI:               CNIDir,
		},
	}

	if c.BootstrapTokenTTL != "" {
		d, err := spec.ParseTokenTTL(c.BootstrapTokenTTL)
		if err != nil {
			return nil, fmt.Errorf("bootstrapTokenTTL: %w", err)
		}
		base.TokenTTL = d.String() // as kubeadm prints durations: "24h0m0s", "0s"
	}
	base.CNISed, base.CNICheck = cniRewrite(c)
	if base.Docker {
		base.CRISocket = CRIDockerdSocket
		base.CRIDockerdSHA256 = c.Packages.CRIDockerd.SHA256
		// A package puts the binary in /usr/bin; k8sgen's unit (in
		// /etc/systemd/system, over the package's own) runs it from there.
		// The spec's own URL names one architecture's file for every node.
		if u := c.Packages.CRIDockerd.URL; u != "" {
			base.CRIDockerdFormat = spec.CRIDockerdFormat(u)
		} else {
			base.CRIDockerdFormat = "tgz"
		}
		base.CRIDockerdPackage = base.CRIDockerdFormat != "tgz"
		base.CRIDockerdBin = "/usr/local/bin/cri-dockerd"
		if base.CRIDockerdPackage {
			base.CRIDockerdBin = "/usr/bin/cri-dockerd"
		}
	}

	base.LB = lbPlan(c)
	for _, n := range c.ControlPlanes()[1:] {
		base.JoiningControlPlanes = append(base.JoiningControlPlanes, n.IP)
	}
	if base.LB.NodeLocal {
		base.Hosts = append(base.Hosts, Host{IP: "127.0.0.1", Name: host})
	}

	base.CertSANs = certSANs(c, base)
	if base.Addons, err = addons(c); err != nil {
		return nil, err
	}
	if c.Network.CNI == "custom" {
		n := c.Network
		if n.CNIManifestFile != "" && n.CNIManifestContent == "" {
			return nil, fmt.Errorf("network.cniManifestFile: the content of %s was not read (spec.SetCNIContent)", n.CNIManifestFile)
		}
		base.CNICustom = &Addon{Name: "custom", File: CNIDir + "/custom.yaml", URL: n.CNIManifest, SHA256: n.CNIManifestSHA256, Content: n.CNIManifestContent}
	}

	var plans []*NodePlan
	cps := c.ControlPlanes()
	cpIndex := 0
	for _, n := range c.Nodes {
		p := &NodePlan{KindPlan: KindPlan{ClusterPlan: base, Role: n.Role, Kind: n.Role}, Name: n.Name, IP: n.IP,
			Network: staticNetwork(c, &n), PXE: nodePXE(c, &n, prof, base.PXE)}
		if tok := b.TokenFor(n.Name); tok.ID == b.BootstrapToken.ID {
			p.JoinToken, p.JoinTokenID, p.JoinTokenTTL = base.Token, base.TokenID, base.TokenTTL
		} else {
			p.JoinToken, p.JoinTokenID, p.JoinTokenTTL = tok.String(), tok.ID, tok.TTL
		}
		p.ControlPlane = n.Role == spec.RoleControlPlane
		if p.ControlPlane {
			for _, o := range cps {
				if o.IP != n.IP {
					p.Peers = append(p.Peers, o.IP)
				}
			}
			p.Init = cpIndex == 0
			if p.Init {
				p.Kind = "init"
			} else {
				p.PreviousControlPlane = cps[cpIndex-1].IP
				p.EtcdPeerURL = "https://" + net.JoinHostPort(n.IP, "2380")
				for _, ip := range p.Peers {
					p.EtcdEndpoints = append(p.EtcdEndpoints, "https://"+net.JoinHostPort(ip, "2379"))
				}
			}
			// The first control plane gets the highest priority, so the VIP
			// sits where kubeadm init runs; a failing check costs more than
			// the whole spread, so any healthy peer outranks a failing holder.
			p.PriorityText = fmt.Sprint(keepalivedTopPriority - cpIndex)
			cpIndex++
		}
		p.KubeletArgs = nodeKubeletArgs(c, n)
		p.Arch = n.Arch
		if p.Arch == "" {
			p.Arch = "amd64"
		}
		a := forArch(p.Arch)
		p.Sysext, p.Binaries = a.sysext, a.bins
		if base.Docker {
			p.CRIDockerdURL = c.Packages.CRIDockerd.URL
			if p.CRIDockerdURL == "" {
				p.CRIDockerdURL = DefaultCRIDockerdURL(p.Arch)
			}
		}
		if nv, ok := spec.ParseVersion(n.KubernetesVersion); ok && nv != ver {
			p.KubeletVersion = nv.String()
			kminor := fmt.Sprintf("v%d.%d", nv.Major, nv.Minor)
			if r := kubernetesRepo(c.Packages.Kubernetes, kminor, prof, c.Packages.Extra); r != base.KubeRepo {
				r.Name = "kubernetes-" + kminor
				p.KubeletRepo = &r
			}
			if p.Binaries != nil {
				p.KubeletBinariesURL = DefaultKubernetesBinariesURL(nv.String(), p.Arch)
			}
		}
		p.Taints = nodeTaints(n, p.ControlPlane, base.SingleNode)
		p.Haproxy = base.LB.NodeLocal || p.ControlPlane && base.LB.Keepalived
		p.KubeVIPPod = p.ControlPlane && base.LB.KubeVIP
		p.Files = files(p, b)
		plans = append(plans, p)
	}
	return plans, nil
}

// nodeKubeletArgs are components.kubelet.extraArgs under the node's own
// kubeletExtraArgs, with node-labels holding the cluster's labels and the
// node's, sorted by key (the spec's rules refuse conflicts).
func nodeKubeletArgs(c *spec.Cluster, n spec.Node) []KV {
	args := c.Components.Kubelet.ExtraArgs
	if len(n.KubeletExtraArgs) > 0 {
		merged := map[string]string{}
		for k, v := range args {
			merged[k] = v
		}
		for k, v := range n.KubeletExtraArgs {
			merged[k] = v
		}
		args = merged
	}
	if len(n.Labels) == 0 {
		return sortedKV(args)
	}
	labels := spec.ClusterNodeLabels(c)
	for k, v := range n.Labels {
		labels[k] = v
	}
	pairs := make([]string, 0, len(labels))
	for _, kv := range sortedKV(labels) {
		pairs = append(pairs, kv.Key+"="+kv.Value)
	}
	out := map[string]string{"node-labels": strings.Join(pairs, ",")}
	for k, v := range args {
		if k != "node-labels" {
			out[k] = v
		}
	}
	return sortedKV(out)
}

// certSANs are the spec's certSANs after the endpoint's host and the VIP, each
// once; kubeadm adds the endpoint itself, so without the spec's none are printed.
func certSANs(c *spec.Cluster, base *ClusterPlan) []string {
	if len(c.CertSANs) == 0 {
		return nil
	}
	var out []string
	for _, s := range append([]string{base.EndpointHost, base.LB.VIP}, c.CertSANs...) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// DebugUser is a person's login: a password hash for the console, SSH keys, and
// sudo through the OS's admin group; Sudo is its sudoers rule where the
// encoder writes one (cloud-init): without a password it cannot ask for one.
type DebugUser struct {
	Name, PasswordHash, Group, Sudo string
	SSHAuthorizedKeys               []string
}

func debugUser(c *spec.Cluster, prof *profiles.Profile) *DebugUser {
	u := c.DebugUser
	if u == nil {
		return nil
	}
	d := &DebugUser{Name: u.Name, PasswordHash: u.PasswordHash, Group: prof.AdminGroup, SSHAuthorizedKeys: u.SSHAuthorizedKeys, Sudo: "ALL=(ALL) ALL"}
	if u.PasswordHash == "" {
		d.Sudo = "ALL=(ALL) NOPASSWD:ALL"
	}
	return d
}

// ControlPlaneTaint is the taint kubeadm gives control planes by default.
var ControlPlaneTaint = spec.Taint{Key: "node-role.kubernetes.io/control-plane", Effect: "NoSchedule"}

// nodeTaints are the node's taints as kubeadm's nodeRegistration.taints: none
// given leaves kubeadm's default; a list replaces it, so a control plane of a
// cluster with workers gets kubeadm's NoSchedule taint back in front.
func nodeTaints(n spec.Node, controlPlane, singleNode bool) []spec.Taint {
	if len(n.Taints) == 0 {
		return nil
	}
	var out []spec.Taint
	if controlPlane && !singleNode && !slices.ContainsFunc(n.Taints, func(t spec.Taint) bool {
		return t.Key == ControlPlaneTaint.Key && t.Effect == ControlPlaneTaint.Effect
	}) {
		out = append(out, ControlPlaneTaint)
	}
	return append(out, n.Taints...)
}

// keepalivedTopPriority is the first control plane's VRRP priority; the check's
// weight takes away more than the distance to the lowest one.
const keepalivedTopPriority = 150

func lbPlan(c *spec.Cluster) LBPlan {
	lb := c.LoadBalancer
	l := LBPlan{APIPort: "6443"}
	switch lb.Kind {
	case spec.LBKubeVIP:
		l.KubeVIP = true
		l.KubeVIPImage = lb.KubeVIP.Image + ":" + lb.KubeVIP.Version
		lease := lb.KubeVIP.LeaseSeconds
		l.KubeVIPLease, l.KubeVIPRenew, l.KubeVIPRetry = fmt.Sprint(lease), fmt.Sprint(lease*3/5), fmt.Sprint(max(1, lease/5))
	case spec.LBKeepalived:
		l.Keepalived = true
		l.Bind = "*"
		l.Packages = []string{"haproxy", "keepalived"}
		l.VirtualRouterIDText = fmt.Sprint(lb.VirtualRouterID)
		l.CheckScript = KeepalivedCheckPath
		l.CheckWeightText = fmt.Sprint(-(len(c.ControlPlanes()) + 10))
		l.Unicast = lb.Unicast
	case spec.LBNodeLocal:
		l.NodeLocal = true
		l.Bind = "127.0.0.1"
		l.Packages = []string{"haproxy"}
	}
	if l.KubeVIP || l.Keepalived {
		l.VIP, l.Interface = lb.VIP, lb.Interface
		l.VIPCIDR = fmt.Sprintf("%s/%d", lb.VIP, lb.PrefixLength)
	}
	if l.Keepalived || l.NodeLocal {
		l.PortText = fmt.Sprint(lb.Port)
		for _, n := range c.ControlPlanes() {
			l.Backends = append(l.Backends, Host{IP: n.IP, Name: n.Name})
		}
	}
	return l
}

// kubeVIPView is the kube-vip manifest's data: the cluster and the kubeconfig it mounts.
type kubeVIPView struct {
	*ClusterPlan
	Kubeconfig string
	SuperAdmin bool
}

// files lists what the node's user-data writes. Control planes get the shared CA
// keys staged outside /etc/kubernetes (kubeadm reset would delete them there);
// workers only get the public cluster CA certificate.
func files(p *NodePlan, b *secrets.Bundle) []File {
	const all = ScopeCluster
	fs := []File{
		{Path: HostsBlockPath, Mode: "0644", Template: "hosts", Scope: all},
		{Path: "/etc/modules-load.d/k8sgen.conf", Mode: "0644", Template: "modules.conf", Scope: all},
		{Path: "/etc/sysctl.d/99-k8sgen.conf", Mode: "0644", Template: "sysctl.conf", Scope: all},
	}
	if !p.Docker {
		fs = append(fs, File{Path: ContainerdStaging, Mode: containerdMode(p), Template: fmt.Sprintf("containerd-v%d.toml", p.ContainerdConfigVersion), Scope: all})
	}
	fs = append(fs, File{Path: "/etc/crictl.yaml", Mode: "0644", Template: "crictl.yaml", Scope: all})
	switch {
	case len(p.NTPServers) > 0 && p.Timesyncd:
		fs = append(fs, File{Path: TimesyncdConf, Mode: "0644", Template: "timesyncd.conf", Scope: all})
	case len(p.NTPServers) > 0:
		fs = append(fs, File{Path: "/etc/k8sgen/chrony.conf", Mode: "0644", Template: "chrony.conf", Scope: all})
	}
	if p.ContainerdBuiltin && !p.Docker {
		fs = append(fs, File{Path: ContainerdDropIn, Mode: "0644", Content: containerdDropIn, Scope: all})
	}
	// The sysext and the binaries are the node's architecture's (KindPlan).
	if p.Sysext != nil && p.Sysext.UpdateURL != "" {
		fs = append(fs,
			File{Path: "/etc/sysupdate.kubernetes.d/kubernetes.conf", Mode: "0644", Template: "sysupdate-kubernetes.conf", Scope: ScopeKind},
			File{Path: SysupdateDropIn, Mode: "0644", Content: sysupdateDropIn(p), Scope: all})
	}
	if p.Binaries != nil {
		// What packages would ship: the units of the binaries the bootstrap installs.
		fs = append(fs,
			File{Path: "/etc/systemd/system/containerd.service", Mode: "0644", Template: "containerd.service", Scope: ScopeKind},
			File{Path: "/etc/systemd/system/kubelet.service", Mode: "0644", Template: "kubelet.service", Scope: ScopeKind},
			File{Path: "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", Mode: "0644", Template: "kubelet-kubeadm.conf", Scope: ScopeKind})
	}
	if p.Docker {
		fs = append(fs, dockerFiles(p)...)
	} else {
		for _, r := range p.Registries {
			dir := "/etc/containerd/certs.d/" + r.Host
			fs = append(fs, File{Path: dir + "/hosts.toml", Mode: "0644", Template: "hosts.toml", Data: r, Scope: all})
			if r.CA != "" {
				fs = append(fs, File{Path: dir + "/ca.crt", Mode: "0644", Content: r.CA, Scope: all})
			}
		}
	}
	if p.HTTPProxy != "" || p.HTTPSProxy != "" {
		// 0600: a proxy URL may carry a password.
		fs = append(fs,
			File{Path: ProxyEnvPath, Mode: "0600", Template: "proxy.env", Scope: all},
			File{Path: ProxyUnitEnvPath, Mode: "0600", Template: "proxy.unit.env", Scope: all})
	}
	fs = append(fs, File{Path: ClusterCAPath, Mode: "0644", Content: b.CA.Cert, Scope: all})
	if p.ControlPlane {
		fs = append(fs,
			File{Path: StagedPKIDir + "/ca.key", Mode: "0600", Content: b.CA.Key, Scope: all},
			File{Path: StagedPKIDir + "/front-proxy-ca.crt", Mode: "0644", Content: b.FrontProxyCA.Cert, Scope: all},
			File{Path: StagedPKIDir + "/front-proxy-ca.key", Mode: "0600", Content: b.FrontProxyCA.Key, Scope: all},
			File{Path: StagedPKIDir + "/etcd/ca.crt", Mode: "0644", Content: b.EtcdCA.Cert, Scope: all},
			File{Path: StagedPKIDir + "/etcd/ca.key", Mode: "0600", Content: b.EtcdCA.Key, Scope: all},
			File{Path: StagedPKIDir + "/sa.pub", Mode: "0644", Content: b.ServiceAccount.Cert, Scope: all},
			File{Path: StagedPKIDir + "/sa.key", Mode: "0600", Content: b.ServiceAccount.Key, Scope: all},
		)
	}
	if p.ControlPlane {
		for _, f := range p.ControlPlaneFiles {
			fs = append(fs, File{Path: f.Path, Mode: f.Mode, Content: f.Content, Scope: ScopeControlPlanes})
		}
	}
	if p.KubeVIPPod {
		fs = append(fs, File{Path: StagedManifestsDir + "/kube-vip.yaml", Mode: "0600", Template: "kube-vip.yaml", Scope: ScopeControlPlanes,
			Data: &kubeVIPView{ClusterPlan: p.ClusterPlan, Kubeconfig: "/etc/kubernetes/admin.conf"}})
		if p.Init {
			fs = append(fs, File{Path: StagedManifestsDir + "/kube-vip.init.yaml", Mode: "0600", Template: "kube-vip.yaml",
				Data: &kubeVIPView{ClusterPlan: p.ClusterPlan, Kubeconfig: "/etc/kubernetes/super-admin.conf", SuperAdmin: true}})
		}
	}
	if p.Haproxy {
		scope := all
		if p.LB.Keepalived {
			scope = ScopeControlPlanes
		}
		fs = append(fs, File{Path: LBConfigDir + "/haproxy.cfg", Mode: "0644", Template: "haproxy.cfg", Scope: scope, Data: p.ClusterPlan})
	}
	if p.ControlPlane && p.LB.Keepalived {
		fs = append(fs,
			File{Path: LBConfigDir + "/keepalived.conf", Mode: "0644", Template: "keepalived.conf"},
			File{Path: LBConfigDir + "/check-apiserver.sh", Mode: "0755", Template: "check-apiserver.sh", Scope: ScopeControlPlanes, Data: p.ClusterPlan})
	}
	if p.Init {
		if a := p.CNICustom; a != nil && a.Content != "" {
			fs = append(fs, File{Path: a.File, Mode: "0600", Content: a.Content})
		}
		for _, a := range p.Addons {
			if a.Content != "" {
				// 0600: a manifest may hold a Secret.
				fs = append(fs, File{Path: a.File, Mode: "0600", Content: a.Content})
			}
		}
		fs = append(fs, File{Path: KubeadmConfigDir + "/init.yaml", Mode: "0600", Template: "kubeadm-init.yaml"})
	} else {
		fs = append(fs, File{Path: KubeadmConfigDir + "/join.yaml", Mode: "0600", Template: "kubeadm-join.yaml"})
	}
	fs = append(fs, File{Path: NodeEnvPath, Mode: "0644", Template: "node.env"})
	fs = append(fs, File{Path: p.Paths.Bootstrap, Mode: "0700", Template: "bootstrap.sh", Scope: ScopeKind})
	for i := range fs {
		f := &fs[i]
		if f.Template == "" || f.Scope == ScopeNode || f.Data != nil {
			continue
		}
		if f.Scope == all {
			f.Data = p.ClusterPlan
		} else {
			f.Data = &p.KindPlan
		}
	}
	return fs
}

// containerdDropIn replaces the ExecStart of an OS's own containerd unit (Flatcar's
// passes --config /usr/share/containerd/config.toml) with one that reads
// containerd's default, /etc/containerd/config.toml, where k8sgen puts its own.
// sysupdateDropIn has systemd-sysupdate update the Kubernetes sysext alone
// (Flatcar's OS updates are update_engine's), through the spec's proxy, then
// merge the new image and restart kubelet when the current image changed.
func sysupdateDropIn(p *NodePlan) string {
	proxy := ""
	if p.HTTPProxy != "" || p.HTTPSProxy != "" {
		proxy = "EnvironmentFile=" + ProxyUnitEnvPath + "\n"
	}
	return `# The Kubernetes sysext only; kubelet restarts on a new image. Written by k8sgen.
[Service]
` + proxy + `ExecStartPre=/bin/sh -c 'readlink /etc/extensions/kubernetes.raw > /run/k8sgen-kubernetes.raw || true'
ExecStart=
ExecStart=/usr/lib/systemd/systemd-sysupdate -C kubernetes update
ExecStartPost=/bin/sh -c '[ "$$(readlink /etc/extensions/kubernetes.raw)" = "$$(cat /run/k8sgen-kubernetes.raw)" ] || { systemctl restart systemd-sysext && systemctl try-restart kubelet; }'
`
}

const containerdDropIn = `# k8sgen: containerd reads /etc/containerd/config.toml (its default path).
[Service]
ExecStart=
ExecStart=/usr/bin/containerd
`

// containerdMode keeps registry passwords readable by root only.
func containerdMode(p *NodePlan) string {
	if len(p.RegistryAuth) > 0 {
		return "0600"
	}
	return "0644"
}
