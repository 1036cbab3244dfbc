// Package profiles holds one data file per operating system: how it installs
// packages, which services it runs, where its files live.
package profiles

import (
	"bytes"
	"embed"
	"fmt"
	"slices"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

//go:embed *.yaml
var files embed.FS

// Profile describes one operating system release.
type Profile struct {
	// Extends names the profile this one overrides field by field.
	Extends string `yaml:"extends"`
	Name    string `yaml:"name"`
	// PackageManager selects the package partial of the templates: apt or dnf.
	PackageManager string `yaml:"packageManager"`
	// Codename is the release codename apt repositories are keyed by.
	Codename string `yaml:"codename"`
	// ELRelease is the Enterprise Linux release a dnf OS is compatible with
	// (8, 9): the "elN" of the .rpm packages built for it, and the directory of
	// Docker's CentOS repository it uses (dnf's $releasever is no EL release on
	// TencentOS: 3.1).
	ELRelease int `yaml:"elRelease"`
	// Kernel is the distribution kernel's series where it matters (4.18 lacks
	// nothing k8sgen loads but still has nf_conntrack_ipv4).
	Kernel string `yaml:"kernel"`
	// CgroupV1 says the OS boots cgroup v1, which kubelet refuses from 1.35.
	CgroupV1 bool `yaml:"cgroupV1"`
	// FirewallServices are systemd units stopped and disabled at boot.
	FirewallServices []string `yaml:"firewallServices"`
	// PrereqPackages are installed before anything is downloaded.
	PrereqPackages []string `yaml:"prereqPackages"`
	Chrony         Chrony   `yaml:"chrony"`
	// IPVSPackages are installed when kube-proxy runs in ipvs mode.
	IPVSPackages []string   `yaml:"ipvsPackages"`
	Containerd   Containerd `yaml:"containerd"`
	// DockerPackages are installed for runtime docker (from the same repository as containerd.io).
	DockerPackages []string `yaml:"dockerPackages"`
	// RemovePackages conflict with the container runtime and are removed if present.
	RemovePackages []string `yaml:"removePackages"`
	// SELinux says the OS enforces SELinux; k8sgen makes it permissive.
	SELinux bool `yaml:"selinux"`
	// Runtimes are the container runtimes k8sgen can install on this OS.
	Runtimes []string `yaml:"runtimes"`
	// Install is how Kubernetes arrives: packages (the package manager, from
	// pkgs.k8s.io or a mirror), sysext (a systemd-sysext image, on an OS whose
	// /usr is read-only and that has no package manager) or binaries (release
	// binaries of Kubernetes, containerd, runc and the CNI plugins, checked
	// against their digests, in writable directories).
	Install string `yaml:"install"`
	// TimeSync is the time daemon: chrony (installed) or timesyncd (shipped).
	TimeSync string `yaml:"timeSync"`
	// BinDir holds the bootstrap script.
	BinDir string `yaml:"binDir"`
	// Output is the first-boot format: cloud-init (user-data) or ignition (config.ign).
	Output string `yaml:"output"`
	// Butane is the Butane variant and version the Ignition config is written in.
	Butane Butane `yaml:"butane"`
	// LoginUser receives sshAuthorizedKeys where k8sgen names the user (Ignition).
	LoginUser string `yaml:"loginUser"`
	// MaskUnits are masked at first boot: they would reboot a node on their own.
	MaskUnits []string `yaml:"maskUnits"`
	// PXE is how the OS boots from the network (nil: k8sgen writes no network
	// boot for it).
	PXE *PXE `yaml:"pxe"`
	// VolumePluginDir moves kubelet's FlexVolume directory where /usr is read-only.
	VolumePluginDir string `yaml:"volumePluginDir"`
	// LacksTools are tools kubeadm or the bootstrap use that the image does not
	// ship and no package brings: crictl, conntrack.
	LacksTools []string `yaml:"lacksTools"`
	// AdminGroup is the group whose members may use sudo (debugUser joins it).
	AdminGroup string `yaml:"adminGroup"`
}

// Butane names a Butane variant and version (each gives one Ignition spec version).
// PXE is an OS's network boot. In the arguments {config} is the URL of the
// node's Ignition config, {nocloud} that of its directory (cloud-init's
// NoCloud seed), {autoinstall} that of its autoinstall directory, {iso}
// bootMedia.pxe.iso, {installer} that of its installer config,
// {rootfs} bootMedia.pxe.rootfs and {installDevice} the disk to install to.
type PXE struct {
	// Kernel and Initrd are the default URLs ("": the spec must give them).
	Kernel string   `yaml:"kernel"`
	Initrd []string `yaml:"initrd"`
	// Rootfs says the OS needs bootMedia.pxe.rootfs (a live root file system).
	Rootfs bool `yaml:"rootfs"`
	// Args are the kernel arguments the OS needs.
	Args []string `yaml:"args"`
	// ISO says the OS needs bootMedia.pxe.iso (the installer's ISO, {iso}).
	ISO bool `yaml:"iso"`
	// Autoinstall says the live system is Ubuntu's installer, which reads an
	// autoinstall config from the node's autoinstall/ directory ({autoinstall})
	// and hands the installed system the node's user-data.
	Autoinstall bool `yaml:"autoinstall"`
	// NetworkConfigArg puts a node's network-config on the kernel command
	// line (network-config=, base64 of its gzip), where cloud-init reads it
	// before any datasource: a NoCloud URL gives no network-config to
	// cloud-init before 24.3.
	NetworkConfigArg bool `yaml:"networkConfigArg"`
	// InstallDeviceByName says the installer finds installDevice by its
	// kernel name only (/dev/vda; not /dev/disk/by-id/...).
	InstallDeviceByName bool `yaml:"installDeviceByName"`
	// MirrorArgs are more installCommand arguments when the spec names a
	// mirror of the OS's disk images ({imageMirror}).
	MirrorArgs []string `yaml:"mirrorArgs"`
	// RequireArgs are the prefixes of arguments the spec must give (root=:
	// the kernel mounts the OS from the machine's disk).
	RequireArgs []string `yaml:"requireArgs"`
	// InstallCommand, when the live system does not install itself, copies
	// the OS to disk: the live system boots an installer config that fetches
	// the node's config to {configFile}, runs this command and reboots.
	InstallCommand []string `yaml:"installCommand"`
}

// Installs reports that the network boot installs the OS to a disk
// ({installDevice}), rather than running it from memory.
func (p *PXE) Installs() bool {
	if p.Autoinstall {
		return true
	}
	for _, a := range append(slices.Clip(p.Args), p.InstallCommand...) {
		if strings.Contains(a, "{installDevice}") {
			return true
		}
	}
	return false
}

type Butane struct {
	Variant string `yaml:"variant"`
	Version string `yaml:"version"`
}

// Chrony locates the time daemon.
type Chrony struct {
	Package   string `yaml:"package"`
	Service   string `yaml:"service"`
	Config    string `yaml:"config"`
	Driftfile string `yaml:"driftfile"`
}

// Containerd says where the runtime package comes from.
type Containerd struct {
	Package string `yaml:"package"`
	// Repo is the base URL of Docker's package repository for this distribution.
	Repo string `yaml:"repo"`
	// Key is the URL of the repository's signing key.
	Key string `yaml:"key"`
	// Builtin says the OS ships containerd: k8sgen installs only its configuration.
	Builtin bool `yaml:"builtin"`
	// ConfigVersion fixes config.toml's version where the OS, not the Kubernetes
	// release, picks containerd's (0: by the release's containerd series).
	ConfigVersion int `yaml:"configVersion"`
	// Series fixes the containerd.io series installed where the OS's
	// repository has no other ("": the Kubernetes release's series).
	Series string `yaml:"series"`
}

// Profiles are decoded when first asked for: a render needs one of them.
var (
	mu     sync.Mutex
	loaded = map[string]*Profile{}
)

// resolve decodes a profile over the one it extends.
func resolve(name string, depth int) (*Profile, error) {
	data, err := files.ReadFile(name + ".yaml")
	if err != nil || depth > 8 {
		return nil, fmt.Errorf("profile %q not found", name)
	}
	var head struct {
		Extends string `yaml:"extends"`
	}
	if err := yaml.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("profile %s: %w", name, err)
	}
	p := &Profile{}
	if head.Extends != "" {
		base, err := resolve(head.Extends, depth+1)
		if err != nil {
			return nil, fmt.Errorf("profile %s: %w", name, err)
		}
		*p = *base
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(p); err != nil {
		return nil, fmt.Errorf("profile %s: %w", name, err)
	}
	return p, nil
}

// Get returns the named profile.
func Get(name string) (*Profile, error) {
	mu.Lock()
	defer mu.Unlock()
	if p, ok := loaded[name]; ok {
		return p, nil
	}
	names := Names()
	if !slices.Contains(names, name) {
		return nil, fmt.Errorf("unknown os %q (supported: %s)", name, strings.Join(names, ", "))
	}
	p, err := resolve(name, 0)
	if err != nil {
		return nil, err
	}
	if p.Name != name {
		return nil, fmt.Errorf("profile %s.yaml names itself %q", name, p.Name)
	}
	loaded[name] = p
	return p, nil
}

// Names lists the selectable profiles, sorted.
func Names() []string {
	entries, _ := files.ReadDir(".")
	var out []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok && !strings.HasPrefix(n, "_") {
			out = append(out, n)
		}
	}
	return out
}
