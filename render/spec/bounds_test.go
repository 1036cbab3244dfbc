package spec

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// TestBoundsInCode: the rules that spell a length bound in code accept
// exactly what their bounded regular expressions did.
func TestBoundsInCode(t *testing.T) {
	label := regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	sub := regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)
	labelName := regexp.MustCompile(`^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$`)
	hash := regexp.MustCompile(`^\$(y|6|5|2b|2y)\$[./A-Za-z0-9$=]{8,200}$`)
	rng := rand.New(rand.NewPCG(7, 7))
	const chars = "aZ09-._$/="
	var vals []string
	for range 30000 {
		n := rng.IntN(70)
		if rng.IntN(8) == 0 {
			n = 60 + rng.IntN(150)
		}
		var b strings.Builder
		if rng.IntN(4) == 0 {
			b.WriteString([]string{"$6$", "$y$", "$2b$", "$5$"}[rng.IntN(4)])
		}
		run := chars[:3+rng.IntN(len(chars)-2)]
		for range n {
			b.WriteByte(run[rng.IntN(len(run))])
		}
		vals = append(vals, b.String(), strings.ToLower(b.String()))
	}
	for _, n := range []int{62, 63, 64, 200, 201, 202} {
		vals = append(vals, strings.Repeat("a", n), "$6$"+strings.Repeat("a", n), strings.Repeat("a", n)+".b", "b."+strings.Repeat("a", n))
	}
	for _, v := range vals {
		if got, want := isRFC1123Label(v), label.MatchString(v); got != want {
			t.Errorf("isRFC1123Label(%q) = %v, the bounded pattern says %v", v, got, want)
		}
		if got, want := isRFC1123Sub(v), sub.MatchString(v); got != want {
			t.Errorf("isRFC1123Sub(%q) = %v, the bounded pattern says %v", v, got, want)
		}
		if got, want := isLabelName(v), labelName.MatchString(v); got != want {
			t.Errorf("isLabelName(%q) = %v, the bounded pattern says %v", v, got, want)
		}
		m := cryptHashRE.FindStringSubmatch(v)
		if got, want := m != nil && len(m[2]) <= 200, hash.MatchString(v); got != want {
			t.Errorf("cryptHashRE on %q = %v, the bounded pattern says %v", v, got, want)
		}
	}
}
