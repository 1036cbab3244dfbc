package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// cmdServe serves an output directory read-only over HTTP for a lab: the
// NoCloud-net and Ignition URLs and iPXE scripts point at it. It is a file
// server, not a DHCP or TFTP server.
func cmdServe(e env, args []string) error {
	fl := newFlags("serve", e)
	out := fl.StringP("output", "o", "out", "the output directory k8sgen rendered")
	listen := fl.String("listen", "", "the address to listen on, host:port (required: name the lab's address, e.g. 10.77.0.1:8080)")
	if err := parse(fl, args); err != nil {
		return err
	}
	if *listen == "" {
		return usageError{"missing --listen: name the address to serve on (host:port), e.g. the lab network's 10.77.0.1:8080"}
	}
	if _, _, err := net.SplitHostPort(*listen); err != nil {
		return usageError{fmt.Sprintf("--listen %q: %v", *listen, err)}
	}
	dir, err := filepath.Abs(*out)
	if err != nil {
		return err
	}
	if _, ok, err := readMarker(dir); err != nil {
		return fmt.Errorf("output %s: %w", *out, err)
	} else if !ok {
		return refusal{fmt.Sprintf("%s is not an output directory k8sgen wrote (it has no %s); serve serves only what render wrote", *out, outputMarker)}
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "k8sgen: serving %s read-only on http://%s/ (the files render wrote, nothing else); Ctrl-C stops\n", *out, ln.Addr())
	srv := &http.Server{Handler: newServer(dir, e.stderr, e.now), ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout: time.Minute, WriteTimeout: 10 * time.Minute}
	return srv.Serve(ln)
}

// server serves the files that an output directory's marker lists, and
// nothing else: not the marker, not a directory, not a file put there later
// (a copied secrets bundle or kubeconfig), not a symbolic link.
type server struct {
	dir string
	mu  sync.Mutex
	log io.Writer
	now func() time.Time
}

func newServer(dir string, log io.Writer, now func() time.Time) *server {
	return &server{dir: dir, log: log, now: now}
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	s.serve(rec, r)
	node, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	s.mu.Lock()
	fmt.Fprintf(s.log, "%s %s node=%q %s %q %d %d\n", s.now().UTC().Format(time.RFC3339), r.RemoteAddr, node, r.Method, r.URL.Path, rec.status, rec.size)
	s.mu.Unlock()
}

// recorder keeps the status and the size of a response, for the log.
type recorder struct {
	http.ResponseWriter
	status int
	size   int64
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	n, err := r.ResponseWriter.Write(b)
	r.size += int64(n)
	return n, err
}

// serve answers r: a listed file, or 404 (405 for a method other than GET
// and HEAD).
func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	fail := func(status int) {
		http.Error(w, http.StatusText(status), status)
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		fail(http.StatusMethodNotAllowed)
		return
	}
	rel, ok := servedPath(r.URL.Path)
	if !ok {
		fail(http.StatusNotFound)
		return
	}
	m, marked, err := readMarker(s.dir)
	if err != nil || !marked || !m.files[rel] {
		fail(http.StatusNotFound)
		return
	}
	f, err := openServed(s.dir, rel)
	if err != nil {
		fail(http.StatusNotFound)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		fail(http.StatusNotFound)
		return
	}
	// One range at most: a request for many overlapping ranges would get a
	// reply many times the file's size.
	if strings.Contains(r.Header.Get("Range"), ",") {
		r.Header.Del("Range")
	}
	w.Header().Set("Content-Type", contentType(rel))
	w.Header().Set("Cache-Control", "no-store")
	http.ServeContent(w, r, "", fi.ModTime(), f)
}

// servedPath is the request path as a path relative to the output directory,
// if it is one: clean, without "..", ".", empty or hidden segments.
func servedPath(p string) (string, bool) {
	rel := strings.TrimPrefix(p, "/")
	if rel == "" || path.Clean(rel) != rel || strings.Contains(rel, "\\") {
		return "", false
	}
	for _, seg := range strings.Split(rel, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.HasPrefix(seg, ".") {
			return "", false
		}
	}
	return rel, true
}

// contentType is what a node's boot files are served as.
func contentType(rel string) string {
	switch path.Ext(rel) {
	case ".ign", ".json":
		return "application/json"
	case ".iso":
		return "application/octet-stream"
	}
	return "text/plain; charset=utf-8"
}
