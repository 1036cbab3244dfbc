package plan

import (
	"fmt"

	"github.com/k8sgen/k8sgen/render/spec"
)

// release is what k8sgen needs to know about one Kubernetes minor.
type release struct {
	// kubeadmAPI is the kubeadm config API the minor's kubeadm should be given.
	kubeadmAPI string
	// pause is the sandbox image tag that minor's kubeadm expects (its constants.PauseVersion).
	pause string
	// containerd is the release series installed: 1.7 up to 1.31, 2.x from 1.32
	// (Kubernetes 1.36 drops containerd 1.x; 1.32 is the first tested on 2.0 throughout).
	containerd string
	// etcdTimeout: kubeadm reads timeouts.etcdAPICall (1.33 on; 1.31 and 1.32
	// wait a fixed 2 minutes, whatever the configuration says).
	etcdTimeout bool
	// etcd and coredns are the image tags the minor's kubeadm (its .0
	// release; kubeadm config images list) pulls; a later patch release may
	// pin newer ones.
	etcd, coredns string
}

// releases is keyed by Kubernetes minor; spec validation keeps versions inside it.
var releases = map[int]release{
	30: {etcd: "3.5.12-0", coredns: "v1.11.1", kubeadmAPI: "kubeadm.k8s.io/v1beta3", pause: "3.9", containerd: "1.7"},
	31: {etcd: "3.5.15-0", coredns: "v1.11.1", kubeadmAPI: "kubeadm.k8s.io/v1beta4", pause: "3.10", containerd: "1.7"},
	32: {etcd: "3.5.16-0", coredns: "v1.11.3", kubeadmAPI: "kubeadm.k8s.io/v1beta4", pause: "3.10", containerd: "2"},
	33: {etcd: "3.5.21-0", coredns: "v1.12.0", etcdTimeout: true, kubeadmAPI: "kubeadm.k8s.io/v1beta4", pause: "3.10", containerd: "2"},
	34: {etcd: "3.6.4-0", coredns: "v1.12.1", etcdTimeout: true, kubeadmAPI: "kubeadm.k8s.io/v1beta4", pause: "3.10.1", containerd: "2"},
	35: {etcd: "3.6.6-0", coredns: "v1.13.1", etcdTimeout: true, kubeadmAPI: "kubeadm.k8s.io/v1beta4", pause: "3.10.1", containerd: "2"},
	36: {etcd: "3.6.8-0", coredns: "v1.14.2", etcdTimeout: true, kubeadmAPI: "kubeadm.k8s.io/v1beta4", pause: "3.10.2", containerd: "2"},
	37: {etcd: "3.7.0-0", coredns: "v1.14.6", etcdTimeout: true, kubeadmAPI: "kubeadm.k8s.io/v1beta4", pause: "3.10.2", containerd: "2"},
}

// releaseOf is the spec's Kubernetes release and what k8sgen knows of its minor.
func releaseOf(c *spec.Cluster) (spec.Version, release, error) {
	ver, ok := spec.ParseVersion(c.KubernetesVersion)
	if !ok {
		return ver, release{}, fmt.Errorf("kubernetesVersion %q is not a version", c.KubernetesVersion)
	}
	rel, ok := releases[ver.Minor]
	if !ok || ver.Major != 1 {
		return ver, release{}, fmt.Errorf("kubernetesVersion %s is not supported", ver)
	}
	return ver, rel, nil
}
