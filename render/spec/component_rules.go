package spec

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// flagNameRE is a long flag name as the Kubernetes components spell them, without
// the leading dashes: lower-case words joined by '-'.
var flagNameRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// kubeletValueRE is what a kubelet flag value may hold. kubeadm joins the kubelet's
// flags with spaces into KUBELET_KUBEADM_ARGS="…" in kubeadm-flags.env, and the
// kubelet unit expands $KUBELET_KUBEADM_ARGS split at whitespace: a space would
// start another flag, and quotes and backslashes mean different things to Go's %q,
// which writes the file, and to systemd, which reads it.
var kubeletValueRE = regexp.MustCompile(`^[A-Za-z0-9._:/,=+@%<>*~-]*$`)

// maxExtraArgs bounds one component's flag list; no real command line comes close.
const maxExtraArgs = 100

// ComponentNames are the spec keys under components, in rendering order.
var ComponentNames = []string{"apiServer", "controllerManager", "scheduler", "etcd", "kubelet"}

// ByName returns the component with the spec key name.
func (c *Components) ByName(name string) *Component {
	switch name {
	case "apiServer":
		return &c.APIServer
	case "controllerManager":
		return &c.ControllerManager
	case "scheduler":
		return &c.Scheduler
	case "etcd":
		return &c.Etcd
	case "kubelet":
		return &c.Kubelet
	}
	return nil
}

// managedFlag says why a flag cannot be an extra argument: k8sgen sets it from
// another field, or kubeadm sets it to files and addresses it manages itself, and
// a second value would either be ignored or break the component.
type managedFlag struct{ flags, why string }

const (
	whyPKI      = "kubeadm points it at the certificates it writes from the secrets bundle"
	whyKubeconf = "kubeadm points it at the kubeconfig files it writes"
	whyEtcd     = "kubeadm derives it from each control plane's address; a fixed value would break stacked etcd"
)

var managedFlags = map[string][]managedFlag{
	"apiServer": {
		{"advertise-address", "k8sgen sets it per node from nodes[].ip"},
		{"secure-port", "k8sgen binds the API server to 6443; set controlPlaneEndpoint for another port in front of it"},
		{"service-cluster-ip-range", "set network.serviceSubnet"},
		{"etcd-servers", "kubeadm points the API server at its local etcd member"},
		{"client-ca-file etcd-cafile etcd-certfile etcd-keyfile kubelet-client-certificate kubelet-client-key " +
			"proxy-client-cert-file proxy-client-key-file requestheader-client-ca-file service-account-key-file " +
			"service-account-signing-key-file tls-cert-file tls-private-key-file", whyPKI},
	},
	"controllerManager": {
		{"cluster-cidr", "set network.podSubnet"},
		{"service-cluster-ip-range", "set network.serviceSubnet"},
		{"allocate-node-cidrs", "the CNI needs node pod ranges from network.podSubnet; kubeadm turns it on with the pod subnet"},
		{"cluster-name", "set name"},
		{"kubeconfig authentication-kubeconfig authorization-kubeconfig", whyKubeconf},
		{"client-ca-file cluster-signing-cert-file cluster-signing-key-file requestheader-client-ca-file " +
			"root-ca-file service-account-private-key-file", whyPKI},
	},
	"scheduler": {
		{"kubeconfig authentication-kubeconfig authorization-kubeconfig", whyKubeconf},
	},
	"etcd": {
		{"name data-dir", "kubeadm names each member after its node and keeps its data in /var/lib/etcd"},
		{"advertise-client-urls initial-advertise-peer-urls initial-cluster initial-cluster-state " +
			"listen-client-urls listen-peer-urls", whyEtcd},
		{"cert-file key-file trusted-ca-file peer-cert-file peer-key-file peer-trusted-ca-file " +
			"client-cert-auth peer-client-cert-auth", whyPKI},
	},
	"kubelet": {
		{"node-ip", "k8sgen sets it per node from nodes[].ip"},
		{"hostname-override", "the node name is nodes[].name, which k8sgen also makes the host name"},
		{"container-runtime-endpoint", "set runtime; k8sgen points the kubelet at its socket"},
		{"cgroup-driver", "k8sgen configures systemd cgroups in the kubelet and the runtime together; they must match"},
		{"pod-infra-container-image", "set imageRepository; the runtime's pause image follows it"},
		{"bootstrap-kubeconfig kubeconfig config", "kubeadm writes these files and points the kubelet at them"},
	},
}

// managedWhy returns why flag is refused for component, or "".
func managedWhy(component, flag string) string {
	for _, m := range managedFlags[component] {
		for _, f := range strings.Fields(m.flags) {
			if f == flag {
				return m.why
			}
		}
	}
	return ""
}

// components checks components.*.extraArgs: flag names as the programs parse
// them, none that k8sgen or kubeadm set themselves.
func (v *validator) components(c *Cluster) {
	for _, name := range ComponentNames {
		args := c.Components.ByName(name).ExtraArgs
		base := "components." + name + ".extraArgs"
		if len(args) > maxExtraArgs {
			v.errorf(base, "holds %d flags; the limit is %d", len(args), maxExtraArgs)
			continue
		}
		keys := make([]string, 0, len(args))
		for k := range args {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := base + "." + k
			switch {
			case strings.HasPrefix(k, "-"):
				v.errorf(p, "write the flag name without its leading dashes: %s", strings.TrimLeft(k, "-"))
			case strings.Contains(k, "="):
				v.errorf(p, "%q holds '='; write the flag name as the key and its value as the value", k)
			case !flagNameRE.MatchString(k):
				v.errorf(p, "%q is not a flag name: lower-case letters and digits joined by '-'", k)
			default:
				if why := managedWhy(name, k); why != "" {
					v.errorf(p, "%s cannot be an extra argument: %s", k, why)
				} else if name == "kubelet" && !kubeletValueRE.MatchString(args[k]) {
					v.errorf(p, "%q: kubelet flag values may hold only letters, digits and . _ : / , = + @ %% < > * ~ -; kubeadm passes them through kubeadm-flags.env, where a space starts another flag and quotes are not kept", args[k])
				}
			}
		}
	}
}

// preflightRE is a kubeadm preflight check name: NumCPU, Port-6443,
// FileContent--proc-sys-net-ipv4-ip_forward.
var preflightRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// preflightChecks are the names of kubeadm's preflight checks of 1.30–1.37
// (cmd/kubeadm/app/preflight); preflightPrefixes start the names of checks that
// carry a port, a path or a service in their name.
var (
	preflightChecks = []string{
		"all", "CRI", "ContainerRuntimeVersion", "ExternalEtcdClientCertificates", "ExternalEtcdVersion",
		"Firewalld", "HTTPProxy", "HTTPProxyCIDR", "Hostname", "ImagePull", "IsPrivilegedUser",
		"KubeletVersion", "KubernetesVersion", "Mem", "NumCPU", "Swap", "SystemVerification",
	}
	preflightPrefixes = []string{"Port-", "DirAvailable-", "FileAvailable-", "FileExisting-", "FileContent-", "Service-"}
)

// preflight checks ignorePreflightErrors: names as kubeadm spells them, "all" alone.
func (v *validator) preflight(c *Cluster) {
	known := make([]string, len(preflightChecks))
	for i, k := range preflightChecks {
		known[i] = strings.ToLower(k)
	}
	for i, name := range c.IgnorePreflightErrors {
		p := fmt.Sprintf("ignorePreflightErrors[%d]", i)
		lower := strings.ToLower(name)
		switch {
		case !preflightRE.MatchString(name):
			v.errorf(p, "%q is not a preflight check name such as NumCPU or Port-6443", name)
		case lower == "all" && len(c.IgnorePreflightErrors) > 1:
			v.errorf(p, "all already ignores every check; kubeadm refuses it together with other names")
		case lower == "all":
			v.warnf(p, "all turns every preflight failure into a warning, including a missing runtime or a port in use; name the checks instead")
		case slices.Contains(known, lower):
		case slices.ContainsFunc(preflightPrefixes, func(pre string) bool { return strings.HasPrefix(lower, strings.ToLower(pre)) }):
		default:
			if best := nearest(name, preflightChecks); best != "" {
				v.errorf(p, "%q is not a kubeadm preflight check (did you mean %s?); kubeadm would ignore the name and still fail on the check", name, best)
			} else {
				v.warnf(p, "%q is not a preflight check k8sgen knows; kubeadm ignores names it does not have", name)
			}
		}
	}
}
