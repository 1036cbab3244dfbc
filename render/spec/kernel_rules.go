package spec

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/k8sgen/k8sgen/profiles"
)

var (
	// Module names as modprobe takes them; netfilter targets are upper case (xt_REDIRECT).
	// Neither starts with '-': modprobe would take it for an option, sysctl.d for
	// its ignore-errors prefix.
	moduleRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_-]*$`)
	sysctlRE = regexp.MustCompile(`^[a-z0-9_][a-z0-9_-]*(\.[a-z0-9_-]+)+$`)
	// sysctlValueRE: sysctl.d has no quoting; '#' and ';' would start a comment.
	sysctlValueRE = regexp.MustCompile(`^[A-Za-z0-9._:/,+-]+( [A-Za-z0-9._:/,+-]+)*$`)
	// sysctlRoots are the directories of /proc/sys.
	sysctlRoots = []string{"abi", "crypto", "debug", "dev", "fs", "kernel", "net", "sunrpc", "user", "vm"}
	// perInterfaceRE matches keys with an interface (or "all"/"default") in the middle.
	perInterfaceRE = regexp.MustCompile(`^(net\.ipv[46]\.(?:conf|neigh))\.([^.]+)\.([^.]+)$`)
	// integersRE is one or more integers separated by blanks, e.g. "32768 60999".
	integersRE = regexp.MustCompile(`^-?[0-9]+([ \t]+-?[0-9]+)*$`)
)

// kernel checks kernel.modules and kernel.sysctls against what the node's kernel
// step does with them: modprobe each module, then `sysctl -p` the whole file.
func (v *validator) kernel(c *Cluster) {
	loaded := []string{"overlay", "br_netfilter"} // k8sgen loads these on every node
	if c.Network.KubeProxyMode == "ipvs" {
		loaded = append(loaded, "ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_sh", "nf_conntrack")
	}
	for i, m := range c.Kernel.Modules {
		p := fmt.Sprintf("kernel.modules[%d]", i)
		if !moduleRE.MatchString(m) {
			v.errorf(p, "%q is not a kernel module name", m)
			continue
		}
		loaded = append(loaded, m)
		v.module(c, p, m)
	}
	keys := make([]string, 0, len(c.Kernel.Sysctls))
	for k := range c.Kernel.Sysctls {
		keys = append(keys, k)
	}
	sort.Strings(keys) // one order for the problems; they are sorted by line later
	for _, k := range keys {
		val := c.Kernel.Sysctls[k]
		p := "kernel.sysctls." + k
		if !sysctlRE.MatchString(k) {
			v.errorf(p, "%q is not a sysctl name such as net.netfilter.nf_conntrack_max", k)
			continue
		}
		if !sysctlValueRE.MatchString(val) {
			v.errorf(p, "%q must be a sysctl value: words of letters, digits and . _ : / , + - separated by single spaces", val)
			continue
		}
		v.sysctl(p, k, strings.TrimSpace(val), loaded)
	}
}

// module reports a module modprobe will not find: a misspelling of a known module
// is an error, an unknown name a warning (the node's kernel may have it).
func (v *validator) module(c *Cluster, path, m string) {
	norm := strings.ReplaceAll(m, "-", "_") // modprobe treats '-' and '_' alike
	if containsFold(knownModules, norm) {
		return
	}
	if repl, ok := oldKernelModules[norm]; ok {
		if p, err := profiles.Get(c.OS); err != nil || p.Kernel != "4.18" {
			v.errorf(path, "%s was merged into %s in Linux 4.19 and %s's kernel has no module of that name, so modprobe fails; write %s", m, repl, c.OS, repl)
		}
		return
	}
	if best := nearest(norm, knownModules); best != "" {
		v.errorf(path, "unknown kernel module %q (did you mean %s?); modprobe would fail and stop the node's kernel step", m, best)
		return
	}
	v.warnf(path, "%q is not a module k8sgen knows; if the node's kernel lacks it, modprobe fails and the kernel step stops (status: failed step=kernel)", m)
}

// sysctl checks one key and its value.
func (v *validator) sysctl(path, key, val string, loaded []string) {
	root := key[:strings.IndexByte(key, '.')]
	if !slices.Contains(sysctlRoots, root) {
		if best := nearest(key, knownSysctls); best != "" {
			v.errorf(path, "unknown sysctl (did you mean %s?); `sysctl -p` would fail on it and stop the node's kernel step", best)
		} else {
			v.errorf(path, "not a sysctl: keys start with one of %s (the directories of /proc/sys)", strings.Join(sysctlRoots, ", "))
		}
		return
	}
	lookup, iface := key, ""
	if m := perInterfaceRE.FindStringSubmatch(key); m != nil && m[2] != "all" && m[2] != "default" {
		lookup, iface = m[1]+".default."+m[3], m[2]
	}
	if !slices.Contains(knownSysctls, lookup) {
		if best := nearest(lookup, knownSysctls); best != "" {
			if iface != "" {
				best = strings.Replace(best, ".default.", "."+iface+".", 1)
			}
			v.errorf(path, "unknown sysctl (did you mean %s?); `sysctl -p` would fail on it and stop the node's kernel step", best)
			return
		}
		v.warnf(path, "not a key k8sgen knows; if the node's kernel lacks it, `sysctl -p` fails and the kernel step stops (status: failed step=kernel)")
		return
	}
	if iface != "" {
		v.warnf(path, "names interface %s; if the node has no interface of that name when the kernel step runs, `sysctl -p` fails (all and default apply to every interface)", iface)
	}
	if why, ok := mustBeOne[key]; ok && val != "1" {
		v.errorf(path, "must be 1, not %q: %s; remove it (k8sgen sets it to 1)", val, why)
		return
	}
	if want, ok := kubeletSets[key]; ok && val != want {
		v.warnf(path, "kubelet sets it to %s when it starts (protectKernelDefaults off), so %q lasts only until then", want, val)
	}
	if isNumericSysctl(key) && !integersRE.MatchString(val) {
		v.errorf(path, "%q is not a number; the kernel refuses it and `sysctl -p` fails", val)
	}
	for _, g := range sysctlModules {
		if !strings.HasPrefix(key, g.prefix) || moduleLoaded(g.module, g.loadedBy, loaded) {
			continue
		}
		v.errorf(path, "exists only once module %s is loaded, and nothing in the spec loads it before `sysctl -p`; add %s to kernel.modules", g.module, g.module)
	}
}

// isNumericSysctl reports whether a known key takes integers only: all do but
// the few that take names or patterns.
func isNumericSysctl(key string) bool {
	switch key {
	case "kernel.core_pattern", "net.core.default_qdisc", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_congestion_control":
		return false
	}
	return true
}

func moduleLoaded(module string, loadedBy, loaded []string) bool {
	for _, l := range loaded {
		l = strings.ReplaceAll(l, "-", "_")
		if l == module {
			return true
		}
		for _, prefix := range loadedBy {
			if strings.HasPrefix(l, prefix) {
				return true
			}
		}
	}
	return false
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// nearest returns the known name closest to s when it is close enough to be a
// misspelling: at most two edits (a swap of neighbours counts as one), and no
// more than one edit per four characters, so short real names are not taken
// for typos of other short names.
func nearest(s string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := typoDistance(strings.ToLower(s), strings.ToLower(k)); d < bestD && d*4 <= len(s) {
			best, bestD = k, d
		}
	}
	return best
}

// typoDistance is the optimal string alignment distance: insertions, deletions,
// substitutions and transpositions of adjacent characters each cost one.
func typoDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
