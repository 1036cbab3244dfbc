package spec

import (
	"fmt"
	"strings"
	"testing"
)

// TestFlagTables: the generated tables cover every supported minor and every
// program whose flags the spec sets, and hold flags each program has had for
// years (a truncated or empty table would let anything through).
func TestFlagTables(t *testing.T) {
	tables, err := FlagTables()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"kube-apiserver":          {"etcd-servers", "runtime-config", "audit-policy-file", "encryption-provider-config", "feature-gates", "v"},
		"kube-controller-manager": {"node-monitor-grace-period", "horizontal-pod-autoscaler-sync-period", "cluster-signing-duration", "controllers"},
		"kube-scheduler":          {"config", "leader-elect", "feature-gates"},
		"kubelet":                 {"node-labels", "node-ip", "max-pods", "register-with-taints"},
	}
	if len(tables) == 0 {
		t.Fatal("no tables")
	}
	for m := MinMinor; m <= MaxMinor; m++ {
		minor := fmt.Sprintf("v1.%d", m)
		table := tables[minor]
		if table == nil {
			t.Errorf("no flag table for %s: run hack/kubeflags.sh 1.%d.0", minor, m)
			continue
		}
		for program, flags := range want {
			if len(table[program]) < 40 {
				t.Errorf("%s: %s has %d flags", minor, program, len(table[program]))
			}
			for _, f := range flags {
				if _, ok := table[program][f]; !ok {
					t.Errorf("%s: %s lacks --%s", minor, program, f)
				}
			}
		}
		if n := len(table["feature-gate"]); n < 100 {
			t.Errorf("%s: %d feature gates", minor, n)
		}
		if _, ok := table["feature-gate"]["AllAlpha"]; !ok {
			t.Errorf("%s: no AllAlpha feature gate", minor)
		}
		if _, ok := table["kube-controller-manager"]["horizontal-pod-autoscaler-use-rest-clients"]; ok {
			t.Errorf("%s: kube-controller-manager still has the flag removed in 1.21", minor)
		}
	}
	if len(tables) != MaxMinor-MinMinor+1 {
		t.Errorf("%d tables for %d supported minors", len(tables), MaxMinor-MinMinor+1)
	}
}

// TestUnknownFlags: a flag the targeted release's program does not have is an
// error naming the field, the program and the release, with the nearest flag
// when one is close; a deprecated one is a warning.
func TestUnknownFlags(t *testing.T) {
	const src = `name: t
kubernetesVersion: "1.32.0"
os: rocky-9
components:
  controllerManager:
    extraArgs:
      FLAG: "true"
nodes:
  - name: cp
    role: control-plane
    ip: 192.168.1.11
`
	for _, tc := range []struct {
		name, flag, component string
		msg                   []string
	}{
		{"removed in 1.21", "horizontal-pod-autoscaler-use-rest-clients", "controllerManager",
			[]string{"kube-controller-manager 1.32 has no flag --horizontal-pod-autoscaler-use-rest-clients", "refuse to start"}},
		{"typo", "node-monitor-grace-perod", "controllerManager", []string{"did you mean node-monitor-grace-period?"}},
		{"another program's", "runtime-config", "controllerManager", []string{"kube-controller-manager 1.32 has no flag --runtime-config"}},
		{"kubelet", "max-pod", "kubelet", []string{"kubelet 1.32 has no flag --max-pod", "did you mean max-pods?"}},
		{"scheduler", "leader-elect-lease", "scheduler", []string{"kube-scheduler 1.32 has no flag"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := strings.Replace(src, "FLAG", tc.flag, 1)
			s = strings.Replace(s, "controllerManager:", tc.component+":", 1)
			_, probs := check(s)
			expect(t, probs.Errors(), false, want{"components." + tc.component + ".extraArgs." + tc.flag, 7, tc.msg})
		})
	}
}

// TestDeprecatedFlag: a flag the program still parses but marks deprecated is
// a warning, not an error.
func TestDeprecatedFlag(t *testing.T) {
	src := "name: t\nkubernetesVersion: \"1.32.0\"\nos: rocky-9\ncomponents:\n  kubelet:\n    extraArgs:\n      max-pods: \"200\"\n" +
		"nodes:\n  - name: cp\n    role: control-plane\n    ip: 192.168.1.11\n"
	_, probs := check(src)
	if len(probs) != 1 || !probs[0].Warning || probs[0].Line != 7 || !strings.Contains(probs[0].Msg, "--max-pods is deprecated in kubelet 1.32") {
		t.Fatalf("want one warning on line 7, got:\n%s", dump(probs))
	}
}

// TestFeatureGates: a gate the release does not have is an error with the
// nearest name; a gate locked to its default refuses the other value; a
// deprecated gate is a warning; featureGates and a feature-gates extra
// argument do not mix.
func TestFeatureGates(t *testing.T) {
	const src = `name: t
kubernetesVersion: "1.32.0"
os: rocky-9
featureGates:
  GATE: VALUE
nodes:
  - name: cp
    role: control-plane
    ip: 192.168.1.11
`
	spec := func(gate, value string) string {
		return strings.Replace(strings.Replace(src, "GATE", gate, 1), "VALUE", value, 1)
	}
	if _, probs := check(spec("CPUManagerPolicyAlphaOptions", "true")); len(probs) != 0 {
		t.Fatalf("an alpha gate is refused:\n%s", dump(probs))
	}
	if _, probs := check(spec("CPUManager", "true")); len(probs) != 0 {
		t.Fatalf("a locked gate at its default is refused:\n%s", dump(probs))
	}
	for _, tc := range []struct {
		name, gate, value string
		msg               []string
	}{
		{"unknown", "NoSuchGate", "true", []string{"Kubernetes 1.32 has no feature gate NoSuchGate"}},
		{"typo", "CPUManagerPolicyOption", "true", []string{"did you mean CPUManagerPolicyOptions?"}},
		{"locked", "CPUManager", "false", []string{"CPUManager is locked to true in Kubernetes 1.32"}},
		{"locked off", "AllowServiceLBStatusOnNonLB", "true", []string{"locked to false"}},
		{"not a name", "\"A,B\"", "true", []string{"is not a feature gate name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, probs := check(spec(tc.gate, tc.value))
			expect(t, probs.Errors(), false, want{"featureGates." + strings.Trim(tc.gate, `"`), 5, tc.msg})
		})
	}
	_, probs := check(spec("AllowDNSOnlyNodeCSR", "true"))
	if len(probs) != 1 || !probs[0].Warning || !strings.Contains(probs[0].Msg, "feature gate AllowDNSOnlyNodeCSR is deprecated") {
		t.Errorf("want a deprecation warning, got:\n%s", dump(probs))
	}
	both := strings.Replace(spec("CPUManagerPolicyOptions", "true"), "nodes:", "components:\n  scheduler:\n    extraArgs:\n      feature-gates: CPUManagerPolicyOptions=true\nnodes:", 1)
	_, probs = check(both)
	expect(t, probs.Errors(), false, want{"components.scheduler.extraArgs.feature-gates", 9, []string{"featureGates sets the gates of every component"}})
	flag := strings.Replace(src, "featureGates:\n  GATE: VALUE\n", "components:\n  apiServer:\n    extraArgs:\n      feature-gates: NoSuchGate=true\n", 1)
	_, probs = check(flag)
	expect(t, probs.Errors(), false, want{"components.apiServer.extraArgs.feature-gates", 7, []string{"has no feature gate NoSuchGate"}})
}

// From 1.35 a gate that is on needs the gates it depends on: the components
// refuse to start otherwise, and so does the spec, naming the gate to set.
func TestFeatureGateDependencies(t *testing.T) {
	v135 := strings.Replace(base, `"1.32.0"`, `"1.35.0"`, 1)
	const l = lAfterBase + 1
	tests := []struct {
		name, src string
		want      []want
	}{
		{"alpha gate without the alpha gate it needs", v135 + "featureGates:\n  GangScheduling: true\n",
			[]want{{"featureGates.GangScheduling", l, []string{"GangScheduling needs GenericWorkload, which is off by default in Kubernetes 1.35", "set GenericWorkload: true too"}}}},
		{"both on", v135 + "featureGates:\n  GangScheduling: true\n  GenericWorkload: true\n", nil},
		{"a needed gate turned off", v135 + "featureGates:\n  UserNamespacesSupport: false\n",
			[]want{{"featureGates.UserNamespacesSupport", l, []string{"ProcMountType is on (by default or here) and needs UserNamespacesSupport", "turn ProcMountType off too"}}}},
		{"before 1.35 nothing is checked", base + "featureGates:\n  GracefulNodeShutdown: false\n", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, probs := check(tc.src)
			if tc.want == nil {
				expect(t, probs.Errors(), true)
				return
			}
			expect(t, probs.Errors(), false, tc.want...)
		})
	}
	tables, err := FlagTables()
	if err != nil {
		t.Fatal(err)
	}
	for minor := range tables {
		f := gateFacts[minor]
		if f == nil || len(f.On) == 0 {
			t.Errorf("%s: no gate defaults in the table", minor)
		}
		if minor >= "v1.35" && len(f.Needs) == 0 {
			t.Errorf("%s: no gate dependencies in the table", minor)
		}
	}
}
