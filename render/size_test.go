package render_test

import (
	"path/filepath"
	"testing"

	"github.com/k8sgen/k8sgen/render"
)

// sizeBudgets bound each golden case's largest first-boot config (user-data
// or config.ign, raw, as written without --gzip): {control planes, workers}.
// A size is fixed for fixed input, so growth shows here and must be chosen:
// raise a budget in the commit that grows the output, and say why.
//
// The targets (issue 16) are 16 KiB for every tutorial golden's control
// plane (the 16 KiB user-data limit of AWS) and 8 KiB for workers. Met: lab
// and tutorial-003 control planes. Not met: tutorial-000 (Docker on EL 8,
// 19.2 KB), tutorial-001 (17.8 KB), tutorial-002 (five control planes, 25.0
// KB) and every worker (12.3-21.7 KB); --gzip brings all of them under 16 KiB
// (TestGzipUserDataBudget).
var sizeBudgets = map[string][2]int{
	"anolis":           {16896, 13312},
	"arm64":            {18176, 14336},
	"cni-custom":       {19456, 0},
	"cni-none":         {21760, 12800},
	"debian-pxe":       {16384, 12800},
	"debian-registry":  {20480, 16896},
	"docker-registry":  {19968, 16128},
	"fcos":             {25088, 20736},
	"fcos-pxe":         {24576, 20480},
	"fcos-skew":        {25088, 21504},
	"flatcar":          {20224, 15872},
	"flatcar-arm64":    {20992, 16896},
	"flatcar-ha":       {28928, 15104},
	"flatcar-pxe":      {19456, 15104},
	"flatcar-registry": {26112, 21760},
	"ha-external":      {21504, 0},
	"ha-five":          {25344, 12800},
	"ha-kube-vip":      {25344, 13568},
	"ha-node-local":    {23808, 15872},
	"ipvs":             {16384, 13056},
	"lab":              {16384, 12800},
	"openeuler":        {16896, 13312},
	"single":           {17408, 0},
	"static-lab":       {16384, 12800},
	"tutorial-000":     {19200, 15104},
	"tutorial-001":     {17920, 14080},
	"tutorial-002":     {25088, 13312},
	"tutorial-003":     {16128, 12544},
	"tutorial-004":     {17408, 0},
	"ubuntu-pxe":       {16384, 12800},
	"v1beta3":          {16896, 12544},
}

// tutorialBudget is the raw size every node of these tutorial goldens fits.
var tutorialBudget = map[string]int{"lab": 16 << 10, "tutorial-003": 16 << 10}

// TestSizeBudgets: every golden node's raw first-boot config fits its
// case's budget, and every case has one.
func TestSizeBudgets(t *testing.T) {
	seen := map[string]bool{}
	for _, dir := range cases(t) {
		name := filepath.Base(dir)
		seen[name] = true
		budget, ok := sizeBudgets[name]
		if !ok {
			t.Errorf("golden case %s has no size budget in sizeBudgets", name)
			continue
		}
		c, b := loadCase(t, dir)
		res, err := render.Render(c, b, render.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range res.Nodes {
			limit := budget[0]
			if n.Role == "worker" {
				limit = budget[1]
			}
			if n.Raw > limit {
				t.Errorf("%s %s (%s): %d bytes raw, over its budget of %d", name, n.Name, n.Role, n.Raw, limit)
			}
			if max, ok := tutorialBudget[name]; ok && n.Raw > max {
				t.Errorf("%s %s: %d bytes raw, over the tutorial budget of %d", name, n.Name, n.Raw, max)
			}
		}
	}
	for name := range sizeBudgets {
		if !seen[name] {
			t.Errorf("sizeBudgets names %s, which is not a golden case", name)
		}
	}
}
