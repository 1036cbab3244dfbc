package spec

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
)

// flagTableFiles are the flags of each minor's components, read from their own
// flag sets by hack/kubeflags.sh, and its feature gates (program
// "feature-gate"): "program<TAB>flag[<TAB>status]".
//
//go:embed flags/*.tsv
var flagTableFiles embed.FS

// FlagStatus is what a component's flag set says of a flag.
type FlagStatus string

// Flag statuses beside a plain flag (""); a feature gate locked to its
// default is locked-true or locked-false.
const (
	FlagDeprecated  FlagStatus = "deprecated"
	FlagHidden      FlagStatus = "hidden"
	GateLockedTrue  FlagStatus = "locked-true"
	GateLockedFalse FlagStatus = "locked-false"
)

var flagStatuses = []FlagStatus{FlagDeprecated, FlagHidden, GateLockedTrue, GateLockedFalse}

// componentPrograms are the programs whose flags components.<key>.extraArgs
// set; etcd's flags are not in the tables.
var componentPrograms = map[string]string{
	"apiServer":         "kube-apiserver",
	"controllerManager": "kube-controller-manager",
	"scheduler":         "kube-scheduler",
	"kubelet":           "kubelet",
}

// configPrograms name the configuration documents whose fields the tables
// list, by the spec field that sets them: "program<TAB>path<TAB>kind", a
// mapping's values under path.*, a list's items under path[].
var configPrograms = map[string]string{
	"kubeletConfiguration":   "kubelet-config",
	"kubeProxyConfiguration": "kube-proxy-config",
}

// fieldKinds are the kinds of value a configuration field takes (hack/kubeflags
// prints Go's reflect kinds for numbers; duration is a Go duration string and
// value a type with its own JSON form, such as a quantity).
var fieldKinds = []string{"object", "map", "list", "any", "bool", "string", "duration", "value",
	"int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64"}

var (
	flagTablesOnce sync.Once
	flagTables     map[string]map[string]map[string]FlagStatus // "v1.33" → program → flag
	fieldTables    map[string]map[string]map[string]string     // "v1.33" → document → field path → kind
	gateFacts      map[string]*GateFacts                       // "v1.35" → defaults and dependencies
	flagTablesErr  error
)

// FlagTables parses the embedded tables: minor ("v1.33") → program → flag → status.
func FlagTables() (map[string]map[string]map[string]FlagStatus, error) {
	flagTablesOnce.Do(func() {
		flagTables = map[string]map[string]map[string]FlagStatus{}
		fieldTables = map[string]map[string]map[string]string{}
		gateFacts = map[string]*GateFacts{}
		entries, err := flagTableFiles.ReadDir("flags")
		if err != nil {
			flagTablesErr = err
			return
		}
		for _, e := range entries {
			minor := strings.TrimSuffix(e.Name(), ".tsv")
			data, err := flagTableFiles.ReadFile("flags/" + e.Name())
			if err != nil {
				flagTablesErr = err
				return
			}
			t := map[string]map[string]FlagStatus{}
			ft := map[string]map[string]string{}
			gf := &GateFacts{On: map[string]bool{}, Needs: map[string][]string{}}
			sc := bufio.NewScanner(bytes.NewReader(data))
			for n := 1; sc.Scan(); n++ {
				line := sc.Text()
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				f := strings.Split(line, "\t")
				switch {
				case f[0] == "feature-on" && len(f) == 2:
					gf.On[f[1]] = true
					continue
				case f[0] == "feature-needs" && len(f) == 3:
					gf.Needs[f[1]] = append(gf.Needs[f[1]], f[2])
					continue
				case f[0] == "feature-on" || f[0] == "feature-needs":
					flagTablesErr = fmt.Errorf("flags/%s:%d: %q is not %s<TAB>gate[<TAB>gate]", e.Name(), n, line, f[0])
					return
				}
				if strings.HasSuffix(f[0], "-config") {
					if len(f) != 3 || !slices.Contains(fieldKinds, f[2]) {
						flagTablesErr = fmt.Errorf("flags/%s:%d: %q is not document<TAB>field<TAB>kind", e.Name(), n, line)
						return
					}
					if ft[f[0]] == nil {
						ft[f[0]] = map[string]string{}
					}
					ft[f[0]][f[1]] = f[2]
					continue
				}
				if len(f) < 2 || len(f) > 3 || len(f) == 3 && !slices.Contains(flagStatuses, FlagStatus(f[2])) {
					flagTablesErr = fmt.Errorf("flags/%s:%d: %q is not program<TAB>flag[<TAB>status]", e.Name(), n, line)
					return
				}
				if t[f[0]] == nil {
					t[f[0]] = map[string]FlagStatus{}
				}
				st := FlagStatus("")
				if len(f) == 3 {
					st = FlagStatus(f[2])
				}
				t[f[0]][f[1]] = st
			}
			flagTables[minor] = t
			fieldTables[minor] = ft
			gateFacts[minor] = gf
		}
	})
	return flagTables, flagTablesErr
}

// GateFacts are what a release says of its feature gates beside their names:
// the unlocked gates on by default, and the gates each gate needs on (from
// 1.35, whose components refuse to start otherwise).
type GateFacts struct {
	On    map[string]bool
	Needs map[string][]string
}

// FieldTables are the fields of the configuration documents, from the same
// files: minor → document ("kubelet-config") → field path → kind.
func FieldTables() (map[string]map[string]map[string]string, error) {
	if _, err := FlagTables(); err != nil {
		return nil, err
	}
	return fieldTables, nil
}

// releaseTable is the targeted minor's table of one program (or of
// "feature-gate"): nil when the version does not parse or has no table.
func releaseTable(c *Cluster, program string) (map[string]FlagStatus, Version) {
	ver, ok := ParseVersion(c.KubernetesVersion)
	if !ok {
		return nil, ver
	}
	tables, err := FlagTables()
	if err != nil {
		panic(err) // the embedded tables are tested
	}
	return tables[fmt.Sprintf("v%d.%d", ver.Major, ver.Minor)][program], ver
}

// didYouMean is " (did you mean X?)" for the table's name nearest to name, or "".
func didYouMean(name string, table map[string]FlagStatus) string {
	names := make([]string, 0, len(table))
	for n := range table {
		names = append(names, n)
	}
	sort.Strings(names)
	if best := nearest(name, names); best != "" {
		return fmt.Sprintf(" (did you mean %s?)", best)
	}
	return ""
}

// knownFlag checks that the targeted release's program has the flag: an
// unknown one stops the component from starting. It says whether to go on.
func (v *validator) knownFlag(c *Cluster, component, p, flag string) bool {
	program, ok := componentPrograms[component]
	if !ok {
		return true
	}
	flags, ver := releaseTable(c, program)
	if flags == nil {
		return true
	}
	switch st, known := flags[flag]; {
	case !known:
		v.errorf(p, "%s %d.%d has no flag --%s%s; it would refuse to start", program, ver.Major, ver.Minor, flag, didYouMean(flag, flags))
		return false
	case st == FlagDeprecated:
		v.warnf(p, "--%s is deprecated in %s %d.%d and may go in a later release", flag, program, ver.Major, ver.Minor)
	}
	return true
}

// gateNameRE is how Kubernetes names its feature gates (CPUManager, AllAlpha);
// gate checks their length, at most 100.
var gateNameRE = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)

// maxFeatureGates bounds featureGates; a release has a few hundred gates.
const maxFeatureGates = 100

// featureGates checks featureGates, and the gates of a feature-gates extra
// argument, against the targeted minor's gates.
func (v *validator) featureGates(c *Cluster) {
	if len(c.FeatureGates) > maxFeatureGates {
		v.errorf("featureGates", "%d gates: at most %d", len(c.FeatureGates), maxFeatureGates)
		return
	}
	names := make([]string, 0, len(c.FeatureGates))
	for k := range c.FeatureGates {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		v.gate(c, "featureGates."+name, name, c.FeatureGates[name])
	}
	v.gateDependencies(c)
	for _, comp := range ComponentNames {
		val, set := c.Components.ByName(comp).ExtraArgs["feature-gates"]
		if !set {
			continue
		}
		p := "components." + comp + ".extraArgs.feature-gates"
		if len(c.FeatureGates) > 0 {
			v.errorf(p, "featureGates sets the gates of every component; keep them there")
			continue
		}
		for _, pair := range strings.Split(val, ",") {
			name, b, ok := strings.Cut(pair, "=")
			if !ok || (b != "true" && b != "false") {
				v.errorf(p, "%q: each gate is Name=true or Name=false", pair)
				continue
			}
			v.gate(c, p, name, b == "true")
		}
	}
}

// gateDependencies checks that every gate the spec leaves on has the gates it
// needs on too, as the components of 1.35 and later check at start.
func (v *validator) gateDependencies(c *Cluster) {
	if len(c.FeatureGates) == 0 {
		return
	}
	ver, ok := ParseVersion(c.KubernetesVersion)
	if !ok {
		return
	}
	if _, err := FlagTables(); err != nil {
		panic(err) // the embedded tables are tested
	}
	facts := gateFacts[fmt.Sprintf("v%d.%d", ver.Major, ver.Minor)]
	if facts == nil || len(facts.Needs) == 0 {
		return
	}
	gates, _ := releaseTable(c, "feature-gate")
	on := func(g string) bool {
		if set, ok := c.FeatureGates[g]; ok {
			return set
		}
		return facts.On[g] || gates[g] == GateLockedTrue
	}
	names := make([]string, 0, len(facts.Needs))
	for g := range facts.Needs {
		names = append(names, g)
	}
	sort.Strings(names)
	for _, g := range names {
		if !on(g) {
			continue
		}
		for _, dep := range facts.Needs[g] {
			if on(dep) {
				continue
			}
			_, setG := c.FeatureGates[g]
			_, setDep := c.FeatureGates[dep]
			switch {
			case setDep:
				v.errorf("featureGates."+dep, "%s is on (by default or here) and needs %s: Kubernetes %d.%d's components refuse to start with %s off; turn %s off too, or keep %s on", g, dep, ver.Major, ver.Minor, dep, g, dep)
			case setG:
				v.errorf("featureGates."+g, "%s needs %s, which is off by default in Kubernetes %d.%d: the components refuse to start; set %s: true too", g, dep, ver.Major, ver.Minor, dep)
			}
		}
	}
}

// gate checks one feature gate: the release has it, and a gate locked to its
// default keeps that value.
func (v *validator) gate(c *Cluster, p, name string, on bool) {
	if len(name) > 100 || !gateNameRE.MatchString(name) {
		v.errorf(p, "%q is not a feature gate name: letters and digits, starting with a capital", name)
		return
	}
	gates, ver := releaseTable(c, "feature-gate")
	if gates == nil {
		return
	}
	switch st, known := gates[name]; {
	case !known:
		v.errorf(p, "Kubernetes %d.%d has no feature gate %s%s; the components would refuse to start", ver.Major, ver.Minor, name, didYouMean(name, gates))
	case st == GateLockedTrue && !on || st == GateLockedFalse && on:
		v.errorf(p, "%s is locked to %t in Kubernetes %d.%d; the components refuse another value", name, st == GateLockedTrue, ver.Major, ver.Minor)
	case st == FlagDeprecated:
		v.warnf(p, "feature gate %s is deprecated in Kubernetes %d.%d and will go", name, ver.Major, ver.Minor)
	}
}
