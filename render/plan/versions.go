package plan

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
}

// releases is keyed by Kubernetes minor; spec validation keeps versions inside it.
var releases = map[int]release{
	30: {kubeadmAPI: "kubeadm.k8s.io/v1beta3", pause: "3.9", containerd: "1.7"},
	31: {kubeadmAPI: "kubeadm.k8s.io/v1beta4", pause: "3.10", containerd: "1.7"},
	32: {kubeadmAPI: "kubeadm.k8s.io/v1beta4", pause: "3.10", containerd: "2"},
	33: {etcdTimeout: true, kubeadmAPI: "kubeadm.k8s.io/v1beta4", pause: "3.10", containerd: "2"},
	34: {etcdTimeout: true, kubeadmAPI: "kubeadm.k8s.io/v1beta4", pause: "3.10.1", containerd: "2"},
	35: {etcdTimeout: true, kubeadmAPI: "kubeadm.k8s.io/v1beta4", pause: "3.10.1", containerd: "2"},
	36: {etcdTimeout: true, kubeadmAPI: "kubeadm.k8s.io/v1beta4", pause: "3.10.2", containerd: "2"},
	37: {etcdTimeout: true, kubeadmAPI: "kubeadm.k8s.io/v1beta4", pause: "3.10.2", containerd: "2"},
}
