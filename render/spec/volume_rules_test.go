package spec

import (
	"strings"
	"testing"
)

func TestExtraVolumesAndFilesRefused(t *testing.T) {
	const l = lAfterBase + 1 // the first line of body
	vol := func(component, fields string) string {
		return "components:\n  " + component + ":\n    extraVolumes:\n      - " + fields + "\n"
	}
	const lv = lAfterBase + 3 // the volume's line in vol
	tests := []struct {
		name, body string
		want       want
	}{
		{"etcd", vol("etcd", "{name: a, hostPath: /a, mountPath: /a}"),
			want{"components.etcd.extraVolumes", lAfterBase + 2, []string{"only into kube-apiserver"}}},
		{"kubelet", vol("kubelet", "{name: a, hostPath: /a, mountPath: /a}"),
			want{"components.kubelet.extraVolumes", lAfterBase + 2, []string{"only into kube-apiserver"}}},
		{"name", vol("apiServer", "{name: Audit_Policy, hostPath: /a, mountPath: /a}"),
			want{"components.apiServer.extraVolumes[0].name", lv, []string{"not a volume name"}}},
		{"kubeadm's name", vol("apiServer", "{name: k8s-certs, hostPath: /a, mountPath: /a}"),
			want{"components.apiServer.extraVolumes[0].name", lv, []string{"a volume kubeadm gives the static pod itself"}}},
		{"relative host path", vol("apiServer", "{name: a, hostPath: audit, mountPath: /a}"),
			want{"components.apiServer.extraVolumes[0].hostPath", lv, []string{"not an absolute path"}}},
		{"unclean path", vol("scheduler", "{name: a, hostPath: /a/../etc, mountPath: /a}"),
			want{"components.scheduler.extraVolumes[0].hostPath", lv, []string{"not a clean path; write /etc"}}},
		{"shell in a path", vol("apiServer", "{name: a, hostPath: '/a$(id)', mountPath: /a}"),
			want{"components.apiServer.extraVolumes[0].hostPath", lv, []string{"holds no ':'"}}},
		{"hides the certificates", vol("apiServer", "{name: a, hostPath: /x, mountPath: /etc/kubernetes}"),
			want{"components.apiServer.extraVolumes[0].mountPath", lv, []string{"would hide /etc/kubernetes/pki"}}},
		{"root", vol("controllerManager", "{name: a, hostPath: /x, mountPath: /}"),
			want{"components.controllerManager.extraVolumes[0].mountPath", lv, []string{"would hide /"}}},
		{"inside a read-only mount", vol("apiServer", "{name: a, hostPath: /x, mountPath: /etc/kubernetes/pki/audit}"),
			want{"components.apiServer.extraVolumes[0].mountPath", lv, []string{"lies inside /etc/kubernetes/pki", "would not start"}}},
		{"path type", vol("apiServer", "{name: a, hostPath: /a, mountPath: /a, pathType: directory}"),
			want{"components.apiServer.extraVolumes[0].pathType", lv, []string{"not a hostPath type"}}},
		{"no mount path", vol("apiServer", "{name: a, hostPath: /a}"),
			want{"components.apiServer.extraVolumes[0].mountPath", lv, []string{"required"}}},
		{"duplicate", "components:\n  apiServer:\n    extraVolumes:\n      - {name: a, hostPath: /a, mountPath: /a}\n      - {name: a, hostPath: /b, mountPath: /a}\n",
			want{"components.apiServer.extraVolumes[1].name", lv + 1, []string{"already components.apiServer.extraVolumes[0]"}}},
		{"file outside /etc/kubernetes", "controlPlaneFiles:\n  - {path: /etc/passwd, content: x}\n",
			want{"controlPlaneFiles[0].path", l, []string{"outside /etc/kubernetes/"}}},
		{"file in pki", "controlPlaneFiles:\n  - {path: /etc/kubernetes/pki/ca.key, content: x}\n",
			want{"controlPlaneFiles[0].path", l, []string{"inside /etc/kubernetes/pki/, which kubeadm writes"}}},
		{"file over a kubeconfig", "controlPlaneFiles:\n  - {path: /etc/kubernetes/admin.conf, content: x}\n",
			want{"controlPlaneFiles[0].path", l, []string{"kubeadm writes its kubeconfig files"}}},
		{"file path escapes", "controlPlaneFiles:\n  - {path: /etc/kubernetes/../shadow, content: x}\n",
			want{"controlPlaneFiles[0].path", l, []string{"not a clean path"}}},
		{"file mode", "controlPlaneFiles:\n  - {path: /etc/kubernetes/a/b, content: x, mode: \"0777\"}\n",
			want{"controlPlaneFiles[0].mode", l, []string{`"0777": use one of 0600`}}},
		{"file content with NUL", "controlPlaneFiles:\n  - {path: /etc/kubernetes/a/b, content: \"a\\0b\"}\n",
			want{"controlPlaneFiles[0].content", l, []string{"control character"}}},
		{"file content too big", "controlPlaneFiles:\n  - {path: /etc/kubernetes/a/b, content: " + strings.Repeat("a", 70000) + "}\n",
			want{"controlPlaneFiles[0].content", l, []string{"the limit is 65536"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, probs := check(base + tc.body)
			expect(t, probs.Errors(), false, tc.want)
		})
	}
}

// A flag's file inside an extra volume is no longer warned about; outside, it is.
func TestFlagPathsInVolumes(t *testing.T) {
	src := base + `components:
  apiServer:
    extraArgs:
      audit-policy-file: /etc/kubernetes/audit/policy.yaml
      audit-log-path: /var/log/audit.log
    extraVolumes:
      - {name: audit, hostPath: /etc/kubernetes/audit, mountPath: /etc/kubernetes/audit, readOnly: true}
controlPlaneFiles:
  - path: /etc/kubernetes/audit/policy.yaml
    content: |
      apiVersion: audit.k8s.io/v1
      kind: Policy
      rules:
        - level: Metadata
`
	_, probs := check(src)
	expect(t, probs.Errors(), true)
	ws := probs.Warnings()
	if len(ws) != 1 || ws[0].Path != "components.apiServer.extraArgs.audit-log-path" || !strings.Contains(ws[0].Msg, "extraVolumes") {
		t.Errorf("warnings: %v", ws)
	}
}
