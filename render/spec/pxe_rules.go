package spec

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/k8sgen/k8sgen/profiles"
)

var (
	// pxeArgRE is one kernel argument in an iPXE script and a matchbox
	// profile: no space, quote, '$' (iPXE expands ${...}) or '#'.
	pxeArgRE = regexp.MustCompile(`^[A-Za-z0-9._:/=,+@%-]+$`)
	// pxeDeviceRE is a disk to install to.
	pxeDeviceRE = regexp.MustCompile(`^/dev/[A-Za-z0-9._/-]+$`)
)

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
		v.errorf("bootMedia.pxe", "k8sgen writes network boot for flatcar and fcos; %s reads NoCloud: attach each node's seed.iso (bootMedia.seedISO) or point its kernel at k8sgen serve (ds=nocloud;s=URL)", c.OS)
		return
	}
	url := func(path, s string, required bool) {
		switch {
		case s == "" && required:
			v.errorf(path, "%s", errRequired)
		case s != "" && !isURL(s):
			v.errorf(path, "%q must be an http(s) URL", s)
		case s != "" && strings.ContainsAny(s, "$'\"#;!{}\\"):
			v.errorf(path, "%q holds a character an iPXE script reads otherwise ($ { } quotes # ; ! or a backslash); percent-encode it", s)
		}
	}
	url("bootMedia.pxe.baseURL", x.BaseURL, true)
	url("bootMedia.pxe.kernel", x.Kernel, prof.PXE.Kernel == "")
	if len(x.Initrd) == 0 && len(prof.PXE.Initrd) == 0 {
		v.errorf("bootMedia.pxe.initrd", "%s: %s has no default initrd; give its URLs", errRequired, c.OS)
	}
	for i, s := range x.Initrd {
		url(fmt.Sprintf("bootMedia.pxe.initrd[%d]", i), s, true)
	}
	if prof.PXE.Rootfs {
		url("bootMedia.pxe.rootfs", x.Rootfs, true)
	} else if x.Rootfs != "" {
		v.errorf("bootMedia.pxe.rootfs", "%s boots without a separate root file system", c.OS)
	}
	if x.InstallDevice != "" {
		if !prof.PXE.Rootfs {
			v.errorf("bootMedia.pxe.installDevice", "%s runs from memory when booted from the network; it installs to no disk", c.OS)
		} else if !pxeDeviceRE.MatchString(x.InstallDevice) {
			v.errorf("bootMedia.pxe.installDevice", "%q is not a device path such as /dev/sda", x.InstallDevice)
		}
	}
	if len(x.Args) > maxPXEArgs {
		v.errorf("bootMedia.pxe.args", "%d arguments: give at most %d", len(x.Args), maxPXEArgs)
	} else {
		for i, a := range x.Args {
			if !pxeArgRE.MatchString(a) {
				v.errorf(fmt.Sprintf("bootMedia.pxe.args[%d]", i), "%q is not one kernel argument: letters, digits and . _ : / = , + @ %% -, no space, quote or $", a)
			}
		}
	}
	url("bootMedia.pxe.matchboxURL", x.MatchboxURL, false)
	for i := range c.Nodes {
		if c.Nodes[i].MAC == "" {
			v.errorf(fmt.Sprintf("nodes[%d]", i), "node %s has no mac: bootMedia.pxe picks each machine's script by its MAC address", c.Nodes[i].Name)
		}
	}
}
