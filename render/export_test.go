package render

import "github.com/k8sgen/k8sgen/render/plan"

// RenderAlone renders one node with nothing cached from other nodes.
func RenderAlone(p *plan.NodePlan, opt Options) (Node, error) {
	return renderNode(p, opt, &fragments{m: map[string]part{}})
}
