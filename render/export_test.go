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
