package render

import (
	"crypto/rand"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/k8sgen/k8sgen/render/plan"
	"github.com/k8sgen/k8sgen/render/secrets"
	"github.com/k8sgen/k8sgen/render/spec"
)

// TestSameOtherwise: sameOtherwise agrees with reflect.DeepEqual of the
// masked plans when a file's field, its Data or another field of the plan
// differs, and when Data is another pointer to an equal value.
func TestSameOtherwise(t *testing.T) {
	doc, probs := spec.Check([]byte("name: s\nkubernetesVersion: \"1.34.0\"\nos: fcos\nnodes:\n" +
		"  - {name: cp, role: control-plane, ip: 10.0.0.10}\n  - {name: w1, role: worker, ip: 10.0.0.11}\n  - {name: w2, role: worker, ip: 10.0.0.12}\n"))
	if doc == nil || len(probs.Errors()) > 0 {
		t.Fatal(probs)
	}
	b, err := secrets.New(rand.Reader, time.Unix(1700000000, 0), "s")
	if err != nil {
		t.Fatal(err)
	}
	plans, err := plan.Build(doc.Cluster, b)
	if err != nil {
		t.Fatal(err)
	}
	proto := masked(plans[1])
	cases := map[string]func(p *plan.NodePlan){
		"same":       func(p *plan.NodePlan) {},
		"taint":      func(p *plan.NodePlan) { p.Taints = append(p.Taints, spec.Taint{Key: "x"}) },
		"file mode":  func(p *plan.NodePlan) { p.Files[0].Mode = "0600" },
		"file scope": func(p *plan.NodePlan) { p.Files[len(p.Files)-1].Scope++ },
		"file gone":  func(p *plan.NodePlan) { p.Files = p.Files[1:] },
	}
	for i, f := range plans[2].Files {
		if v := reflect.ValueOf(f.Data); v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Struct {
			cases["data copied"] = func(p *plan.NodePlan) {
				c := reflect.New(v.Elem().Type())
				c.Elem().Set(v.Elem())
				p.Files[i].Data = c.Interface()
			}
			cases["data changed"] = func(p *plan.NodePlan) {
				c := reflect.New(v.Elem().Type())
				c.Elem().Set(v.Elem())
				for j := range c.Elem().NumField() {
					if fv := c.Elem().Field(j); fv.Kind() == reflect.String && fv.CanSet() {
						fv.SetString(fv.String() + "x")
						break
					}
				}
				p.Files[i].Data = c.Interface()
			}
			break
		}
	}
	if len(cases) != 7 {
		t.Fatalf("no file with a struct pointer as its Data: %d cases", len(cases))
	}
	for name, change := range cases {
		q := *plans[2]
		q.Files = slices.Clone(q.Files)
		change(&q)
		want := reflect.DeepEqual(masked(&q), proto)
		if got := sameOtherwise(&q, proto); got != want {
			t.Errorf("%s: sameOtherwise %v, DeepEqual %v", name, got, want)
		}
		if name == "same" || name == "data copied" {
			if !want {
				t.Errorf("%s: the plans differ", name)
			}
		} else if want {
			t.Errorf("%s: the plans do not differ", name)
		}
	}
}
