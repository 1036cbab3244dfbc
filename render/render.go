// Package render runs the pipeline below the command line: a validated spec and
// its secrets in, the files of every node out. It touches no file system, clock,
// randomness or environment, so equal inputs give byte-identical output.
package render

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net"

	"github.com/k8sgen/k8sgen/render/plan"
	"github.com/k8sgen/k8sgen/render/secrets"
	"github.com/k8sgen/k8sgen/render/spec"
	"github.com/k8sgen/k8sgen/templates"
)

// SizeLimit is the user-data size AWS accepts; larger nodes get a warning.
const SizeLimit = 16 * 1024

// Options change how files are encoded, not what they say.
type Options struct {
	// Gzip compresses user-data (cloud-init detects and inflates it).
	Gzip bool
}

// File is one output file, relative to the output directory.
type File struct {
	Path string
	Mode uint32
	Data []byte
}

// Node is one node's output and its sizes.
type Node struct {
	Name, Role string
	Files      []File
	// Raw is the uncompressed user-data size, Gzipped its compressed size.
	Raw, Gzipped int
}

// Result is the whole render.
type Result struct {
	Nodes []Node
	// Kubeconfig is the admin kubeconfig text for the user's machine (secret).
	Kubeconfig []byte
}

// Render renders every node. The spec must be defaulted and valid.
func Render(c *spec.Cluster, b *secrets.Bundle, opt Options) (*Result, error) {
	plans, err := plan.Build(c, b)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	for _, p := range plans {
		n, err := renderNode(p, opt)
		if err != nil {
			return nil, fmt.Errorf("node %s: %w", p.Name, err)
		}
		res.Nodes = append(res.Nodes, n)
	}
	res.Kubeconfig, err = Kubeconfig(c, b)
	if err != nil {
		return nil, err
	}
	return res, nil
}

func renderNode(p *plan.NodePlan, opt Options) (Node, error) {
	var files []WriteFile
	for _, f := range p.Files {
		content := []byte(f.Content)
		if f.Template != "" {
			var err error
			if content, err = templates.Execute(f.Template, p); err != nil {
				return Node{}, err
			}
		}
		files = append(files, WriteFile{Path: f.Path, Permissions: f.Mode, Content: string(content)})
	}
	ud, err := CloudConfig(p, files)
	if err != nil {
		return Node{}, err
	}
	gz, err := gzipBytes(ud)
	if err != nil {
		return Node{}, err
	}
	md, err := templates.Execute("meta-data", p)
	if err != nil {
		return Node{}, err
	}
	n := Node{Name: p.Name, Role: p.Role, Raw: len(ud), Gzipped: len(gz)}
	data := ud
	if opt.Gzip {
		data = gz
	}
	n.Files = []File{
		{Path: p.Name + "/user-data", Mode: 0o600, Data: data},
		{Path: p.Name + "/meta-data", Mode: 0o644, Data: md},
	}
	return n, nil
}

// gzipBytes compresses deterministically: no name, no timestamp.
func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Kubeconfig is the admin kubeconfig for the user, pointing at the endpoint.
func Kubeconfig(c *spec.Cluster, b *secrets.Bundle) ([]byte, error) {
	if _, _, err := net.SplitHostPort(c.ControlPlaneEndpoint); err != nil {
		return nil, fmt.Errorf("controlPlaneEndpoint: %w", err)
	}
	return templates.Execute("kubeconfig", map[string]string{
		"Cluster":  c.Name,
		"Server":   "https://" + c.ControlPlaneEndpoint,
		"CA":       b.CA.Cert,
		"Cert":     b.AdminClient.Cert,
		"Key":      b.AdminClient.Key,
		"User":     c.Name + "-admin",
		"Context":  "k8sgen-admin@" + c.Name,
		"Endpoint": c.ControlPlaneEndpoint,
	})
}
