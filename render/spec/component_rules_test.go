package spec

import (
	"fmt"
	"strings"
	"testing"
)

// argsSpec appends components.<component>.extraArgs with one flag; the flag is on
// line lAfterBase+3.
func argsSpec(component, flag, value string) string {
	return base + "components:\n  " + component + ":\n    extraArgs:\n      " + flag + ": " + value + "\n"
}

func TestComponentArgsRefused(t *testing.T) {
	const lFlag = lAfterBase + 3
	tests := []struct {
		name, component, flag, value string
		path                         string
		msg                          []string
	}{
		{"leading dashes", "controllerManager", `"--leader-elect"`, `"false"`,
			"components.controllerManager.extraArgs.--leader-elect", []string{"without its leading dashes: leader-elect"}},
		{"flag=value as key", "apiServer", `"audit-log-maxage=30"`, `""`,
			"components.apiServer.extraArgs.audit-log-maxage=30", []string{"holds '='"}},
		{"upper case", "scheduler", "Leader-Elect", `"false"`,
			"components.scheduler.extraArgs.Leader-Elect", []string{"is not a flag name"}},
		{"underscore", "etcd", "quota_backend_bytes", `"1"`,
			"components.etcd.extraArgs.quota_backend_bytes", []string{"is not a flag name"}},
		{"shell in a flag name", "kubelet", `"v$(id)"`, `"2"`,
			"components.kubelet.extraArgs.v$(id)", []string{"is not a flag name"}},
		{"advertise-address", "apiServer", "advertise-address", "10.0.0.1",
			"components.apiServer.extraArgs.advertise-address", []string{"advertise-address cannot be an extra argument", "nodes[].ip"}},
		{"etcd-servers", "apiServer", "etcd-servers", "https://10.0.0.1:2379",
			"components.apiServer.extraArgs.etcd-servers", []string{"local etcd member"}},
		{"service range", "apiServer", "service-cluster-ip-range", "10.96.0.0/12",
			"components.apiServer.extraArgs.service-cluster-ip-range", []string{"network.serviceSubnet"}},
		{"pki file", "apiServer", "tls-cert-file", "/x.crt",
			"components.apiServer.extraArgs.tls-cert-file", []string{"certificates it writes"}},
		{"cluster-cidr", "controllerManager", "cluster-cidr", "10.244.0.0/16",
			"components.controllerManager.extraArgs.cluster-cidr", []string{"network.podSubnet"}},
		{"scheduler kubeconfig", "scheduler", "kubeconfig", "/x",
			"components.scheduler.extraArgs.kubeconfig", []string{"kubeconfig files it writes"}},
		{"etcd initial-cluster", "etcd", "initial-cluster", "a=https://10.0.0.1:2380",
			"components.etcd.extraArgs.initial-cluster", []string{"stacked etcd"}},
		{"kubelet node-ip", "kubelet", "node-ip", "10.0.0.1",
			"components.kubelet.extraArgs.node-ip", []string{"nodes[].ip"}},
		{"kubelet cgroup driver", "kubelet", "cgroup-driver", "cgroupfs",
			"components.kubelet.extraArgs.cgroup-driver", []string{"must match"}},
		{"kubelet value with a space", "kubelet", "node-labels", `"a=b --cgroup-driver=cgroupfs"`,
			"components.kubelet.extraArgs.node-labels", []string{"a space starts another flag"}},
		{"kubelet value with a quote", "kubelet", "node-labels", `'a="b'`,
			"components.kubelet.extraArgs.node-labels", []string{"quotes are not kept"}},
		{"kubelet value with a dollar", "kubelet", "node-labels", `"a=$(id)"`,
			"components.kubelet.extraArgs.node-labels", []string{"may hold only"}},
		{"kubelet restricted label", "kubelet", "node-labels", `"node-role.kubernetes.io/worker="`,
			"components.kubelet.extraArgs.node-labels", []string{"refuses to start with the label node-role.kubernetes.io/worker", "kubectl label"}},
		{"kubelet bad label", "kubelet", "node-labels", `"tier"`,
			"components.kubelet.extraArgs.node-labels", []string{"each label is key=value"}},
		{"kubelet address of one node", "kubelet", "address", "192.168.1.12",
			"components.kubelet.extraArgs.address", []string{"names worker-1's address", "every node gets the same kubelet flags"}},
		{"kubelet anonymous auth", "kubelet", "anonymous-auth", `"true"`,
			"components.kubelet.extraArgs.anonymous-auth", []string{"port 10250"}},
		{"kubelet static pod path", "kubelet", "static-pod-path", "/tmp",
			"components.kubelet.extraArgs.static-pod-path", []string{"static pods"}},
		{"api server bind address", "apiServer", "bind-address", "127.0.0.1",
			"components.apiServer.extraArgs.bind-address", []string{"nodes[].ip"}},
		{"bootstrap token auth", "apiServer", "enable-bootstrap-token-auth", `"false"`,
			"components.apiServer.extraArgs.enable-bootstrap-token-auth", []string{"bootstrap token"}},
		{"authorization without Node", "apiServer", "authorization-mode", "RBAC",
			"components.apiServer.extraArgs.authorization-mode", []string{"drops Node"}},
		{"admission without NodeRestriction", "apiServer", "enable-admission-plugins", "PodSecurity",
			"components.apiServer.extraArgs.enable-admission-plugins", []string{"drops NodeRestriction"}},
		{"controllers without the token controllers", "controllerManager", "controllers", `"*"`,
			"components.controllerManager.extraArgs.controllers", []string{"drops bootstrapsigner"}},
		{"controller-manager port", "controllerManager", "secure-port", `"10000"`,
			"components.controllerManager.extraArgs.secure-port", []string{"probes"}},
		{"scheduler config", "scheduler", "config", "/etc/kubernetes/s.yaml",
			"components.scheduler.extraArgs.config", []string{"replaces the kubeconfig flags"}},
		{"etcd feature gates", "etcd", "feature-gates", "A=true",
			"components.etcd.extraArgs.feature-gates", []string{"InitialCorruptCheck"}},
		{"version", "apiServer", "version", `"true"`,
			"components.apiServer.extraArgs.version", []string{"prints and exits"}},
		{"yaml 1.1 boolean", "controllerManager", "leader-elect", "off",
			"components.controllerManager.extraArgs.leader-elect", []string{"write true or false"}},
		{"empty value", "apiServer", "profiling", `""`,
			"components.apiServer.extraArgs.profiling", []string{"give a value"}},
		{"non-ASCII value", "apiServer", "oidc-username-claim", `"a\u202eb"`,
			"components.apiServer.extraArgs.oidc-username-claim", []string{"printable ASCII"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, probs := check(argsSpec(tt.component, tt.flag, tt.value))
			if doc == nil {
				t.Fatalf("not loaded:\n%s", dump(probs))
			}
			if !problemAt(probs, false, tt.path, lFlag, tt.msg...) {
				t.Errorf("want %s at line %d: %s, got:\n%s", tt.path, lFlag, tt.msg, dump(probs))
			}
		})
	}
}

func TestComponentArgsValues(t *testing.T) {
	const lFlag = lAfterBase + 3
	for _, tt := range []struct{ name, value, msg string }{
		{"newline", `"60s\nx"`, "control character"},
		{"NUL", `"60s\u0000"`, "control character"},
		{"trailing space", `"60s "`, "leading or trailing spaces"},
		{"tab", `"a\tb"`, "control character"},
		{"huge", `"` + strings.Repeat("a", 3000) + `"`, "the limit is 2048"},
		{"null", ``, `no value; write "" for an empty one`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			doc, probs := check(argsSpec("controllerManager", "leader-elect-lease-duration", tt.value))
			if doc != nil && len(probs.Errors()) == 0 {
				t.Fatal("accepted")
			}
			if !problemAt(probs, false, "components.controllerManager.extraArgs.leader-elect-lease-duration", lFlag, tt.msg) {
				t.Errorf("want %q at line %d, got:\n%s", tt.msg, lFlag, dump(probs))
			}
		})
	}
}

func TestComponentArgsAccepted(t *testing.T) {
	for _, tt := range []struct{ component, flag, value string }{
		{"controllerManager", "leader-elect-lease-duration", "60s"},
		{"controllerManager", "leader-elect", "false"},
		{"scheduler", "leader-elect", "false"},
		{"apiServer", "audit-log-maxage", "30"},
		{"apiServer", "tls-cipher-suites", "TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384"},
		{"etcd", "listen-metrics-urls", "http://0.0.0.0:2381"},
		{"kubelet", "node-labels", `"a=b,c=d"`},
		{"kubelet", "v", `"2"`},
		{"kubelet", "eviction-hard", `"memory.available<100Mi,nodefs.available<10%"`},
		{"kubelet", "max-pods", `"200"`},
		{"apiServer", "oidc-username-claim", `"user name"`},
	} {
		t.Run(fmt.Sprintf("%s %s", tt.component, tt.flag), func(t *testing.T) {
			doc, probs := check(argsSpec(tt.component, tt.flag, tt.value))
			if doc == nil || len(probs.Errors()) != 0 {
				t.Fatalf("doc=%v problems:\n%s", doc != nil, dump(probs))
			}
			// Most kubelet flags are deprecated in favour of its configuration file.
			for _, w := range probs {
				if !strings.Contains(w.Msg, "is deprecated in kubelet") {
					t.Errorf("unexpected warning: %s", w.Msg)
				}
			}
			args := doc.Cluster.Components.ByName(tt.component).ExtraArgs
			if _, ok := args[tt.flag]; !ok || len(args) != 1 {
				t.Errorf("extraArgs = %v", args)
			}
		})
	}
}

func TestIgnorePreflightErrors(t *testing.T) {
	const lItem = lAfterBase
	spec := func(items string) string { return base + "ignorePreflightErrors: [" + items + "]\n" }
	for _, tt := range []struct {
		name, items, path string
		warning           bool
		msg               string
	}{
		{"typo", "NumCPUs", "ignorePreflightErrors[0]", false, "did you mean NumCPU?"},
		{"all with others", "all, Mem", "ignorePreflightErrors[0]", false, "refuses it together with other names"},
		{"all alone", "all", "ignorePreflightErrors[0]", true, "name the checks instead"},
		{"unknown", "Gremlins", "ignorePreflightErrors[0]", true, "kubeadm ignores names it does not have"},
		{"shell", `"Mem;reboot"`, "ignorePreflightErrors[0]", false, "not a preflight check name"},
		{"prefix alone", "Port-", "ignorePreflightErrors[0]", false, "names no check"},
		{"twice", "NumCPU, numcpu", "ignorePreflightErrors[1]", false, "already listed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			doc, probs := check(spec(tt.items))
			if doc == nil {
				t.Fatalf("not loaded:\n%s", dump(probs))
			}
			if !problemAt(probs, tt.warning, tt.path, lItem, tt.msg) {
				t.Errorf("want %s at line %d: %q, got:\n%s", tt.path, lItem, tt.msg, dump(probs))
			}
		})
	}
	doc, probs := check(spec("NumCPU, mem, Port-6443, FileContent--proc-sys-net-ipv4-ip_forward, DirAvailable--var-lib-etcd, Service-Kubelet"))
	if doc == nil || len(probs) != 0 {
		t.Fatalf("refused:\n%s", dump(probs))
	}
}

// TestComponentArgsSeveralControlPlanes: the ClusterConfiguration is shared, so
// nothing in it may be one control plane's own, and leader election stays on.
func TestComponentArgsSeveralControlPlanes(t *testing.T) {
	const lFlag = lAfterBase + 3
	three := func(component, flag, value string) string {
		src := edit(t, "role: worker", "role: control-plane")
		src += "  - name: cp-3\n    role: control-plane\n    ip: 192.168.1.13\n"
		return src + "components:\n  " + component + ":\n    extraArgs:\n      " + flag + ": " + value + "\n"
	}
	for _, tt := range []struct{ name, component, flag, value, msg string }{
		{"leader election off", "scheduler", "leader-elect", `"false"`, "leader election stays on"},
		{"a node's address", "controllerManager", "bind-address", "192.168.1.12", "names worker-1's address"},
		{"a node's address in a URL", "etcd", "listen-metrics-urls", "http://192.168.1.13:2381", "names cp-3's address"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			doc, probs := check(three(tt.component, tt.flag, tt.value))
			if doc == nil {
				t.Fatalf("not loaded:\n%s", dump(probs))
			}
			path := "components." + tt.component + ".extraArgs." + tt.flag
			if !problemAt(probs, false, path, lFlag+3, tt.msg) {
				t.Errorf("want %s at line %d: %q, got:\n%s", path, lFlag+3, tt.msg, dump(probs))
			}
		})
	}
	if doc, probs := check(three("controllerManager", "bind-address", "192.168.1.1")); doc == nil || len(probs.Errors()) != 0 {
		t.Errorf("an address of no node refused:\n%s", dump(probs))
	}
}

// TestMapKeys: keys that the decoder would turn into other text than the loader checked.
func TestMapKeys(t *testing.T) {
	for _, tt := range []struct{ name, key, msg string }{
		{"null key", "~", "a key must be plain text"},
		{"binary key", "!!binary YQpiOiBj", "the tag !!binary is not allowed on a key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			doc, probs := check(argsSpec("apiServer", tt.key, `"1"`))
			if doc != nil && len(probs.Errors()) == 0 {
				t.Fatal("accepted")
			}
			if !problemAt(probs, false, "components.apiServer.extraArgs", lAfterBase+3, tt.msg) {
				t.Errorf("want %q, got:\n%s", tt.msg, dump(probs))
			}
		})
	}
}
