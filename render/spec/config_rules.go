package spec

import (
	"fmt"
	"math"
	"net/netip"
	"path"
	"sort"
	"strings"
	"time"
)

// configDocs are the documents kubeletConfiguration and kubeProxyConfiguration
// reach: their kind as kubeadm's file names it, and the fields k8sgen or kubeadm
// set that an override would break, with the reason.
var configDocs = map[string]struct {
	kind    string
	managed map[string]string
}{
	"kubeletConfiguration": {"KubeletConfiguration", map[string]string{
		"cgroupDriver":                     "k8sgen sets systemd, the driver it gives the container runtime; with another one no pod starts",
		"featureGates":                     "featureGates at the top of cluster.yaml sets the gates of every component; set them there",
		"containerRuntimeEndpoint":         "k8sgen points the kubelet at the socket of the runtime it installs",
		"staticPodPath":                    "kubeadm writes the control plane's static pods to /etc/kubernetes/manifests",
		"clusterDomain":                    "kubeadm sets cluster.local, which CoreDNS serves; another domain breaks every service name",
		"rotateCertificates":               "kubeadm turns it on; without it the kubelet's client certificate expires after a year and the node drops out",
		"healthzPort":                      "kubeadm waits for the kubelet's health check on 127.0.0.1:10248",
		"healthzBindAddress":               "kubeadm waits for the kubelet's health check on 127.0.0.1:10248",
		"authentication.x509.clientCAFile": "kubeadm points it at the cluster CA, which the API server's client certificate is signed by",
		"authentication.webhook.enabled":   "kubeadm turns it on; the API server and kubeadm's own checks authenticate to the kubelet with it",
		"authorization.mode":               "kubeadm sets Webhook; the API server's logs, exec and metrics calls are authorized by it",
		"registerWithTaints":               "it would taint every node alike; set nodes[].taints, which kubeadm registers per node",
	}},
	"kubeProxyConfiguration": {"KubeProxyConfiguration", map[string]string{
		"mode":                        "set network.kubeProxyMode, which the rest of the node's setup follows",
		"clusterCIDR":                 "kubeadm sets it from network.podSubnet",
		"featureGates":                "featureGates at the top of cluster.yaml sets the gates of every component; set them there",
		"clientConnection.kubeconfig": "kubeadm mounts kube-proxy's kubeconfig at that path",
		"hostnameOverride":            "kubeadm gives each kube-proxy its own node's name; one value for every node breaks them all",
	}},
}

// configDocuments checks kubeletConfiguration and kubeProxyConfiguration
// against the fields of the targeted release's types.
func (v *validator) configDocuments(c *Cluster) {
	v.configDocument(c, "kubeletConfiguration", c.KubeletConfiguration, "")
	v.configDocument(c, "kubeProxyConfiguration", c.KubeProxyConfiguration, "")
}

// configDocument checks one document against c's release; ignored, when set,
// makes unknown fields warnings (see configCheck).
func (v *validator) configDocument(c *Cluster, field string, doc Settings, ignored string) {
	if len(doc) == 0 {
		return
	}
	ver, ok := ParseVersion(c.KubernetesVersion)
	if !ok {
		return
	}
	tables, err := FieldTables()
	if err != nil {
		panic(err) // the embedded tables are tested
	}
	fields := tables[fmt.Sprintf("v%d.%d", ver.Major, ver.Minor)][configPrograms[field]]
	if fields == nil {
		return
	}
	d := configDocs[field]
	ck := configCheck{v: v, fields: fields, managed: d.managed,
		what: fmt.Sprintf("%s of Kubernetes %d.%d", d.kind, ver.Major, ver.Minor), ignored: ignored}
	ck.object(field, "", doc)
}

// configCheck walks one document against its field table.
type configCheck struct {
	v       *validator
	fields  map[string]string
	managed map[string]string
	what    string
	// ignored, when set, makes an unknown field a warning that ends with it: an
	// older kubelet decodes its configuration leniently and drops such a field.
	ignored string
}

// object checks the fields of a mapping whose table path is tpath.
func (ck configCheck) object(path, tpath string, m map[string]any) {
	for _, k := range sortedAnyKeys(m) {
		tp := k
		if tpath != "" {
			tp = tpath + "." + k
		}
		p := path + "." + k
		kind, known := ck.fields[tp]
		if !known && ck.ignored != "" {
			ck.v.warnf(p, "%s has no field %s: %s", ck.what, tp, ck.ignored)
			continue
		}
		if !known {
			ck.v.errorf(p, "%s has no field %s%s", ck.what, tp, ck.nearest(tpath, k))
			continue
		}
		if why, managed := ck.managed[tp]; managed {
			ck.v.errorf(p, "set by k8sgen or kubeadm: %s", why)
			continue
		}
		ck.value(p, tp, kind, m[k])
	}
}

// value checks one value against its field's kind.
func (ck configCheck) value(p, tp, kind string, val any) {
	wrong := func(want string) { ck.v.errorf(p, "%s takes %s, found %s", tp, want, describe(val)) }
	switch kind {
	case "object":
		m, ok := AsMap(val)
		if !ok {
			wrong("a mapping of fields")
			return
		}
		ck.object(p, tp, m)
	case "map":
		m, ok := AsMap(val)
		if !ok {
			wrong("a mapping")
			return
		}
		ek := ck.fields[tp+".*"]
		for _, k := range sortedAnyKeys(m) {
			ck.value(p+"."+k, tp+".*", ek, m[k])
		}
	case "list":
		l, ok := val.([]any)
		if !ok {
			wrong("a list")
			return
		}
		ek := ck.fields[tp+"[]"]
		for i, item := range l {
			ck.value(fmt.Sprintf("%s[%d]", p, i), tp+"[]", ek, item)
		}
	case "any":
	case "bool":
		if _, ok := val.(bool); !ok {
			wrong("true or false")
		}
	case "string":
		str, ok := val.(string)
		if !ok {
			wrong("a string (quote it)")
			return
		}
		if why, bad := ck.text(tp, str); bad {
			ck.v.errorf(p, "%s: %q %s", tp, str, why)
		}
	case "duration":
		s, ok := val.(string)
		if !ok {
			wrong("a duration such as 30s or 5m0s")
			return
		}
		if _, err := time.ParseDuration(s); err != nil {
			ck.v.errorf(p, "%s takes a duration such as 30s or 5m0s, found %q", tp, s)
		}
	case "value":
		switch val.(type) {
		case string, int, int64, uint64, float64:
		default:
			wrong("a string or a number")
		}
	case "float32", "float64":
		if _, ok := asFloat(val); !ok {
			wrong("a number")
		}
	default: // the integer kinds
		lo, hi, bits := intRange(kind)
		n, ok := asInt(val)
		switch {
		case !ok:
			wrong("a whole number")
		case n.neg && (lo == 0 || n.abs > uint64(-(lo+1))+1) || !n.neg && n.abs > hi:
			ck.v.errorf(p, "%s is a %d-bit %s, %s is out of its range", tp, bits, map[bool]string{true: "unsigned integer", false: "integer"}[lo == 0], n)
		}
	}
}

// text checks the strings of the fields whose form k8sgen knows: a wrong one
// stops the program at start.
func (ck configCheck) text(tp, s string) (string, bool) {
	switch tp {
	case "volumePluginDir":
		// It becomes a host-path volume of kube-controller-manager's pod too.
		if !strings.HasPrefix(s, "/") || path.Clean(s) != s || strings.ContainsAny(s, ":,") {
			return "is not an absolute, clean path", true
		}
		for _, d := range []string{"/etc/kubernetes", "/etc/ssl", "/etc/pki", "/usr/share/ca-certificates", "/var/lib/etcd"} {
			if s == d || strings.HasPrefix(s, d+"/") {
				return "lies in " + d + ", which kubeadm mounts into the controller manager's pod already", true
			}
		}
	case "clusterDNS[]":
		if _, err := netip.ParseAddr(s); err != nil || strings.Contains(s, "%") {
			return "is not an IP address; the kubelet gives pods these DNS servers", true
		}
	}
	return "", false
}

// nearest is " (did you mean X?)" for the field beside name closest to it.
func (ck configCheck) nearest(tpath, name string) string {
	var siblings []string
	prefix := ""
	if tpath != "" {
		prefix = tpath + "."
	}
	for f := range ck.fields {
		rest, ok := strings.CutPrefix(f, prefix)
		if ok && rest != "" && !strings.ContainsAny(rest, ".[") {
			siblings = append(siblings, rest)
		}
	}
	sort.Strings(siblings)
	if best := nearest(name, siblings); best != "" {
		return fmt.Sprintf(" (did you mean %s?)", best)
	}
	return ""
}

// wholeNumber is an integer of a free-form value, by sign and magnitude.
type wholeNumber struct {
	neg bool
	abs uint64
}

func (n wholeNumber) String() string {
	if n.neg {
		return "-" + fmt.Sprint(n.abs)
	}
	return fmt.Sprint(n.abs)
}

func asInt(val any) (wholeNumber, bool) {
	switch x := val.(type) {
	case int:
		return asInt(int64(x))
	case int64:
		if x < 0 {
			return wholeNumber{true, uint64(-(x + 1)) + 1}, true
		}
		return wholeNumber{false, uint64(x)}, true
	case uint64:
		return wholeNumber{false, x}, true
	}
	return wholeNumber{}, false
}

func asFloat(val any) (float64, bool) {
	switch x := val.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float64:
		return x, !math.IsInf(x, 0) && !math.IsNaN(x)
	}
	return 0, false
}

// intRange is the range of an integer kind: lo as a signed bound, hi as an
// unsigned one, and the width.
func intRange(kind string) (lo int64, hi uint64, bits int) {
	switch kind {
	case "int8":
		return math.MinInt8, math.MaxInt8, 8
	case "int16":
		return math.MinInt16, math.MaxInt16, 16
	case "int32":
		return math.MinInt32, math.MaxInt32, 32
	case "int", "int64":
		return math.MinInt64, math.MaxInt64, 64
	case "uint8":
		return 0, math.MaxUint8, 8
	case "uint16":
		return 0, math.MaxUint16, 16
	case "uint32":
		return 0, math.MaxUint32, 32
	}
	return 0, math.MaxUint64, 64
}

// describe names a free-form value's kind for an error.
func describe(val any) string {
	if _, ok := AsMap(val); ok {
		return "a mapping"
	}
	switch x := val.(type) {
	case []any:
		return "a list"
	case string:
		return fmt.Sprintf("the string %q", x)
	case bool:
		return fmt.Sprint(x)
	}
	return fmt.Sprintf("the number %v", val)
}

// AsMap is a free-form mapping as one type: the YAML decoder gives nested
// mappings the type of the outer one (Settings).
func AsMap(val any) (map[string]any, bool) {
	switch m := val.(type) {
	case map[string]any:
		return m, true
	case Settings:
		return m, true
	}
	return nil, false
}

func sortedAnyKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
