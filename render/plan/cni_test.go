package plan_test

import (
	"os/exec"
	"strings"
	"testing"
)

// cniFixtures are the lines of each CNI's upstream manifest that k8sgen's sed
// edits, as the releases k8sgen pins spell them (Calico's commented pool,
// Flannel's net-conf.json, Weave Net's weave container, a Helm-rendered
// Cilium), and the images the image repository replaces.
var cniFixtures = map[string]string{
	"calico": `            # - name: CALICO_IPV4POOL_CIDR
            #   value: "192.168.0.0/16"
          image: docker.io/calico/node:v3.29.3
`,
	"flannel": `  net-conf.json: |
    {
      "Network": "10.244.0.0/16",
      "EnableNFTables": false,
        image: ghcr.io/flannel-io/flannel:v0.26.4
`,
	"weave": `            - name: weave-init
              image: 'weaveworks/weave-kube:2.8.1'
              env:
            - name: weave
              env:
                - name: INIT_CONTAINER
                  value: "true"
              image: 'weaveworks/weave-kube:2.8.1'
            - name: weave-npc
              image: 'weaveworks/weave-npc:2.8.1'
`,
	"cilium": `  ipam: "kubernetes"
        image: "quay.io/cilium/cilium:v1.18.1@sha256:00"
`,
}

// The node's sed (GNU sed, as on every OS k8sgen targets) turns each fixture
// into a manifest with the pod subnet and the mirror's images, which its check
// line finds; an upstream name left over means a mirror the nodes cannot reach.
func TestCNIRewriteOnManifests(t *testing.T) {
	if _, err := exec.LookPath("sed"); err != nil {
		t.Skip("no sed")
	}
	for cni, fixture := range cniFixtures {
		t.Run(cni, func(t *testing.T) {
			spec := "name: c\nkubernetesVersion: \"1.33.0\"\nos: ubuntu-24.04\nnetwork:\n  cni: " + cni +
				"\n  podSubnet: 10.80.0.0/16\n  cniImageRepository: harbor:443/mirror\n"
			if cni == "cilium" {
				spec += "  cniManifest: https://files.example/cilium.yaml\n"
			}
			spec += "nodes:\n  - {name: cp, role: control-plane, ip: 192.168.1.10}\n"
			p := buildSpec(t, []byte(spec))[0]
			cmd := exec.Command("sed", p.CNISed...)
			cmd.Stdin = strings.NewReader(fixture)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("sed %q: %v", p.CNISed, err)
			}
			got := string(out)
			if !strings.Contains(got, p.CNICheck) {
				t.Errorf("the rewritten manifest lacks %q:\n%s", p.CNICheck, got)
			}
			if cni != "cilium" && !strings.Contains(got, "10.80.0.0/16") {
				t.Errorf("the pod subnet is not in the manifest:\n%s", got)
			}
			for _, upstream := range []string{"docker.io/calico/", "ghcr.io/flannel-io/", "weaveworks/", "quay.io/cilium/"} {
				if strings.Contains(got, "image: "+upstream) || strings.Contains(got, "image: '"+upstream) || strings.Contains(got, `image: "`+upstream) {
					t.Errorf("an upstream image is left:\n%s", got)
				}
			}
			if !strings.Contains(got, "harbor:443/mirror/") {
				t.Errorf("no image from the mirror:\n%s", got)
			}
		})
	}
}
