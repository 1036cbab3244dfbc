package spec

import "testing"

// TestFirstHourHints: the words tutorials use for k8sgen's fields and values
// get a "did you mean", passwords in the spec get the supported way, and
// end-of-life releases get the nearest supported one; each with field and line.
func TestFirstHourHints(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		w    want
	}{
		{"role master", edit(t, "role: worker", "role: master"),
			want{"nodes[1].role", lNode1Role, []string{`unknown value "master" (did you mean "control-plane"?)`, "control-plane, worker"}}},
		{"role node", edit(t, "role: worker", "role: node"),
			want{"nodes[1].role", lNode1Role, []string{`(did you mean "worker"?)`}}},
		{"cni typo", edit(t, "cni: calico", "cni: calcio"),
			want{"network.cni", 7, []string{`unknown value "calcio" (did you mean "calico"?)`}}},
		{"imageRepo", base + "imageRepo: harbor.lab/k8s\n",
			want{"imageRepo", lAfterBase, []string{`unknown field (did you mean "imageRepository"?)`}}},
		{"kubeProxy", base + "kubeProxy: {}\n",
			want{"kubeProxy", lAfterBase, []string{`did you mean "kubeProxyConfiguration"?`}}},
		{"controlPlane", base + "controlPlane: 10.0.0.1\n",
			want{"controlPlane", lAfterBase, []string{`did you mean "controlPlaneEndpoint" or "controlPlaneFiles"?`}}},
		{"registry password", base + "registries:\n  - host: harbor.lab\n    username: admin\n    password: Harbor12345\n",
			want{"registries[0].password", lAfterBase + 3, []string{"passwords never live in cluster.yaml", "passwordEnv"}}},
		{"registry username alone", base + "registries:\n  - host: harbor.lab\n    username: admin\n",
			want{"registries[0]", lAfterBase + 1, []string{"username and passwordEnv go together", "passwords never live in cluster.yaml"}}},
		{"debug user password", base + "debugUser:\n  name: ops\n  passwordHash: '$6$x$y'\n  password: x\n",
			want{"debugUser.password", lAfterBase + 3, []string{"passwords never live in cluster.yaml", "passwordHash", "openssl passwd -6"}}},
		{"os centos-7", edit(t, "os: ubuntu-24.04", "os: centos-7"),
			want{"os", lOS, []string{`"centos-7" is not supported`, "end of life on 2024-06-30", "rocky-8"}}},
		{"os rocky", edit(t, "os: ubuntu-24.04", "os: rocky"),
			want{"os", lOS, []string{`unknown os "rocky" (did you mean "rocky-8" or "rocky-9"?)`}}},
		{"os centos-9", edit(t, "os: ubuntu-24.04", "os: centos-9"),
			want{"os", lOS, []string{`(did you mean "centos-stream-9"?)`}}},
		{"os typo", edit(t, "os: ubuntu-24.04", "os: ubuntu-24.4"),
			want{"os", lOS, []string{`(did you mean "ubuntu-24.04"?)`}}},
		{"old release", edit(t, `kubernetesVersion: "1.32.0"`, `kubernetesVersion: "1.28.2"`),
			want{"kubernetesVersion", 2, []string{"1.28.2 is not supported", "out of upstream support", "nearest supported release is 1.30"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, probs := check(tc.src)
			expect(t, probs.Errors(), false, tc.w)
		})
	}
}

// TestSuggest pins the rule: case first, then one edit (two from eight
// characters), then the names the word begins.
func TestSuggest(t *testing.T) {
	known := []string{"name", "network", "nodes", "imageRepository", "controlPlaneEndpoint", "controlPlaneFiles", "os"}
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"Network", `"network"`},
		{"netwrok", `"network"`},
		{"nam", `"name"`},
		{"imageRepositroy", `"imageRepository"`},
		{"imageRepo", `"imageRepository"`},
		{"controlplane", `"controlPlaneEndpoint" or "controlPlaneFiles"`},
		{"o", ""},
		{"xyz", ""},
		{"imag", `"imageRepository"`},
	} {
		if got := orList(suggest(tc.in, known)); got != tc.want {
			t.Errorf("suggest(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestELProfiles: the EL 8 rebuilds boot cgroup v1, so kubelet 1.35 and later
// (failCgroupV1) is refused on them as on rocky-8; their names as users write
// them get the profile.
func TestELProfiles(t *testing.T) {
	for _, os := range []string{"anolis-8", "tencentos-3", "openeuler-22.03", "rocky-8"} {
		src := edit(t, "os: ubuntu-24.04", "os: "+os, `kubernetesVersion: "1.32.0"`, `kubernetesVersion: "1.35.0"`)
		_, probs := check(src)
		expect(t, probs.Errors(), true, want{"kubernetesVersion", 2, []string{"does not run on " + os, "cgroup v1", "use Kubernetes 1.34"}})
		if _, probs := check(edit(t, "os: ubuntu-24.04", "os: "+os)); len(probs.Errors()) != 0 {
			t.Errorf("%s at 1.32 refused:\n%s", os, dump(probs.Errors()))
		}
	}
	for alias, prof := range map[string]string{"tencentos": "tencentos-3", "anolis": "anolis-8", "TencentOS-3.1": "tencentos-3"} {
		_, probs := check(edit(t, "os: ubuntu-24.04", "os: "+alias))
		expect(t, probs.Errors(), true, want{"os", lOS, []string{`(did you mean "` + prof + `"?)`}})
	}
}
