package spec

import (
	"strings"
	"testing"
)

// pxeBase is two Fedora CoreOS nodes with MACs; bootMedia lines follow it
// (line 10 on).
const pxeBase = `name: pxe
kubernetesVersion: "1.33.0"
os: fcos
nodes:
  - {name: cp, role: control-plane, ip: 10.70.0.10, mac: "52:54:00:70:00:10"}
  - name: w1
    role: worker
    ip: 10.70.0.11
    mac: "52:54:00:70:00:11"
`

// pxeFiles are the live files Fedora CoreOS needs.
const pxeFiles = "kernel: http://m/k, initrd: [http://m/i], rootfs: http://m/r"

func TestPXEValid(t *testing.T) {
	for name, src := range map[string]string{
		"fcos":               pxeBase + "bootMedia:\n  pxe: {baseURL: http://10.70.0.1:8080, " + pxeFiles + "}\n",
		"flatcar defaults":   strings.Replace(pxeBase, "os: fcos", "os: flatcar", 1) + "bootMedia:\n  pxe: {baseURL: http://10.70.0.1:8080, installDevice: /dev/vda}\n",
		"flatcar mirror":     strings.Replace(pxeBase, "os: fcos", "os: flatcar", 1) + "bootMedia:\n  pxe: {baseURL: http://10.70.0.1:8080, kernel: http://m/k, initrd: [http://m/i], matchboxURL: http://h:8081}\n",
		"debian":             strings.Replace(pxeBase, "os: fcos", "os: debian-12", 1) + "bootMedia:\n  pxe: {baseURL: http://10.70.0.1:8080, kernel: http://m/k, initrd: [http://m/i], args: [root=/dev/vda, console=ttyS0]}\n",
		"ubuntu autoinstall": strings.Replace(pxeBase, "os: fcos", "os: ubuntu-24.04", 1) + "bootMedia:\n  pxe: {baseURL: http://10.70.0.1:8080, kernel: http://m/k, initrd: [http://m/i], iso: http://m/u.iso, installDevice: /dev/vda}\n",
		"fcos matchbox":      pxeBase + "bootMedia:\n  pxe:\n    baseURL: http://10.70.0.1:8080/\n    kernel: http://m/k\n    initrd: [http://m/i, http://m/j]\n    rootfs: http://m/r\n    installDevice: /dev/vda\n    args: [console=ttyS0]\n    matchboxURL: http://10.70.0.1:8081\n",
	} {
		t.Run(name, func(t *testing.T) {
			if errs := problemsOf(src).Errors(); len(errs) > 0 {
				t.Errorf("valid spec refused:\n%s", dump(errs))
			}
		})
	}
}

func TestPXERefusals(t *testing.T) {
	pxe := func(fields string) string { return pxeBase + "bootMedia:\n  pxe: {" + fields + "}\n" }
	for _, c := range []struct {
		name string
		src  string
		want []want
	}{
		{"cloud-init os needs its kernel and root", strings.Replace(pxe("baseURL: http://10.70.0.1:8080, matchboxURL: http://h:8081"), "os: fcos", "os: rocky-9", 1),
			[]want{
				{"bootMedia.pxe.kernel", 11, []string{"required"}},
				{"bootMedia.pxe.initrd", 11, []string{"no default initrd"}},
				{"bootMedia.pxe.matchboxURL", 11, []string{"matchbox serves Ignition", "NoCloud"}},
				{"bootMedia.pxe.args", 11, []string{"root="}},
			}},
		{"ubuntu needs its installer iso", strings.Replace(pxe("baseURL: http://10.70.0.1:8080, kernel: http://m/k, initrd: [http://m/i]"), "os: fcos", "os: ubuntu-24.04", 1),
			[]want{{"bootMedia.pxe.iso", 11, []string{"required"}}}},
		{"iso for another os", pxe("baseURL: http://10.70.0.1:8080, " + pxeFiles + ", iso: http://m/x.iso"),
			[]want{{"bootMedia.pxe.iso", 11, []string{"without an installer ISO"}}}},
		{"ubuntu's own autoinstall argument", strings.Replace(pxe("baseURL: http://10.70.0.1:8080, kernel: http://m/k, initrd: [http://m/i], iso: http://m/x.iso, args: [autoinstall]"), "os: fcos", "os: ubuntu-22.04", 1),
			[]want{{"bootMedia.pxe.args[0]", 11, []string{"override"}}}},
		{"command line iPXE would cut", strings.Replace(pxe("baseURL: http://10.70.0.1:8080, kernel: http://m/k, initrd: [http://m/i], args: [root=/dev/vda, x="+strings.Repeat("y", 1975)+"]"), "os: fcos", "os: debian-12", 1),
			[]want{{"bootMedia.pxe.args", 11, []string{"node cp's kernel command line would be 2049 bytes", "at most 2047"}}}},
		{"command line iPXE would cut, and more", strings.Replace(strings.Replace(pxe("baseURL: http://10.70.0.1:8080, kernel: http://m/k, initrd: [http://m/i], matchboxURL: http://m:1, args: [root=/dev/vda, x="+strings.Repeat("y", 1975)+"]"), "os: fcos", "os: debian-12", 1), "    mac: \"52:54:00:70:00:11\"\n", "", 1),
			[]want{
				{"bootMedia.pxe.args", 10, []string{"would be 2049 bytes"}},
				{"bootMedia.pxe.matchboxURL", 10, []string{"matchbox serves Ignition"}},
				{"nodes[1]", 6, []string{"w1 has no mac"}},
			}},
		{"cloud-init os with its own ds", strings.Replace(pxe("baseURL: http://10.70.0.1:8080, kernel: http://m/k, initrd: [http://m/i], args: [root=/dev/vda, ds=nocloud]"), "os: fcos", "os: debian-12", 1),
			[]want{{"bootMedia.pxe.args[1]", 11, []string{"override"}}}},
		{"flatcar has no live rootfs", strings.Replace(pxe("baseURL: http://10.70.0.1:8080, rootfs: http://m/r"), "os: fcos", "os: flatcar", 1),
			[]want{{"bootMedia.pxe.rootfs", 11, []string{"without a separate root"}}}},
		{"flatcar kernel without initrd", strings.Replace(pxe("baseURL: http://10.70.0.1:8080, kernel: http://m/k"), "os: fcos", "os: flatcar", 1),
			[]want{{"bootMedia.pxe", 11, []string{"both kernel and initrd"}}}},
		{"flatcar arm64 on amd64 defaults", strings.Replace(strings.Replace(pxe("baseURL: http://10.70.0.1:8080"), "os: fcos", "os: flatcar", 1), "    mac: \"52:54:00:70:00:11\"\n", "    mac: \"52:54:00:70:00:11\"\n    arch: arm64\n", 1),
			[]want{{"bootMedia.pxe.kernel", 12, []string{"amd64's and the nodes are arm64"}}}},
		{"flatcar's own argument", strings.Replace(pxe("baseURL: http://10.70.0.1:8080, args: [flatcar.first_boot=0]"), "os: fcos", "os: flatcar", 1),
			[]want{{"bootMedia.pxe.args[0]", 11, []string{"override"}}}},
		{"no base url", pxe(pxeFiles), []want{{"bootMedia.pxe.baseURL", 11, []string{"required"}}}},
		{"url with a dollar", pxe(`baseURL: "http://10.70.0.1:8080/$x", ` + pxeFiles), []want{{"bootMedia.pxe.baseURL", 11, []string{"iPXE script"}}}},
		{"not a url", pxe(`baseURL: "tftp://10.70.0.1/", ` + pxeFiles), []want{{"bootMedia.pxe.baseURL", 11, []string{"http(s) URL"}}}},
		{"query in the base url", pxe(`baseURL: "http://h/?x=1", ` + pxeFiles), []want{{"bootMedia.pxe.baseURL", 11, []string{"has a query"}}}},
		{"credentials", pxe(`baseURL: "http://bob:Hunter2@h/", ` + pxeFiles), []want{{"bootMedia.pxe.baseURL", 11, []string{"carries credentials", "bob:xxxxx@h"}}}},
		{"credentials in an initrd", pxe(`baseURL: "http://h/", kernel: http://m/k, initrd: ["http://m/i", "http://u:Hunter2@m/j"], rootfs: http://m/r`), []want{{"bootMedia.pxe.initrd[1]", 11, []string{"carries credentials"}}}},
		{"device with dot-dot", pxe("baseURL: http://a, " + pxeFiles + ", installDevice: /dev/../etc/x"), []want{{"bootMedia.pxe.installDevice", 11, []string{"device path"}}}},
		{"ubuntu device by id", strings.Replace(pxe("baseURL: http://a, kernel: http://m/k, initrd: [http://m/i], iso: http://m/u.iso, installDevice: /dev/disk/by-id/virtio-x"), "os: fcos", "os: ubuntu-24.04", 1),
			[]want{{"bootMedia.pxe.installDevice", 11, []string{"kernel name only"}}}},
		{"debian installs nowhere", strings.Replace(pxe("baseURL: http://a, kernel: http://m/k, initrd: [http://m/i], args: [root=/dev/vda], installDevice: /dev/vda"), "os: fcos", "os: debian-12", 1),
			[]want{{"bootMedia.pxe.installDevice", 11, []string{"already on the machine's disk"}}}},
		{"image mirror for fcos", pxe("baseURL: http://a, " + pxeFiles + ", imageMirror: http://m/flatcar"), []want{{"bootMedia.pxe.imageMirror", 11, []string{"downloads no disk image"}}}},
		{"image mirror with credentials", strings.Replace(pxe("baseURL: http://a, imageMirror: \"http://u:Hunter2@m/\""), "os: fcos", "os: flatcar", 1), []want{{"bootMedia.pxe.imageMirror", 11, []string{"carries credentials"}}}},
		{"matchbox id collision", strings.Replace(strings.Replace(pxe("baseURL: http://a, matchboxURL: http://m:8081"), "os: fcos", "os: flatcar", 1), "name: w1", "name: cp.installed", 1),
			[]want{{"nodes[1].name", 6, []string{"share matchbox's files"}}}},
		{"bad argument", pxe(`baseURL: http://h, ` + pxeFiles + `, args: ["a$b"]`), []want{{"bootMedia.pxe.args[0]", 11, []string{"one kernel argument"}}}},
		{"argument k8sgen sets", pxe(`baseURL: http://h, ` + pxeFiles + `, args: ["coreos.inst.install_dev=/dev/sdb"]`), []want{{"bootMedia.pxe.args[0]", 11, []string{"override"}}}},
		{"fcos needs its files", pxe("baseURL: http://10.70.0.1:8080"), []want{
			{"bootMedia.pxe.kernel", 11, []string{"required"}},
			{"bootMedia.pxe.initrd", 11, []string{"no default initrd"}},
			{"bootMedia.pxe.rootfs", 11, []string{"required"}},
		}},
		{"bad install device", pxe("baseURL: http://a, " + pxeFiles + ", installDevice: sda"), []want{{"bootMedia.pxe.installDevice", 11, []string{"device path"}}}},
		{"two architectures", strings.Replace(pxe("baseURL: http://a, "+pxeFiles), "    mac: \"52:54:00:70:00:11\"\n", "    mac: \"52:54:00:70:00:11\"\n    arch: arm64\n", 1),
			[]want{{"bootMedia.pxe", 12, []string{"2 architectures"}}}},
		{"reserved node name", strings.Replace(pxe("baseURL: http://a, "+pxeFiles), "name: w1", "name: matchbox", 1),
			[]want{{"nodes[1].name", 6, []string{"beside the nodes' directories"}}}},
		{"node without mac", strings.Replace(pxe("baseURL: http://10.70.0.1:8080, "+pxeFiles), "    mac: \"52:54:00:70:00:11\"\n", "", 1),
			[]want{{"nodes[1]", 6, []string{"w1 has no mac"}}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			expect(t, problemsOf(c.src), true, c.want...)
		})
	}
}
