package spec

import (
	"fmt"
	"regexp"
	"strconv"
)

// Supported Kubernetes minors, inclusive.
const (
	MinMinor = 30
	MaxMinor = 37
)

// Version is a Kubernetes release.
type Version struct{ Major, Minor, Patch int }

var versionRE = regexp.MustCompile(`^v?(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})$`)

// ParseVersion accepts 1.32.0 or v1.32.0.
func ParseVersion(s string) (Version, bool) {
	m := versionRE.FindStringSubmatch(s)
	if m == nil {
		return Version{}, false
	}
	var v Version
	v.Major, _ = strconv.Atoi(m[1])
	v.Minor, _ = strconv.Atoi(m[2])
	v.Patch, _ = strconv.Atoi(m[3])
	return v, true
}

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// Supported reports whether k8sgen renders for this release.
func (v Version) Supported() bool {
	return v.Major == 1 && v.Minor >= MinMinor && v.Minor <= MaxMinor
}

// SupportedRange says which releases are supported, for messages.
func SupportedRange() string {
	return fmt.Sprintf("1.%d.0 through 1.%d.x", MinMinor, MaxMinor)
}
