package spec

import "testing"

// TestRedteamModuleNameIsNotAnOption: moduleRE allows a leading '-', and an
// unknown name is only a warning, so kernel.modules ["-c"] is valid. The kernel
// step runs `modprobe "$mod"`: modprobe takes "-c" as --showconfig, prints its
// configuration and exits 0, so the step reports success for a module it never
// loaded; other names ("-r", "-n") change what modprobe does. No module name
// starts with '-'.
func TestRedteamModuleNameIsNotAnOption(t *testing.T) {
	for _, m := range []string{"-c", "--dry-run", "-r"} {
		t.Run(m, func(t *testing.T) {
			_, probs := check(base + "kernel:\n  modules: [\"" + m + "\"]\n")
			for _, p := range probs.Errors() {
				if p.Path == "kernel.modules[0]" {
					return
				}
			}
			t.Errorf("kernel.modules %q is accepted; modprobe reads it as an option\nproblems:\n%s", m, dump(probs))
		})
	}
}
