package spec

import (
	"fmt"
	neturl "net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/k8sgen/k8sgen/profiles"
)

var (
	// pxeArgRE is one kernel argument in an iPXE script and a matchbox
	// profile: no space, quote, '$' (iPXE expands ${...}) or '#'.
	pxeArgRE = regexp.MustCompile(`^[A-Za-z0-9._:/=,+@%-]+$`)
	// pxeDeviceRE is a disk to install to; pxeDeviceNameRE one by its kernel name.
	pxeDeviceRE     = regexp.MustCompile(`^/dev/[A-Za-z0-9._:/-]+$`)
	pxeDeviceNameRE = regexp.MustCompile(`^/dev/[a-z][a-z0-9]*$`)
)

// ownPXEArg reports a kernel argument that k8sgen's network boot sets.
func ownPXEArg(a string) bool {
	for _, p := range []string{"initrd=", "ignition.", "coreos.inst.", "coreos.live.", "flatcar.first_boot", "ds=", "autoinstall", "url=", "cloud-config-url="} {
		if strings.HasPrefix(a, p) {
			return true
		}
	}
	return false
}

// maxPXEArgs bounds bootMedia.pxe.args.
const maxPXEArgs = 32

// pxe checks bootMedia.pxe: the OS has a network boot, every URL is one an
// iPXE script can hold, the OS's required files are given, and every node
// has the MAC address that picks its script.
func (v *validator) pxe(c *Cluster) {
	x := c.BootMedia.PXE
	if x == nil {
		return
	}
	prof, err := profiles.Get(c.OS)
	if err != nil {
		return // reported at os
	}
	if prof.PXE == nil {
		v.errorf("bootMedia.pxe", "k8sgen writes no network boot for %s", c.OS)
		return
	}
	// A URL is quoted in a message only once it is known to hold no
	// credentials, which would otherwise reach terminals and CI logs.
	url := func(path, s string, required bool) {
		u, err := neturl.Parse(s)
		switch {
		case s == "" && required:
			v.errorf(path, "%s", errRequired)
		case s == "":
		case err == nil && u.User != nil:
			v.errorf(path, "carries credentials (%s), which would go into unauthenticated boot files and kernel command lines", u.Redacted())
		case !isURL(s):
			v.errorf(path, "%q must be an http(s) URL", s)
		case strings.ContainsAny(s, "$'\"#;!{}\\"):
			v.errorf(path, "%q holds a character an iPXE script reads otherwise ($ { } quotes # ; ! or a backslash); percent-encode it", s)
		}
	}
	url("bootMedia.pxe.baseURL", x.BaseURL, true)
	// The base URLs get paths appended and go to unauthenticated boot files.
	for _, b := range []struct{ path, url string }{{"bootMedia.pxe.baseURL", x.BaseURL}, {"bootMedia.pxe.matchboxURL", x.MatchboxURL}, {"bootMedia.pxe.imageMirror", x.ImageMirror}} {
		if u, err := neturl.Parse(b.url); err == nil && u.User == nil && (u.RawQuery != "" || u.ForceQuery) {
			v.errorf(b.path, "%q has a query: k8sgen appends paths to it; give the server's base URL", b.url)
		}
	}
	if len(prof.PXE.MirrorArgs) > 0 {
		url("bootMedia.pxe.imageMirror", x.ImageMirror, false)
	} else if x.ImageMirror != "" {
		v.errorf("bootMedia.pxe.imageMirror", "%s's installer downloads no disk image", c.OS)
	}
	if arches := c.NodeArches(); len(arches) > 1 && (x.Kernel != "" || len(x.Initrd) > 0 || x.Rootfs != "" || x.ISO != "") {
		v.errorf("bootMedia.pxe", "the nodes are of %d architectures, but bootMedia.pxe gives one kernel, initrd and rootfs for all; boot one architecture per cluster spec from the network", len(arches))
	}
	for i, n := range c.Nodes {
		if n.Name == "boot.ipxe" || n.Name == "matchbox" {
			v.errorf(fmt.Sprintf("nodes[%d].name", i), "%q is the name of a file or directory bootMedia.pxe writes beside the nodes' directories", n.Name)
		}
	}
	url("bootMedia.pxe.kernel", x.Kernel, prof.PXE.Kernel == "")
	if x.Kernel == "" && prof.PXE.Kernel != "" {
		// The profile's default files are amd64's.
		for _, a := range c.NodeArches() {
			if a != "amd64" {
				v.errorf("bootMedia.pxe.kernel", "%s: the default kernel and initrd are amd64's and the nodes are %s; give that architecture's URLs (kernel and initrd)", errRequired, a)
			}
		}
	}
	if (x.Kernel == "") != (len(x.Initrd) == 0) && prof.PXE.Kernel != "" {
		v.errorf("bootMedia.pxe", "give both kernel and initrd or neither: a kernel and an initrd from different releases do not boot together")
	}
	if len(x.Initrd) == 0 && len(prof.PXE.Initrd) == 0 {
		v.errorf("bootMedia.pxe.initrd", "%s: %s has no default initrd; give its URLs", errRequired, c.OS)
	}
	for i, s := range x.Initrd {
		url(fmt.Sprintf("bootMedia.pxe.initrd[%d]", i), s, true)
	}
	if prof.PXE.ISO {
		url("bootMedia.pxe.iso", x.ISO, true)
	} else if x.ISO != "" {
		v.errorf("bootMedia.pxe.iso", "%s boots without an installer ISO", c.OS)
	}
	if prof.PXE.Rootfs {
		url("bootMedia.pxe.rootfs", x.Rootfs, true)
	} else if x.Rootfs != "" {
		v.errorf("bootMedia.pxe.rootfs", "%s boots without a separate root file system", c.OS)
	}
	if x.InstallDevice != "" {
		switch {
		case !prof.PXE.Installs():
			v.errorf("bootMedia.pxe.installDevice", "%s boots the OS already on the machine's disk; it installs to none", c.OS)
		case prof.PXE.InstallDeviceByName && !pxeDeviceNameRE.MatchString(x.InstallDevice):
			v.errorf("bootMedia.pxe.installDevice", "%q: %s's installer finds the disk by its kernel name only, such as /dev/vda or /dev/nvme0n1", x.InstallDevice, c.OS)
		case !pxeDeviceRE.MatchString(x.InstallDevice) || slices.Contains(strings.Split(x.InstallDevice, "/"), ".."):
			v.errorf("bootMedia.pxe.installDevice", "%q is not a device path such as /dev/sda or /dev/disk/by-path/...", x.InstallDevice)
		}
	}
	// matchbox names an installed system's files <cluster>.<node>.installed.
	if x.MatchboxURL != "" && len(prof.PXE.InstallCommand) > 0 {
		names := map[string]bool{}
		for _, n := range c.Nodes {
			names[n.Name] = true
		}
		for i, n := range c.Nodes {
			if base, ok := strings.CutSuffix(n.Name, ".installed"); ok && names[base] {
				v.errorf(fmt.Sprintf("nodes[%d].name", i), "%q would share matchbox's files with node %s's installed system (%s.installed); rename it", n.Name, base, base)
			}
		}
	}
	if len(x.Args) > maxPXEArgs {
		v.errorf("bootMedia.pxe.args", "%d arguments: give at most %d", len(x.Args), maxPXEArgs)
	} else {
		for i, a := range x.Args {
			switch {
			case !pxeArgRE.MatchString(a):
				v.errorf(fmt.Sprintf("bootMedia.pxe.args[%d]", i), "%q is not one kernel argument: letters, digits and . _ : / = , + @ %% -, no space, quote or $", a)
			case ownPXEArg(a):
				v.errorf(fmt.Sprintf("bootMedia.pxe.args[%d]", i), "%q would override an argument k8sgen sets itself (the initrds, Ignition's config URL, the live image and the installer)", a)
			}
		}
	}
	url("bootMedia.pxe.matchboxURL", x.MatchboxURL, false)
	// Only the node's name differs from node to node: the longest name gives
	// the longest command line. A static node's network-config, added at
	// render, is checked there.
	if longest := longestName(c.Nodes); longest != nil && len(x.Args) <= maxPXEArgs {
		for _, mbx := range []bool{false, x.MatchboxURL != ""} {
			if n := CmdlineLen(c.PXEArgs(longest, prof.PXE, mbx)); n > MaxKernelCmdline {
				v.errorf("bootMedia.pxe.args", "node %s's kernel command line would be %d bytes, and iPXE passes Linux at most %d: shorten the URLs, the node's name or args", longest.Name, n, MaxKernelCmdline)
				break
			}
		}
	}
	if x.MatchboxURL != "" && prof.Output != "ignition" {
		v.errorf("bootMedia.pxe.matchboxURL", "matchbox serves Ignition configs, and %s reads cloud-init's NoCloud data: its nodes fetch it from baseURL (k8sgen serve), with boot.ipxe", c.OS)
	}
	for _, need := range prof.PXE.RequireArgs {
		if !slices.ContainsFunc(x.Args, func(a string) bool { return strings.HasPrefix(a, need) }) {
			v.errorf("bootMedia.pxe.args", "%s: %s boots the OS already on the machine's disk; say where its root file system is with %s (root=/dev/vda1, root=LABEL=...)", errRequired, c.OS, need)
		}
	}
	for i := range c.Nodes {
		if c.Nodes[i].MAC == "" {
			v.errorf(fmt.Sprintf("nodes[%d]", i), "node %s has no mac: bootMedia.pxe picks each machine's script by its MAC address", c.Nodes[i].Name)
		}
	}
}

// The layout of a node's network boot files under bootMedia.pxe.baseURL.
const (
	// PXEInstallConfig is the installer config in a node's directory.
	PXEInstallConfig = "install.ign"
	// PXEAutoinstallDir holds Ubuntu's installer data in a node's directory.
	PXEAutoinstallDir = "autoinstall"
	// PXEConfigFile is where an installer config puts the node's config on
	// the live system (Flatcar's /opt is writable and, there, in memory).
	PXEConfigFile = "/opt/k8sgen/install/config.ign"
	// MatchboxConfigPath is a node's first-boot config at a matchbox server
	// (iPXE puts the machine's MAC address in).
	MatchboxConfigPath = "/ignition?mac=${mac:hexhyp}"
)

// PXEDevice is the disk a network boot installs to.
func (x *PXE) PXEDevice() string {
	if x.InstallDevice == "" {
		return "/dev/sda"
	}
	return x.InstallDevice
}

// PXENodeURL is the URL of node n's directory under baseURL, with its
// trailing slash (cloud-init appends file names to a NoCloud URL as is).
func (c *Cluster) PXENodeURL(n *Node) string {
	return strings.TrimRight(c.BootMedia.PXE.BaseURL, "/") + "/" + n.Name + "/"
}

// PXEFill fills the placeholders of an OS profile's network boot data for
// node n: config and installer are the URLs of its first-boot config and
// installer config, as the boot fetches them (from baseURL or matchbox).
func (c *Cluster) PXEFill(s string, n *Node, config, installer string) string {
	x := c.BootMedia.PXE
	dir := c.PXENodeURL(n)
	return strings.NewReplacer("{config}", config, "{installer}", installer, "{nocloud}", dir,
		"{autoinstall}", dir+PXEAutoinstallDir+"/", "{iso}", x.ISO, "{rootfs}", x.Rootfs,
		"{imageMirror}", strings.TrimRight(x.ImageMirror, "/"), "{installDevice}", x.PXEDevice(),
		"{configFile}", PXEConfigFile).Replace(s)
}

// PXEArgs is node n's kernel command line from the network, before any
// network-config k8sgen adds: the initrds' names (initrd0, ...: UEFI's iPXE
// hands the kernel its initrds by these), the profile's arguments and the
// spec's. With matchbox, the configs come from the matchbox server.
func (c *Cluster) PXEArgs(n *Node, prof *profiles.PXE, matchbox bool) []string {
	x := c.BootMedia.PXE
	initrds := len(x.Initrd)
	if initrds == 0 {
		initrds = len(prof.Initrd)
	}
	dir := c.PXENodeURL(n)
	config, installer := dir+"config.ign", dir+PXEInstallConfig
	if matchbox {
		config = strings.TrimRight(x.MatchboxURL, "/") + MatchboxConfigPath
		installer = config
	}
	out := make([]string, 0, initrds+len(prof.Args)+len(x.Args))
	for i := range initrds {
		out = append(out, fmt.Sprintf("initrd=initrd%d", i))
	}
	for _, a := range prof.Args {
		out = append(out, c.PXEFill(a, n, config, installer))
	}
	return append(out, x.Args...)
}

// MaxKernelCmdline is the longest kernel command line iPXE hands Linux on
// x86 (the boot protocol's cmdline_size, 2048 with the final NUL): iPXE cuts
// a longer one without a word.
const MaxKernelCmdline = 2047

// CmdlineLen is the length of a kernel command line of args.
func CmdlineLen(args []string) int {
	n := len(args) - 1
	for _, a := range args {
		n += len(a)
	}
	return max(n, 0)
}

// longestName is the node with the longest name (the first of equals).
func longestName(nodes []Node) *Node {
	var out *Node
	for i := range nodes {
		if out == nil || len(nodes[i].Name) > len(out.Name) {
			out = &nodes[i]
		}
	}
	return out
}
