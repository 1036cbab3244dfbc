package spec

import (
	"encoding/base64"
	"testing"
)

// TestRedteamBinaryTagBypassesTextChecks: the loader checks n.Value of each
// scalar node, but for a !!binary scalar that is the base64 text, and
// yaml.v3's Decode then stores the decoded bytes in the string field. So any
// field without a format check of its own (registries[].username) takes NUL,
// newlines and invalid UTF-8: `k8sgen validate` says valid, and then either the
// render fails (tomlq refuses invalid UTF-8, exit 1 after "valid") or containerd's
// config.toml gets a user name holding "\n" and "\u0000". The README promises
// control characters are "refused at load, with field and line" for every field.
// Check the decoded value, or refuse tags other than !!str on string fields.
func TestRedteamBinaryTagBypassesTextChecks(t *testing.T) {
	for name, raw := range map[string]string{
		"newline and NUL": "robot\n[x]\x00",
		"invalid UTF-8":   "robot\xff",
	} {
		t.Run(name, func(t *testing.T) {
			src := base + "registries:\n  - host: harbor:443\n    username: !!binary " + base64.StdEncoding.EncodeToString([]byte(raw)) + "\n    passwordEnv: PW\n"
			doc, probs := check(src)
			for _, p := range probs.Errors() {
				if p.Path == "registries[0].username" || p.Path == "registries[0]" {
					return
				}
			}
			got := ""
			if doc != nil && len(doc.Cluster.Registries) > 0 {
				got = doc.Cluster.Registries[0].Username
			}
			t.Errorf("a !!binary user name decoding to %q is accepted (field holds %q)\nproblems:\n%s", raw, got, dump(probs))
		})
	}
}
