package spec

import (
	"sort"
	"strconv"
	"strings"
)

// maxSuggestLen bounds the words suggest compares: no field or value is this
// long, and the comparison costs the product of the lengths.
const maxSuggestLen = 100

// valueAliases are words the tutorials use for a value k8sgen spells
// otherwise: kubeadm renamed master to control-plane in 1.20.
var valueAliases = map[string]string{
	"master": RoleControlPlane,
	"node":   RoleWorker,
	"minion": RoleWorker,
}

// suggest returns what s may have meant among known: the names that differ
// only in case; else those one edit away (for words of three characters or
// more; two edits for eight or more; a swap of neighbours is one edit); else
// the names s begins, when it has four characters or more (imageRepo →
// imageRepository).
func suggest(s string, known []string) []string {
	if len(s) > maxSuggestLen {
		return nil
	}
	ls := strings.ToLower(s)
	limit := 1
	switch {
	case len(ls) < 3:
		limit = 0
	case len(ls) >= 8:
		limit = 2
	}
	var out []string
	for d := 0; d <= limit && len(out) == 0; d++ {
		for _, k := range known {
			if diff := len(k) - len(ls); diff > d || -diff > d {
				continue // more edits than d apart by length alone
			}
			if typoDistance(ls, strings.ToLower(k)) == d {
				out = append(out, k)
			}
		}
	}
	if len(out) == 0 && len(ls) >= 4 {
		for _, k := range known {
			if lk := strings.ToLower(k); lk != ls && strings.HasPrefix(lk, ls) {
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// orList quotes names and joins them as "a", "a" or "b", "a", "b" or "c".
func orList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	switch len(q) {
	case 0:
		return ""
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// osAliases are names users give an OS that k8sgen spells otherwise (as the
// tutorials and /etc/os-release do), with the profiles they mean.
var osAliases = map[string][]string{
	"centos":              {"centos-stream-9"},
	"centos-9":            {"centos-stream-9"},
	"centos-stream":       {"centos-stream-9"},
	"centos9":             {"centos-stream-9"},
	"rocky":               {"rocky-8", "rocky-9"},
	"rockylinux":          {"rocky-8", "rocky-9"},
	"rocky8":              {"rocky-8"},
	"rocky9":              {"rocky-9"},
	"rockylinux-8":        {"rocky-8"},
	"rockylinux-9":        {"rocky-9"},
	"alma":                {"almalinux-9"},
	"almalinux":           {"almalinux-9"},
	"alma-9":              {"almalinux-9"},
	"rhel":                {"almalinux-9", "rocky-9"},
	"rhel-8":              {"rocky-8"},
	"rhel-9":              {"almalinux-9", "rocky-9"},
	"redhat":              {"almalinux-9", "rocky-9"},
	"ubuntu":              {"ubuntu-22.04", "ubuntu-24.04"},
	"debian":              {"debian-12"},
	"bookworm":            {"debian-12"},
	"jammy":               {"ubuntu-22.04"},
	"noble":               {"ubuntu-24.04"},
	"fedora-coreos":       {"fcos"},
	"flatcar-linux":       {"flatcar"},
	"flatcar-stable":      {"flatcar"},
	"coreos":              {"fcos", "flatcar"},
	"container-linux":     {"flatcar"},
	"anolis":              {"anolis-8"},
	"anolisos":            {"anolis-8"},
	"anolis-os-8":         {"anolis-8"},
	"tencentos":           {"tencentos-3"},
	"tencentos-3.1":       {"tencentos-3"},
	"tencentos-3.3":       {"tencentos-3"},
	"tlinux":              {"tencentos-3"},
	"openeuler":           {"openeuler-22.03"},
	"openeuler-22":        {"openeuler-22.03"},
	"openeuler-22.03-lts": {"openeuler-22.03"},
	"euler":               {"openeuler-22.03"},
}

// osEndOfLife are releases the tutorials use that no longer get fixes, with
// the nearest supported profile.
var osEndOfLife = map[string]string{
	"centos-7":     "CentOS 7 reached its end of life on 2024-06-30 and gets no fixes; the nearest supported OS is rocky-8 (the same EL family, yum and firewalld), or rocky-9",
	"centos7":      "CentOS 7 reached its end of life on 2024-06-30 and gets no fixes; the nearest supported OS is rocky-8 (the same EL family, yum and firewalld), or rocky-9",
	"centos-8":     "CentOS Linux 8 reached its end of life on 2021-12-31; use rocky-8, its rebuild",
	"centos8":      "CentOS Linux 8 reached its end of life on 2021-12-31; use rocky-8, its rebuild",
	"ubuntu-18.04": "Ubuntu 18.04's standard support ended in 2023; use ubuntu-22.04 or ubuntu-24.04",
	"ubuntu-20.04": "Ubuntu 20.04's standard support ended in 2025; use ubuntu-22.04 or ubuntu-24.04",
	"debian-10":    "Debian 10 is end of life; use debian-12",
	"debian-11":    "Debian 11's regular support ended in 2024; use debian-12",
}
