package spec

import (
	"strings"
	"testing"
)

// pxeBase is two Flatcar nodes with MACs; bootMedia lines follow it (line 10 on).
const pxeBase = `name: pxe
kubernetesVersion: "1.33.0"
os: flatcar
nodes:
  - {name: cp, role: control-plane, ip: 10.70.0.10, mac: "52:54:00:70:00:10"}
  - name: w1
    role: worker
    ip: 10.70.0.11
    mac: "52:54:00:70:00:11"
`

func TestPXEValid(t *testing.T) {
	for name, src := range map[string]string{
		"flatcar defaults": pxeBase + "bootMedia:\n  pxe: {baseURL: http://10.70.0.1:8080}\n",
		"flatcar mirror":   pxeBase + "bootMedia:\n  pxe:\n    baseURL: http://10.70.0.1:8080/\n    kernel: http://mirror/flatcar.vmlinuz\n    initrd: [http://mirror/flatcar.cpio.gz]\n    args: [console=ttyS0, flatcar.autologin]\n    matchboxURL: http://10.70.0.1:8081\n",
		"fcos":             strings.Replace(pxeBase, "os: flatcar", "os: fcos", 1) + "bootMedia:\n  pxe:\n    baseURL: http://10.70.0.1:8080\n    kernel: http://m/k\n    initrd: [http://m/i]\n    rootfs: http://m/r\n    installDevice: /dev/vda\n",
	} {
		t.Run(name, func(t *testing.T) {
			if errs := problemsOf(src).Errors(); len(errs) > 0 {
				t.Errorf("valid spec refused:\n%s", dump(errs))
			}
		})
	}
}

func TestPXERefusals(t *testing.T) {
	fcos := strings.Replace(pxeBase, "os: flatcar", "os: fcos", 1)
	for _, c := range []struct {
		name string
		src  string
		want []want
	}{
		{"cloud-init os", strings.Replace(pxeBase, "os: flatcar", "os: ubuntu-24.04", 1) + "bootMedia:\n  pxe: {baseURL: http://10.70.0.1:8080}\n",
			[]want{{"bootMedia.pxe", 11, []string{"flatcar and fcos", "seed.iso"}}}},
		{"no base url", pxeBase + "bootMedia:\n  pxe: {args: [console=ttyS0]}\n", []want{{"bootMedia.pxe.baseURL", 11, []string{"required"}}}},
		{"url with a dollar", pxeBase + "bootMedia:\n  pxe: {baseURL: \"http://10.70.0.1:8080/$x\"}\n", []want{{"bootMedia.pxe.baseURL", 11, []string{"iPXE script"}}}},
		{"not a url", pxeBase + "bootMedia:\n  pxe: {baseURL: \"tftp://10.70.0.1/\"}\n", []want{{"bootMedia.pxe.baseURL", 11, []string{"http(s) URL"}}}},
		{"bad argument", pxeBase + "bootMedia:\n  pxe:\n    baseURL: http://10.70.0.1:8080\n    args: [\"a$b\"]\n", []want{{"bootMedia.pxe.args[0]", 13, []string{"one kernel argument"}}}},
		{"rootfs on flatcar", pxeBase + "bootMedia:\n  pxe: {baseURL: http://10.70.0.1:8080, rootfs: http://m/r}\n", []want{{"bootMedia.pxe.rootfs", 11, []string{"without a separate root"}}}},
		{"fcos needs its files", fcos + "bootMedia:\n  pxe: {baseURL: http://10.70.0.1:8080}\n", []want{
			{"bootMedia.pxe.kernel", 11, []string{"required"}},
			{"bootMedia.pxe.initrd", 11, []string{"no default initrd"}},
			{"bootMedia.pxe.rootfs", 11, []string{"required"}},
		}},
		{"bad install device", fcos + "bootMedia:\n  pxe: {baseURL: http://a, kernel: http://m/k, initrd: [http://m/i], rootfs: http://m/r, installDevice: sda}\n",
			[]want{{"bootMedia.pxe.installDevice", 11, []string{"device path"}}}},
		{"node without mac", strings.Replace(pxeBase, "    mac: \"52:54:00:70:00:11\"\n", "", 1) + "bootMedia:\n  pxe: {baseURL: http://10.70.0.1:8080}\n",
			[]want{{"nodes[1]", 6, []string{"w1 has no mac"}}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			expect(t, problemsOf(c.src), true, c.want...)
		})
	}
}
