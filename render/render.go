// Package render runs the pipeline below the command line: a validated spec and
// its secrets in, the files of every node out. It touches no file system, clock,
// randomness or environment, so equal inputs give byte-identical output.
package render

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"net"
	"runtime"
	"slices"
	"sync"

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
	// Sink, when set, receives each node as soon as it is rendered (from
	// several goroutines at once, in no order), and the Result keeps the
	// nodes' names, sizes and file paths but not their bytes: the whole
	// output never sits in memory at once. An error from Sink stops the render.
	// Sink must not keep a file's bytes once it returns: they are reused.
	Sink func(Node) error
	// ScratchDir is where seed images are built, in directories of their own
	// that are removed once an image is made ("": the system's temporary
	// directory). They hold the node's files, secrets included: the command
	// builds them inside its private output directory, so that a render killed
	// halfway leaves them where the next render finds and reports them.
	ScratchDir string
	// nodeByNode turns shapes off (for the tests that compare both ways).
	nodeByNode bool
	// sizeOnly: the render is for a size only; no seed image is built.
	sizeOnly bool
}

// File is one output file, relative to the output directory.
type File struct {
	Path string
	Mode uint32
	Data []byte
	// pooled: Data is the node's own buffer (its first-boot config), which
	// a render with a Sink hands back to getBuf. No other file's is: those
	// may share bytes with other files or with package-level values.
	pooled bool
}

// Node is one node's output and its sizes.
type Node struct {
	Name, Role string
	Files      []File
	// Raw is the first-boot config's size as written without --gzip, Gzipped
	// its size with it (user-data gzipped; config.ign with its files gzipped).
	// Gzipped is known only when it is written (Options.Gzip), and for the
	// largest node over SizeLimit, whose size warning gives it; 0 otherwise:
	// compressing every node of a large cluster only to print its size cost
	// more than the rest of its render.
	Raw, Gzipped int
	// shaped marks a node rendered from its kind's shape (for the tests).
	shaped bool
}

// Result is the whole render.
type Result struct {
	Nodes []Node
	// Files are the cluster's own files, beside the nodes' directories
	// (boot.ipxe).
	Files []File
	// Kubeconfig is the admin kubeconfig text for the user's machine (secret).
	Kubeconfig []byte
}

// Render renders every node, in parallel, in spec order. The spec must be
// defaulted and valid.
func Render(c *spec.Cluster, b *secrets.Bundle, opt Options) (*Result, error) {
	plans, err := plan.Build(c, b)
	if err != nil {
		return nil, err
	}
	res := &Result{Nodes: make([]Node, len(plans))}
	errs := make([]error, len(plans))
	cache := &fragments{m: map[string]part{}}
	var kinds *shapes
	if !opt.nodeByNode {
		kinds = &shapes{m: map[string]*shape{}, ign: map[string]*onceIgn{}}
	}
	// The size warning's gzipped figure is for the largest node over
	// SizeLimit, known only once every node is rendered; it is usually the
	// first control plane, so that one's is rendered as soon as its raw size
	// is over, beside the other nodes rather than after them.
	guess := &gzipGuess{i: -1}
	if !opt.Gzip {
		guess.i = slices.IndexFunc(plans, func(p *plan.NodePlan) bool { return p.ControlPlane })
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(plans)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				n, err := renderShaped(plans[i], opt, cache, kinds)
				if err == nil && i == guess.i && n.Raw > SizeLimit {
					guess.start(plans[i], cache, kinds)
				}
				if err == nil && opt.Sink != nil {
					err = opt.Sink(n)
					for j := range n.Files {
						if n.Files[j].pooled {
							putBuf(n.Files[j].Data)
						}
						n.Files[j].Data = nil
					}
				}
				res.Nodes[i], errs[i] = n, err
			}
		}()
	}
	for i := range plans {
		next <- i
	}
	close(next)
	wg.Wait()
	if guess.started {
		<-guess.done // nothing is left running past the render
	}
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("node %s: %w", plans[i].Name, err)
		}
	}
	if !opt.Gzip {
		if err := gzippedLargest(res, plans, cache, kinds, guess); err != nil {
			return nil, err
		}
	}
	if res.Files, err = clusterPXEFiles(plans); err != nil {
		return nil, err
	}
	res.Kubeconfig, err = Kubeconfig(c, b)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// part is an encoded stretch of user-data and the same bytes as one gzip member.
type part struct {
	raw []byte
	gz  func() ([]byte, error) // gzipped once, when first asked for (--gzip)
}

// newPart is raw, to be gzipped as one member when asked.
func newPart(raw []byte) part {
	return part{raw: raw, gz: sync.OnceValues(func() ([]byte, error) { return gzipBytes(raw) })}
}

// fragments caches the encoded write_files entries that nodes share.
type fragments struct {
	mu sync.Mutex
	m  map[string]part
}

func (f *fragments) get(key string, make func() (part, error)) (part, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p, ok := f.m[key]; ok {
		return p, nil
	}
	p, err := make()
	if err == nil {
		f.m[key] = p
	}
	return p, err
}

// renderNode builds user-data from parts: the node's own stretch (the header,
// the cloud-config keys and the node's own write_files entries, in one YAML
// encoding), then the entries it shares with other nodes, then the runcmd
// tail. Shared parts are encoded and compressed once; the gzip form is a
// multi-member stream (RFC 1952, read whole by cloud-init's and Go's gzip
// readers), so a node compresses only its own stretch.
func renderNode(p *plan.NodePlan, opt Options, cache *fragments) (Node, error) {
	if p.OS.Output == "ignition" {
		return renderIgnition(p, opt, nil)
	}
	cp, err := cloudParts(p, cache)
	if err != nil {
		return Node{}, err
	}
	return cp.node(p, opt)
}

// gzipGuess renders node i with Gzip, for its size, once started.
type gzipGuess struct {
	i       int
	started bool
	done    chan struct{}
	n       Node
	err     error
}

// start renders the guessed node with Gzip in the background; it is called
// once, by the worker that rendered the node.
func (g *gzipGuess) start(p *plan.NodePlan, cache *fragments, kinds *shapes) {
	g.started, g.done = true, make(chan struct{})
	go func() {
		defer close(g.done)
		g.n, g.err = renderShaped(p, Options{Gzip: true, sizeOnly: true}, cache, kinds)
	}()
}

// gzippedLargest gives the largest node over SizeLimit (the first, of equal
// ones) its gzipped size, rendering it again with Gzip, or taking the
// guess's finished render when the guess was that node.
func gzippedLargest(res *Result, plans []*plan.NodePlan, cache *fragments, kinds *shapes, guess *gzipGuess) error {
	largest := -1
	for i, n := range res.Nodes {
		if n.Raw > SizeLimit && (largest < 0 || n.Raw > res.Nodes[largest].Raw) {
			largest = i
		}
	}
	if largest < 0 {
		return nil
	}
	n, err := guess.n, guess.err
	if !guess.started || largest != guess.i {
		n, err = renderShaped(plans[largest], Options{Gzip: true, sizeOnly: true}, cache, kinds)
	}
	if err != nil {
		return fmt.Errorf("node %s: %w", plans[largest].Name, err)
	}
	res.Nodes[largest].Gzipped = n.Gzipped
	return nil
}

// renderShaped renders a cloud-init worker from its kind's shape where it can
// (shape.go), an Ignition node from its kind's translation (ignShape), and
// any other node on its own.
func renderShaped(p *plan.NodePlan, opt Options, cache *fragments, kinds *shapes) (Node, error) {
	if kinds != nil && p.OS.Output == "ignition" {
		return renderIgnition(p, opt, kinds)
	}
	if kinds != nil && !p.ControlPlane {
		if n, ok, err := kinds.of(p, cache).render(p, opt); ok || err != nil {
			return n, err
		}
	}
	return renderNode(p, opt, cache)
}

// splitFiles is p's own files and the files it shares with other nodes, each
// in plan order.
func splitFiles(p *plan.NodePlan) (own, shared []plan.File) {
	for _, f := range p.Files {
		if p.ScopeKey(f) == "" {
			own = append(own, f)
		} else {
			shared = append(shared, f)
		}
	}
	return own, shared
}

// cloudNode is a cloud-init node's output before it is put together: its own
// stretch of user-data, the parts it shares with other nodes, its meta-data.
type cloudNode struct {
	head   []byte
	shared []part
	meta   []byte
	netcfg []byte // nil: DHCP
}

func cloudParts(p *plan.NodePlan, cache *fragments) (cloudNode, error) {
	ownFiles, shared := splitFiles(p)
	own := make([]WriteFile, 0, len(ownFiles))
	for _, f := range ownFiles {
		wf, err := writeFileOf(p, f)
		if err != nil {
			return cloudNode{}, err
		}
		own = append(own, wf)
	}
	head, err := cloudConfigHead(p, own)
	if err != nil {
		return cloudNode{}, err
	}
	cn := cloudNode{head: head, shared: make([]part, 0, len(shared)+1)}
	for _, f := range shared {
		sp, err := cache.get(p.ScopeKey(f)+"|"+f.Path, func() (part, error) {
			wf, err := writeFileOf(p, f)
			if err != nil {
				return part{}, err
			}
			entry, err := writeFileEntries([]WriteFile{wf})
			return newPart(entry), err
		})
		if err != nil {
			return cloudNode{}, err
		}
		cn.shared = append(cn.shared, sp)
	}
	tail, err := cache.get("tail|"+p.Paths.Bootstrap, func() (part, error) {
		t, err := cloudConfigTail(p)
		return newPart(t), err
	})
	if err != nil {
		return cloudNode{}, err
	}
	cn.shared = append(cn.shared, tail)
	cn.meta, err = templates.Execute("meta-data", p)
	if err != nil {
		return cn, err
	}
	cn.netcfg, err = NetworkConfig(p)
	return cn, err
}

// node puts the node's files together: user-data raw or gzipped, and the
// sizes of both.
func (cn cloudNode) node(p *plan.NodePlan, opt Options) (Node, error) {
	size := len(cn.head)
	for _, sp := range cn.shared {
		size += len(sp.raw)
	}
	n := Node{Name: p.Name, Role: p.Role, Raw: size}
	data := append(getBuf(size), cn.head...)
	for _, sp := range cn.shared {
		data = append(data, sp.raw...)
	}
	if opt.Gzip {
		headGz, err := gzipSmall(cn.head)
		if err != nil {
			return Node{}, err
		}
		data = append(data[:0], headGz...)
		for _, sp := range cn.shared {
			z, err := sp.gz()
			if err != nil {
				return Node{}, err
			}
			data = append(data, z...)
		}
		n.Gzipped = len(data)
	}
	n.Files = []File{
		{Path: p.Name + "/user-data", Mode: 0o600, Data: data, pooled: true},
		{Path: p.Name + "/meta-data", Mode: 0o644, Data: cn.meta},
	}
	if cn.netcfg != nil {
		n.Files = append(n.Files, File{Path: p.Name + "/" + NetworkConfigFile, Mode: 0o644, Data: cn.netcfg})
	}
	if p.SeedISO && !opt.sizeOnly {
		// The seed holds the user-data as written, secrets included: 0600.
		files := []seedFile{{"user-data", data}, {"meta-data", cn.meta}}
		if cn.netcfg != nil {
			files = append(files, seedFile{NetworkConfigFile, cn.netcfg})
		}
		iso, err := seedISO(files, opt.ScratchDir)
		if err != nil {
			return Node{}, fmt.Errorf("%s: %w", SeedISOFile, err)
		}
		n.Files = append(n.Files, File{Path: p.Name + "/" + SeedISOFile, Mode: 0o600, Data: iso})
	}
	pxe, err := pxeFiles(p, data, cn.netcfg)
	if err != nil {
		return Node{}, err
	}
	n.Files = append(n.Files, pxe...)
	if p.PXE != nil {
		// cloud-init asks a NoCloud URL for vendor-data too, and retries a
		// missing one for ten seconds.
		n.Files = append(n.Files, File{Path: p.Name + "/" + VendorDataFile, Mode: 0o644, Data: emptyVendorData})
	}
	if p.PXE != nil && p.PXE.AutoinstallDevice != "" && !opt.sizeOnly {
		// The installer carries the user-data as YAML: the raw form.
		plain := append([]byte(nil), cn.head...)
		for _, sp := range cn.shared {
			plain = append(plain, sp.raw...)
		}
		ai, err := autoinstallFiles(p, plain, cn.meta, cn.netcfg)
		if err != nil {
			return Node{}, err
		}
		n.Files = append(n.Files, ai...)
	}
	return n, nil
}

// bufs are the buffers of nodes already handed to Options.Sink.
var bufs sync.Pool

// getBuf is an empty buffer with room for n bytes.
func getBuf(n int) []byte {
	if b, ok := bufs.Get().(*[]byte); ok && cap(*b) >= n {
		return (*b)[:0]
	}
	return make([]byte, 0, n)
}

// putBuf lets getBuf reuse b.
func putBuf(b []byte) {
	if cap(b) > 0 {
		bufs.Put(&b)
	}
}

// writeFileOf is the write_files entry of one planned file. The hosts block
// is written gz+b64 once it is long (the tutorials' list of every node).
func writeFileOf(p *plan.NodePlan, f plan.File) (WriteFile, error) {
	content, err := FileContent(p, f)
	if err != nil {
		return WriteFile{}, err
	}
	wf := WriteFile{Path: f.Path, Owner: "root:root", Permissions: f.Mode, Content: Text(content)}
	if compressible[f.Path] && len(content) > compressAbove {
		z, err := gzipBytes(content)
		if err != nil {
			return WriteFile{}, err
		}
		wf.Encoding, wf.Content = "gz+b64", Text(base64.StdEncoding.EncodeToString(z))
	}
	return wf, nil
}

// renderIgnition writes the node's Ignition config, config.ign (0600: it
// holds the bootstrap token, and on control planes the CA keys). --gzip lets
// Butane gzip the files inside (Ignition inflates them); the sizes are the
// config's without and with that (see Node.Gzipped).
func renderIgnition(p *plan.NodePlan, opt Options, kinds *shapes) (Node, error) {
	shaped := false
	config := func(compress bool) ([]byte, error) {
		if kinds != nil {
			sh, err := kinds.ignition(p, compress)
			if err != nil {
				return nil, err
			}
			if sh.ok {
				shaped = true
				var contents [][]byte
				if !p.ControlPlane {
					ws := kinds.of(p, nil)
					if !compress {
						if joined, ok := ws.ownEntries(p, sh.indent, sh.sep); ok {
							return sh.wrap(joined), nil
						}
					}
					contents, _ = ws.ownContents(p)
				}
				return sh.config(p, compress, contents)
			}
		}
		return ignitionFor(p, compress)
	}
	plain, err := config(false)
	if err != nil {
		return Node{}, err
	}
	n := Node{Name: p.Name, Role: p.Role, Raw: len(plain)}
	data := plain
	if opt.Gzip {
		packed, err := config(true)
		if err != nil {
			return Node{}, err
		}
		n.Gzipped, data = len(packed), packed
	}
	n.Files = []File{{Path: p.Name + "/" + IgnitionFile, Mode: 0o600, Data: data, pooled: true}}
	n.shaped = shaped
	pxe, err := pxeFiles(p, data, nil)
	if err != nil {
		return Node{}, err
	}
	n.Files = append(n.Files, pxe...)
	return n, nil
}

// VendorDataFile is the empty vendor-data beside a network-booted node's
// NoCloud data.
const VendorDataFile = "vendor-data"

var emptyVendorData = []byte("#cloud-config\n# k8sgen: no vendor data. cloud-init reading this node's data over the network\n# asks for this file too, and would retry a missing one for ten seconds.\n{}\n")

// IgnitionFile is the name of a node's Ignition config in its output directory.
const IgnitionFile = "config.ign"

var gzipPool = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestCompression)
	return w
}}

// smallPool compresses a node's own stretches of user-data: a few hundred
// bytes each, where level 9 spends its time clearing its tables, not
// finding matches (BestSpeed keeps small ones).
var smallPool = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// gzipSmall is gzipBytes for a node's own stretches.
func gzipSmall(b []byte) ([]byte, error) { return gzipWith(&smallPool, b) }

// gzipBytes compresses one member deterministically: no name, no timestamp.
func gzipBytes(b []byte) ([]byte, error) { return gzipWith(&gzipPool, b) }

// gzipWith compresses one member with a writer from pool.
func gzipWith(pool *sync.Pool, b []byte) ([]byte, error) {
	var buf bytes.Buffer
	w := pool.Get().(*gzip.Writer)
	defer pool.Put(w)
	w.Reset(&buf)
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Kubeconfig is the admin kubeconfig for the user, pointing at the endpoint (the
// VIP or load balancer). In node-local mode the endpoint's name resolves to each
// node's own haproxy, which the user's machine does not have: there it points
// at the first control plane's API server.
func Kubeconfig(c *spec.Cluster, b *secrets.Bundle) ([]byte, error) {
	if _, _, err := net.SplitHostPort(c.ControlPlaneEndpoint); err != nil {
		return nil, fmt.Errorf("controlPlaneEndpoint: %w", err)
	}
	server := c.ControlPlaneEndpoint
	if cps := c.ControlPlanes(); c.LoadBalancer.Kind == spec.LBNodeLocal && len(cps) > 0 {
		server = net.JoinHostPort(cps[0].IP, "6443")
	}
	return templates.Execute("kubeconfig", map[string]string{
		"Cluster":  c.Name,
		"Server":   "https://" + server,
		"CA":       b.CA.Cert,
		"Cert":     b.AdminClient.Cert,
		"Key":      b.AdminClient.Key,
		"User":     c.Name + "-admin",
		"Context":  "k8sgen-admin@" + c.Name,
		"Endpoint": c.ControlPlaneEndpoint,
	})
}
