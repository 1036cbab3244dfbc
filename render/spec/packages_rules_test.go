package spec

import (
	"strings"
	"testing"
)

// TestPackageSources: a flat runtime repository, one packages.extra
// repository serving Kubernetes and the runtime (tutorial 001's createrepo
// folder), and the refusals around them, each with field and line.
func TestPackageSources(t *testing.T) {
	const extra = "packages:\n  extra:\n    - name: local\n      baseURL: http://10.0.0.3/k8s/\n      gpgCheck: false\n"
	ok := []string{
		base + extra + "  kubernetes:\n    from: local\n  runtime:\n    from: local\n",
		base + "packages:\n  runtime:\n    baseURL: http://10.0.0.3/docker/\n    layout: flat\n    gpgKey: http://10.0.0.3/docker/gpg\n",
		base + "packages:\n  runtime:\n    baseURL: https://mirrors.aliyun.com/docker-ce/linux/ubuntu\n    layout: docker\n",
	}
	for _, src := range ok {
		if _, probs := check(src); len(probs.Errors()) != 0 {
			t.Errorf("refused:\n%s\n%s", src, dump(probs.Errors()))
		}
	}
	l := lAfterBase + 5 // the line after extra
	for _, tc := range []struct {
		name string
		src  string
		w    want
	}{
		{"unknown from", base + extra + "  runtime:\n    from: nope\n",
			want{"packages.runtime.from", l + 1, []string{`"nope" names no packages.extra repository; choose one of: local`}}},
		{"from without extra", base + "packages:\n  kubernetes:\n    from: local\n",
			want{"packages.kubernetes.from", lAfterBase + 2, []string{"add the repository under packages.extra first"}}},
		{"from and baseURL", base + extra + "  runtime:\n    from: local\n    baseURL: http://10.0.0.3/docker/\n",
			want{"packages.runtime.from", l + 1, []string{"the packages.extra repository local says where and how", "drop baseURL"}}},
		{"from on extra", base + "packages:\n  extra:\n    - name: local\n      baseURL: http://10.0.0.3/k8s/\n      gpgCheck: false\n      from: other\n",
			want{"packages.extra[0].from", lAfterBase + 5, []string{"only packages.kubernetes and packages.runtime"}}},
		{"layout on extra", base + "packages:\n  extra:\n    - name: local\n      baseURL: http://10.0.0.3/k8s/\n      gpgCheck: false\n      layout: flat\n",
			want{"packages.extra[0].layout", lAfterBase + 5, []string{"an extra repository is flat"}}},
		{"runtime layout pkgs", base + "packages:\n  runtime:\n    baseURL: http://10.0.0.3/docker/\n    layout: pkgs\n",
			want{"packages.runtime.layout", lAfterBase + 3, []string{`unknown value "pkgs"`, "docker, flat"}}},
		{"flat runtime without key", base + "packages:\n  runtime:\n    baseURL: http://10.0.0.3/docker/\n    layout: flat\n",
			want{"packages.runtime.gpgKey", lAfterBase + 1, []string{"k8sgen cannot tell where this repository's signing key is"}}},
		{"ftp", base + "packages:\n  kubernetes:\n    baseURL: ftp://192.168.88.3/k8s/\n    layout: flat\n    gpgCheck: false\n",
			want{"packages.kubernetes.baseURL", lAfterBase + 2, []string{"http(s) repositories only", "python3 -m http.server 80"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, probs := check(tc.src)
			expect(t, probs.Errors(), true, tc.w)
		})
	}
}

// TestCRIDockerdFormats: the file name of packages.criDockerd.url says how the
// node installs it; a package the OS cannot install is refused at render.
func TestCRIDockerdFormats(t *testing.T) {
	docker := func(os, url string) string {
		return editOf(t, base, "os: ubuntu-24.04", "os: "+os, "runtime: containerd", "runtime: docker\npackages:\n  criDockerd:\n    url: "+url+"\n    sha256: "+strings.Repeat("0", 64))
	}
	for _, ok := range [][2]string{
		{"ubuntu-24.04", "https://files.lab/cri-dockerd-0.3.17.amd64.tgz"},
		{"ubuntu-24.04", "https://files.lab/cri-dockerd_0.3.17.3-0.ubuntu-jammy_amd64.deb"},
		{"rocky-8", "https://files.lab/cri-dockerd-0.3.12-3.el8.x86_64.rpm"},
		{"rocky-9", "https://files.lab/cri-dockerd-0.3.17-3.x86_64.rpm"},
	} {
		if _, probs := check(docker(ok[0], ok[1])); len(probs.Errors()) != 0 {
			t.Errorf("%s on %s refused:\n%s", ok[1], ok[0], dump(probs.Errors()))
		}
	}
	const l = 12 // packages.criDockerd.url's line
	for _, tc := range []struct {
		name, os, url string
		msg           []string
	}{
		{"el7 on rocky-9", "rocky-9", "https://github.com/Mirantis/cri-dockerd/releases/download/v0.3.12/cri-dockerd-0.3.12-3.el7.x86_64.rpm",
			[]string{"built for EL 7, and rocky-9 is EL 9", "el9 package or the release archive"}},
		{"rpm on ubuntu", "ubuntu-24.04", "https://files.lab/cri-dockerd-0.3.12-3.el8.x86_64.rpm",
			[]string{"an .rpm package, which ubuntu-24.04 cannot install"}},
		{"deb on rocky", "rocky-9", "https://files.lab/cri-dockerd_0.3.17.3-0.debian-bookworm_amd64.deb",
			[]string{"a .deb package, which rocky-9 cannot install"}},
		{"zip", "rocky-9", "https://files.lab/cri-dockerd.zip",
			[]string{"release archive (.tgz or .tar.gz", "(.rpm, .deb)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, probs := check(docker(tc.os, tc.url))
			expect(t, probs.Errors(), true, want{"packages.criDockerd.url", l, tc.msg})
		})
	}
}

// TestPackageSourcesRedTeam: a flat repository without its address, and an
// extra repository under a name whose file k8sgen's own repositories write.
func TestPackageSourcesRedTeam(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		w    want
	}{
		{"flat kubernetes without baseURL", base + "packages:\n  kubernetes:\n    layout: flat\n    gpgCheck: true\n",
			want{"packages.kubernetes.layout", lAfterBase + 2, []string{"flat needs baseURL"}}},
		{"flat runtime without baseURL", base + "packages:\n  runtime:\n    layout: flat\n",
			want{"packages.runtime.layout", lAfterBase + 2, []string{"flat needs baseURL"}}},
		{"extra named docker-ce", base + "packages:\n  extra:\n    - name: docker-ce\n      baseURL: http://10.0.0.3/k8s/\n      gpgCheck: false\n",
			want{"packages.extra[0].name", lAfterBase + 2, []string{"the name of a repository k8sgen adds"}}},
		{"extra named kubernetes-v1.31", base + "packages:\n  extra:\n    - name: kubernetes-v131\n      baseURL: http://10.0.0.3/k8s/\n      gpgCheck: false\n",
			want{"packages.extra[0].name", lAfterBase + 2, []string{"the name of a repository k8sgen adds"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, probs := check(tc.src)
			expect(t, probs.Errors(), false, tc.w)
		})
	}
	long := strings.Repeat("x", 100000)
	if got := suggest(long, []string{"name", "nodes"}); got != nil {
		t.Errorf("suggest of a long word: %v", got)
	}
}

// TestEL8CentOSTree: a mirror of Docker's CentOS tree for an EL 8 OS is
// warned about (its EL 8 packages stopped at docker-ce 26.1.3); the RHEL tree
// and EL 9's CentOS tree are not.
func TestEL8CentOSTree(t *testing.T) {
	warned := func(os, url string) bool {
		_, probs := check(editOf(t, base, "os: ubuntu-24.04", "os: "+os) + "packages:\n  runtime:\n    baseURL: " + url + "\n")
		if len(probs.Errors()) > 0 {
			t.Fatalf("%s %s: %s", os, url, dump(probs.Errors()))
		}
		for _, p := range probs.Warnings() {
			if p.Path == "packages.runtime.baseURL" && p.Line == lAfterBase+2 && strings.Contains(p.Msg, "stopped at docker-ce 26.1.3") {
				return true
			}
		}
		return false
	}
	for _, tc := range []struct {
		os, url string
		want    bool
	}{
		{"rocky-8", "https://mirrors.aliyun.com/docker-ce/linux/centos", true},
		{"tencentos-3", "https://mirrors.aliyun.com/docker-ce/linux/centos", true},
		{"rocky-8", "https://mirrors.aliyun.com/docker-ce/linux/rhel", false},
		{"rocky-9", "https://mirrors.aliyun.com/docker-ce/linux/centos", false},
	} {
		if got := warned(tc.os, tc.url); got != tc.want {
			t.Errorf("%s with %s: warned %v, want %v", tc.os, tc.url, got, tc.want)
		}
	}
}
