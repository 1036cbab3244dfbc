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
		{"kubelet value with a dollar", "kubelet", "root-dir", `"/var/lib/$(id)"`,
			"components.kubelet.extraArgs.root-dir", []string{"may hold only"}},
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
			if doc == nil || len(probs) != 0 {
				t.Fatalf("doc=%v problems:\n%s", doc != nil, dump(probs))
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
