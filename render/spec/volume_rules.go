package spec

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// PathTypes are the hostPath types a volume may check.
var PathTypes = []string{"DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"}

// kubeadmVolumes are the names of the volumes kubeadm itself gives the
// control-plane static pods; another volume of that name would replace one.
var kubeadmVolumes = []string{"k8s-certs", "ca-certs", "kubeconfig", "flexvolume-dir", "etc-pki",
	"etc-ca-certificates", "usr-share-ca-certificates", "usr-local-share-ca-certificates", "etcd-data", "etcd-certs"}

// Bounds of the lists; a real control plane uses a handful.
const (
	maxExtraVolumes      = 20
	maxControlPlaneFiles = 20
)

// fileModes are the modes a control-plane file may have: readable by root, or
// by everyone, never writable by others or executable.
var fileModes = []string{"0600", "0640", "0644", "0400", "0440", "0444"}

// volumes checks components.*.extraVolumes.
func (v *validator) volumes(c *Cluster) {
	for _, name := range ComponentNames {
		vols := c.Components.ByName(name).ExtraVolumes
		base := "components." + name + ".extraVolumes"
		if len(vols) == 0 {
			continue
		}
		if name == "etcd" || name == "kubelet" {
			v.errorf(base, "kubeadm mounts volumes only into kube-apiserver, kube-controller-manager and kube-scheduler")
			continue
		}
		if len(vols) > maxExtraVolumes {
			v.errorf(base, "%d volumes: at most %d", len(vols), maxExtraVolumes)
			continue
		}
		names, mounts := map[string]int{}, map[string]int{}
		for i, vol := range vols {
			p := fmt.Sprintf("%s[%d]", base, i)
			if v.required(p+".name", vol.Name) {
				switch {
				case !isRFC1123Label(vol.Name):
					v.errorf(p+".name", "%q is not a volume name: a lowercase RFC 1123 label such as audit-policy", vol.Name)
				case slices.Contains(kubeadmVolumes, vol.Name):
					v.errorf(p+".name", "%s is a volume kubeadm gives the static pod itself; pick another name", vol.Name)
				default:
					if prev, dup := names[vol.Name]; dup {
						v.errorf(p+".name", "%s is already %s[%d]", vol.Name, base, prev)
					}
					names[vol.Name] = i
				}
			}
			if v.required(p+".hostPath", vol.HostPath) {
				v.absPath(p+".hostPath", vol.HostPath)
			}
			if v.required(p+".mountPath", vol.MountPath) && v.absPath(p+".mountPath", vol.MountPath) {
				for _, d := range []string{"/etc/kubernetes/pki", "/etc/ssl/certs", "/etc/pki", "/etc/ca-certificates",
					"/usr/share/ca-certificates", "/usr/local/share/ca-certificates", "/etc/kubernetes/controller-manager.conf",
					"/etc/kubernetes/scheduler.conf", "/var/lib/etcd", "/usr/libexec/kubernetes/kubelet-plugins/volume/exec", "/"} {
					if vol.MountPath == d || d != "/" && strings.HasPrefix(d, vol.MountPath+"/") {
						v.errorf(p+".mountPath", "%s would hide %s, which kubeadm mounts into the pod", vol.MountPath, d)
						break
					}
					if d != "/" && strings.HasPrefix(vol.MountPath, d+"/") {
						v.errorf(p+".mountPath", "%s lies inside %s, which kubeadm mounts into the pod (read-only); the container would not start", vol.MountPath, d)
						break
					}
				}
				if prev, dup := mounts[vol.MountPath]; dup {
					v.errorf(p+".mountPath", "%s is already the mount path of %s[%d]", vol.MountPath, base, prev)
				}
				mounts[vol.MountPath] = i
			}
			if vol.PathType != "" && !slices.Contains(PathTypes, vol.PathType) {
				v.errorf(p+".pathType", "%q is not a hostPath type: use %s, or leave it out", vol.PathType, strings.Join(PathTypes, ", "))
			}
		}
	}
}

// absPath checks an absolute, clean path that needs no quoting in a pod spec's
// YAML or on a command line.
func (v *validator) absPath(p, s string) bool {
	switch {
	case !strings.HasPrefix(s, "/"):
		v.errorf(p, "%q is not an absolute path", s)
	case path.Clean(s) != s:
		v.errorf(p, "%q is not a clean path; write %s", s, path.Clean(s))
	case strings.ContainsAny(s, ":,*?[]\\\"'$`"):
		v.errorf(p, "%q: a path here holds no ':', ',', quote, '$', backslash or glob character", s)
	default:
		return true
	}
	return false
}

// controlPlaneFiles checks the files every control plane gets: under
// /etc/kubernetes, outside what kubeadm and k8sgen write there.
func (v *validator) controlPlaneFiles(c *Cluster) {
	if len(c.ControlPlaneFiles) > maxControlPlaneFiles {
		v.errorf("controlPlaneFiles", "%d files: at most %d", len(c.ControlPlaneFiles), maxControlPlaneFiles)
		return
	}
	seen := map[string]int{}
	for i, f := range c.ControlPlaneFiles {
		p := fmt.Sprintf("controlPlaneFiles[%d]", i)
		if v.required(p+".path", f.Path) && v.absPath(p+".path", f.Path) {
			rest, under := strings.CutPrefix(f.Path, "/etc/kubernetes/")
			top, _, inDir := strings.Cut(rest, "/")
			switch {
			case !under:
				v.errorf(p+".path", "%s is outside /etc/kubernetes/; the files for the control plane's pods go there (mounted with extraVolumes)", f.Path)
			case top == "pki" || top == "manifests" || top == "tmp" || top == "k8sgen":
				v.errorf(p+".path", "%s is inside /etc/kubernetes/%s/, which kubeadm writes; pick another directory such as /etc/kubernetes/audit/", f.Path, top)
			case !inDir && strings.HasSuffix(top, ".conf"):
				v.errorf(p+".path", "%s is where kubeadm writes its kubeconfig files; pick a subdirectory such as /etc/kubernetes/audit/", f.Path)
			}
			if prev, dup := seen[f.Path]; dup {
				v.errorf(p+".path", "%s is already controlPlaneFiles[%d]", f.Path, prev)
			}
			seen[f.Path] = i
		}
		if f.Mode != "" && !slices.Contains(fileModes, f.Mode) {
			v.errorf(p+".mode", "%q: use one of %s (quoted, octal)", f.Mode, strings.Join(fileModes, ", "))
		}
	}
}

// mountedBy reports whether val, a path, lies in one of the component's extra
// volumes as the pod sees them.
func mountedBy(c *Cluster, component, val string) bool {
	for _, vol := range c.Components.ByName(component).ExtraVolumes {
		if val == vol.MountPath || strings.HasPrefix(val, strings.TrimSuffix(vol.MountPath, "/")+"/") {
			return true
		}
	}
	return false
}
