package profiles

import "testing"

// TestProfilesComplete checks that every selectable profile says how it installs
// Kubernetes, keeps time, where its script lives and how it boots, with values
// the plan knows.
func TestProfilesComplete(t *testing.T) {
	for _, name := range Names() {
		p, err := Get(name)
		if err != nil {
			t.Fatal(err)
		}
		check := func(field, got string, allowed ...string) {
			for _, a := range allowed {
				if got == a {
					return
				}
			}
			t.Errorf("profile %s: %s is %q, want one of %q", name, field, got, allowed)
		}
		check("packageManager", p.PackageManager, "apt", "dnf", "none")
		check("install", p.Install, "packages", "sysext")
		check("timeSync", p.TimeSync, "chrony", "timesyncd")
		check("output", p.Output, "cloud-init", "ignition")
		if p.BinDir == "" || p.BinDir[0] != '/' {
			t.Errorf("profile %s: binDir %q is not an absolute path", name, p.BinDir)
		}
		if (p.Install == "packages") != (p.PackageManager != "none") {
			t.Errorf("profile %s: install %s with package manager %s", name, p.Install, p.PackageManager)
		}
		if p.TimeSync == "chrony" && (p.Chrony.Package == "" || p.Chrony.Service == "" || p.Chrony.Config == "") {
			t.Errorf("profile %s: chrony without its package, service or config", name)
		}
		if p.Output == "ignition" && (p.Butane.Variant == "" || p.Butane.Version == "" || p.LoginUser == "") {
			t.Errorf("profile %s: ignition output without a Butane variant and version or a login user", name)
		}
		if !p.Containerd.Builtin && p.Containerd.Package == "" {
			t.Errorf("profile %s: containerd neither built in nor a package", name)
		}
	}
}
