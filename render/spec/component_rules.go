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
	whyProbe    = "kubeadm's liveness and startup probes use the component's fixed port and address; another value makes the kubelet restart it forever"
	whyExit     = "the program prints and exits, so its static pod restarts forever"
	whyKubeletC = "kubeadm sets it in the KubeletConfiguration of every node; a flag overrides that file on every node"
)

var managedFlags = map[string][]managedFlag{
	"apiServer": {
		{"advertise-address", "k8sgen sets it per node from nodes[].ip"},
		{"bind-address", "the API server listens on every address; kubeadm's probes and the other nodes reach it at nodes[].ip"},
		{"enable-bootstrap-token-auth", "every kubeadm join authenticates with the bootstrap token"},
		{"anonymous-auth", "joining nodes read cluster-info anonymously, and the load balancers' and the joins' health checks ask /readyz without credentials"},
		{"help version", whyExit},
		{"secure-port", "k8sgen binds the API server to 6443; set controlPlaneEndpoint for another port in front of it"},
		{"service-cluster-ip-range", "set network.serviceSubnet"},
		{"etcd-servers", "kubeadm points the API server at its local etcd member"},
		{"client-ca-file etcd-cafile etcd-certfile etcd-keyfile kubelet-client-certificate kubelet-client-key " +
			"proxy-client-cert-file proxy-client-key-file requestheader-client-ca-file service-account-key-file " +
			"service-account-signing-key-file tls-cert-file tls-private-key-file", whyPKI},
	},
	"controllerManager": {
		{"cluster-cidr", "set network.podSubnet"},
		{"secure-port", whyProbe},
		{"help version", whyExit},
		{"service-cluster-ip-range", "set network.serviceSubnet"},
		{"allocate-node-cidrs", "the CNI needs node pod ranges from network.podSubnet; kubeadm turns it on with the pod subnet"},
		{"cluster-name", "set name"},
		{"kubeconfig authentication-kubeconfig authorization-kubeconfig", whyKubeconf},
		{"client-ca-file cluster-signing-cert-file cluster-signing-key-file requestheader-client-ca-file " +
			"root-ca-file service-account-private-key-file", whyPKI},
	},
	"scheduler": {
		{"kubeconfig authentication-kubeconfig authorization-kubeconfig", whyKubeconf},
		{"config", "a configuration file replaces the kubeconfig flags kubeadm gives the scheduler, and nothing writes it to the node"},
		{"secure-port", whyProbe},
		{"help version", whyExit},
	},
	"etcd": {
		{"name data-dir", "kubeadm names each member after its node and keeps its data in /var/lib/etcd"},
		{"advertise-client-urls initial-advertise-peer-urls initial-cluster initial-cluster-state " +
			"listen-client-urls listen-peer-urls", whyEtcd},
		{"cert-file key-file trusted-ca-file peer-cert-file peer-key-file peer-trusted-ca-file " +
			"client-cert-auth peer-client-cert-auth", whyPKI},
		{"feature-gates", "kubeadm sets etcd's feature gates itself from Kubernetes 1.34 (InitialCorruptCheck=true); a value here would replace them"},
		{"help version", whyExit},
	},
	"kubelet": {
		{"node-ip", "k8sgen sets it per node from nodes[].ip"},
		{"hostname-override", "the node name is nodes[].name, which k8sgen also makes the host name"},
		{"container-runtime-endpoint", "set runtime; k8sgen points the kubelet at its socket"},
		{"cgroup-driver", "k8sgen configures systemd cgroups in the kubelet and the runtime together; they must match"},
		{"pod-infra-container-image", "set imageRepository; the runtime's pause image follows it"},
		{"bootstrap-kubeconfig kubeconfig config", "kubeadm writes these files and points the kubelet at them"},
		{"anonymous-auth authorization-mode client-ca-file", whyKubeletC + " and opens or breaks the authentication of port 10250"},
		{"static-pod-path pod-manifest-path rotate-certificates cluster-dns cluster-domain", whyKubeletC + "; the control plane's static pods, certificate renewal and the cluster DNS depend on it"},
		{"root-dir cert-dir", "kubeadm's kubelet.conf points at the client certificate under /var/lib/kubelet/pki; another directory leaves the kubelet without it"},
		{"register-with-taints", "kubeadm registers taints itself (the control plane's NoSchedule taint)"},
		{"help version", whyExit},
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
		v.extraArgs(c, name, "components."+name+".extraArgs", c.Components.ByName(name).ExtraArgs)
	}
	for i, n := range c.Nodes {
		base := fmt.Sprintf("nodes[%d].kubeletExtraArgs", i)
		if _, set := n.KubeletExtraArgs["node-labels"]; set {
			v.errorf(base+".node-labels", "use nodes[%d].labels; they are merged with the cluster's node-labels", i)
			continue
		}
		if _, set := n.KubeletExtraArgs["feature-gates"]; set {
			v.errorf(base+".feature-gates", "use featureGates: a gate set on one kubelet and not on the control plane splits the cluster")
			continue
		}
		v.extraArgs(c, "kubelet", base, n.KubeletExtraArgs)
	}
}

// extraArgs checks one program's extra flags at base.
func (v *validator) extraArgs(c *Cluster, name, base string, args map[string]string) {
	if len(args) > maxExtraArgs {
		v.errorf(base, "holds %d flags; the limit is %d", len(args), maxExtraArgs)
		return
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
			} else if v.knownFlag(c, name, p, k) {
				v.argValue(c, name, p, k, args[k])
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
	seen := map[string]string{}
	for i, name := range c.IgnorePreflightErrors {
		p := fmt.Sprintf("ignorePreflightErrors[%d]", i)
		lower := strings.ToLower(name)
		if prev, dup := seen[lower]; dup {
			v.errorf(p, "%q is already listed as %s (kubeadm compares the names in lower case)", name, prev)
			continue
		}
		seen[lower] = p
		switch {
		case !preflightRE.MatchString(name):
			v.errorf(p, "%q is not a preflight check name such as NumCPU or Port-6443", name)
		case lower == "all" && len(c.IgnorePreflightErrors) > 1:
			v.errorf(p, "all already ignores every check; kubeadm refuses it together with other names")
		case lower == "all":
			v.warnf(p, "all turns every preflight failure into a warning, including a missing runtime or a port in use; name the checks instead")
		case slices.Contains(known, lower):
		case slices.ContainsFunc(preflightPrefixes, func(pre string) bool { return strings.EqualFold(name, pre) }):
			v.errorf(p, "%q names no check: the name goes on with the port, path or service, e.g. Port-6443", name)
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

// yaml11Bools are YAML 1.1's words for booleans. yaml.v3 reads them as text, and
// the components parse booleans with Go's strconv.ParseBool, which refuses them.
var yaml11Bools = []string{"y", "yes", "n", "no", "on", "off"}

// required lists the items a list-valued flag must keep: kubeadm's value holds
// them and the cluster stops working without them.
var requiredItems = map[string]map[string][]string{
	"apiServer": {
		"authorization-mode":       {"Node", "RBAC"},
		"enable-admission-plugins": {"NodeRestriction"},
	},
	"controllerManager": {
		// kubeadm's value is *,bootstrapsigner,tokencleaner: without them no join finds the cluster.
		"controllers": {"bootstrapsigner", "tokencleaner"},
	},
}

// mountedDirs are the host directories kubeadm mounts into the control-plane
// static pods (certificates and CA bundles) and etcd's data directory.
var mountedDirs = []string{"/etc/kubernetes/pki/", "/etc/ssl/certs/", "/etc/pki/", "/etc/ca-certificates/",
	"/usr/share/ca-certificates/", "/usr/local/share/ca-certificates/", "/var/lib/etcd/"}

// argValue checks one flag value of component at path p.
func (v *validator) argValue(c *Cluster, component, p, flag, val string) {
	if val == "" {
		v.errorf(p, "give a value; the programs refuse an empty --%s=", flag)
		return
	}
	for _, r := range val {
		if r < 0x21 && r != ' ' || r > 0x7e {
			v.errorf(p, "%q: flag values are printable ASCII", val)
			return
		}
	}
	if slices.Contains(yaml11Bools, strings.ToLower(val)) {
		v.errorf(p, "%q is not a boolean the components read; write true or false", val)
		return
	}
	if component == "kubelet" {
		if !kubeletValueRE.MatchString(val) {
			v.errorf(p, "%q: kubelet flag values may hold only letters, digits and . _ : / , = + @ %% < > * ~ -; kubeadm passes them through kubeadm-flags.env, where a space starts another flag and quotes are not kept", val)
			return
		}
		if flag == "node-labels" {
			v.nodeLabels(p, val)
		}
		// Every node's kubelet gets the cluster's flags.
		if len(c.Nodes) > 1 && !strings.HasPrefix(p, "nodes[") {
			v.ownAddress(p, val, c.Nodes, "every node gets the same kubelet flags")
		}
		return
	}
	if need := requiredItems[component][flag]; need != nil {
		items := strings.Split(val, ",")
		for _, n := range need {
			if !slices.Contains(items, n) {
				v.errorf(p, "%q drops %s, which kubeadm's value holds and the cluster needs; list it too", val, n)
				return
			}
		}
	}
	cps := c.ControlPlanes()
	if len(cps) > 1 {
		if flag == "leader-elect" && val != "true" {
			v.errorf(p, "with %d control planes every %s would act at once; leader election stays on", len(cps), component)
			return
		}
		// The ClusterConfiguration is one for all control planes.
		if v.ownAddress(p, val, cps, "every control plane gets the same flags") {
			return
		}
	}
	if strings.HasPrefix(val, "/") && !slices.ContainsFunc(mountedDirs, func(d string) bool { return strings.HasPrefix(val, d) }) &&
		!mountedBy(c, component, val) {
		v.warnf(p, "%s is not inside a directory kubeadm mounts into the %s's static pod (%s) or one of components.%s.extraVolumes; the program will not find it", val, component, strings.Join(mountedDirs, ", "), component)
	}
}

// ownAddress reports (as an error at p) a value that holds one of nodes' addresses.
func (v *validator) ownAddress(p, val string, nodes []Node, why string) bool {
	for _, n := range nodes {
		if n.IP != "" && containsAddr(val, n.IP) {
			v.errorf(p, "%q names %s's address, but %s; use 0.0.0.0 or 127.0.0.1", val, n.Name, why)
			return true
		}
	}
	return false
}

// containsAddr reports whether val holds ip as a whole address, not as part of
// a longer one (10.0.0.1 in 10.0.0.12).
func containsAddr(val, ip string) bool {
	for i := 0; ; {
		j := strings.Index(val[i:], ip)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(ip)
		before := start == 0 || !isAddrChar(val[start-1])
		after := end == len(val) || !isAddrChar(val[end])
		if before && after {
			return true
		}
		i = start + 1
	}
}

func isAddrChar(b byte) bool { return b >= '0' && b <= '9' || b == '.' }

// kubeletLabels and kubeletLabelDomains are the labels in the kubernetes.io and
// k8s.io namespaces that a kubelet may set on its own node (k8s.io/kubelet's
// well_known_labels.go); it refuses to start with any other.
var (
	kubeletLabels = []string{"kubernetes.io/hostname", "kubernetes.io/os", "kubernetes.io/arch",
		"beta.kubernetes.io/os", "beta.kubernetes.io/arch", "beta.kubernetes.io/instance-type",
		"node.kubernetes.io/instance-type", "topology.kubernetes.io/zone", "topology.kubernetes.io/region",
		"failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region"}
	kubeletLabelDomains = []string{"kubelet.kubernetes.io", "node.kubernetes.io"}
	labelNameRE         = regexp.MustCompile(`^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$`)
)

// isLabelName says whether s is a label's name (without its prefix) or
// value: at most 63 letters, digits, dashes, underscores and dots, a letter
// or digit at each end, or empty.
func isLabelName(s string) bool { return len(s) <= 63 && labelNameRE.MatchString(s) }

// nodeLabels checks --node-labels as the kubelet does before it starts, and
// says whether it passed.
func (v *validator) nodeLabels(p, val string) bool {
	for _, pair := range strings.Split(val, ",") {
		key, value, ok := strings.Cut(pair, "=")
		if !ok {
			v.errorf(p, "%q: each label is key=value", pair)
			return false
		}
		prefix, name, hasPrefix := strings.Cut(key, "/")
		if !hasPrefix {
			prefix, name = "", key
		}
		if name == "" || !isLabelName(name) || !isLabelName(value) ||
			(hasPrefix && (len(prefix) > 253 || !isDNSSubdomain(prefix))) {
			v.errorf(p, "%q is not a valid label: [prefix/]name=value, name and value at most 63 letters, digits, '-', '_' or '.'", pair)
			return false
		}
		k8s := prefix == "kubernetes.io" || strings.HasSuffix(prefix, ".kubernetes.io") || prefix == "k8s.io" || strings.HasSuffix(prefix, ".k8s.io")
		allowed := slices.Contains(kubeletLabels, key) || slices.ContainsFunc(kubeletLabelDomains, func(d string) bool {
			return prefix == d || strings.HasSuffix(prefix, "."+d)
		})
		if k8s && !allowed {
			v.errorf(p, "the kubelet refuses to start with the label %s: in the kubernetes.io and k8s.io namespaces it may set only %s and labels under %s (set node roles with kubectl label after the join)", key, strings.Join(kubeletLabels, ", "), strings.Join(kubeletLabelDomains, ", "))
			return false
		}
	}
	return true
}
