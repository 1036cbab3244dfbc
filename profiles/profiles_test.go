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
		check("install", p.Install, "packages", "sysext", "binaries")
		check("timeSync", p.TimeSync, "chrony", "timesyncd")
		check("output", p.Output, "cloud-init", "ignition")
		check("adminGroup", p.AdminGroup, "sudo", "wheel")
		for _, tool := range p.LacksTools {
			check("lacksTools", tool, "crictl", "conntrack")
		}
		if len(p.LacksTools) > 0 && p.Install == "packages" {
			t.Errorf("profile %s: a package manager installs %v with the Kubernetes packages", name, p.LacksTools)
		}
		if p.BinDir == "" || p.BinDir[0] != '/' {
			t.Errorf("profile %s: binDir %q is not an absolute path", name, p.BinDir)
		}
		if (p.PackageManager == "dnf") != (p.ELRelease == 8 || p.ELRelease == 9) {
			t.Errorf("profile %s: package manager %s with elRelease %d (dnf needs 8 or 9, others none)", name, p.PackageManager, p.ELRelease)
		}
		if (p.Install == "packages") != (p.PackageManager != "none") {
			t.Errorf("profile %s: install %s with package manager %s", name, p.Install, p.PackageManager)
		}
		if p.TimeSync == "chrony" && (p.Chrony.Service == "" || p.Chrony.Config == "") {
			t.Errorf("profile %s: chrony without its service or config", name)
		}
		// Only a package manager installs chrony; elsewhere the OS ships it.
		if p.TimeSync == "chrony" && (p.Chrony.Package == "") != (p.PackageManager == "none") {
			t.Errorf("profile %s: chrony package %q with package manager %s", name, p.Chrony.Package, p.PackageManager)
		}
		if p.Output == "ignition" && (p.Butane.Variant == "" || p.Butane.Version == "" || p.LoginUser == "") {
			t.Errorf("profile %s: ignition output without a Butane variant and version or a login user", name)
		}
		// containerd is built in, a package, or (install binaries) a release archive.
		if !p.Containerd.Builtin && p.Containerd.Package == "" && p.Install != "binaries" {
			t.Errorf("profile %s: containerd neither built in nor a package", name)
		}
		if p.Install == "binaries" && (p.Containerd.Builtin || p.Containerd.Package != "" || p.Containerd.ConfigVersion != 3) {
			t.Errorf("profile %s: install binaries brings containerd 2.x (config version 3), not a package or the OS's", name)
		}
	}
}
