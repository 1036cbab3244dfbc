package render

import (
	"github.com/k8sgen/k8sgen/render/plan"
	"github.com/k8sgen/k8sgen/render/secrets"
	"github.com/k8sgen/k8sgen/render/spec"
)

// RenderAlone renders one node with nothing cached from other nodes.
func RenderAlone(p *plan.NodePlan, opt Options) (Node, error) {
	return renderNode(p, opt, &fragments{m: map[string]part{}})
}

// RenderNodeByNode is Render without shapes: every node on its own.
func RenderNodeByNode(c *spec.Cluster, b *secrets.Bundle, opt Options) (*Result, error) {
	opt.nodeByNode = true
	return Render(c, b, opt)
}

// Shaped reports whether n was rendered from its kind's shape.
func Shaped(n Node) bool { return n.shaped }

// GzippedLargestWithGuess is Render's size step with its guess forced on
// node guess (started, as the render would have it): res's nodes are as
// Render left them.
func GzippedLargestWithGuess(c *spec.Cluster, b *secrets.Bundle, res *Result, guess int) error {
	plans, err := plan.Build(c, b)
	if err != nil {
		return err
	}
	cache := &fragments{m: map[string]part{}}
	kinds := &shapes{m: map[string]*shape{}, ign: map[string]*onceIgn{}}
	g := &gzipGuess{i: guess}
	g.start(plans[guess], cache, kinds)
	<-g.done
	for i := range res.Nodes {
		res.Nodes[i].Gzipped = 0
	}
	return gzippedLargest(res, plans, cache, kinds, g)
}

// Pooled reports whether a render with a Sink hands f's buffer back to its pool.
func Pooled(f File) bool { return f.pooled }
