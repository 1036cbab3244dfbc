// Command labimage builds a linux/amd64 OCI image from host files and tar
// layers, with no base image, and pushes it to a registry or writes it to an
// OCI layout directory. Layers are deterministic: sorted entries, owner 0:0,
// mtime 1970-01-01, so the same inputs give the same digest.
//
//	labimage [--layer TAR]... [--file SRC:DST[:MODE]]... [--dir DST[:MODE]]...
//	         [--entrypoint ARG]... [--cmd ARG]... [--env K=V]... [--user U] [--workdir DIR]
//	         [--label K=V]... [--push REF] [--layout DIR --tag REF]
//	         [--ca FILE] [--insecure] [--username NAME]
//	labimage --push-layout DIR --registry HOST[:PORT] [--ca FILE] [--insecure] [--username NAME]
//
// The second form pushes every image of an OCI layout that the first wrote, each to
// its recorded reference with the registry host replaced: images are built where
// the network is, and pushed inside the lab's namespace, where there is none.
//
// The --layer tars come first, in order, then one layer with the --file and
// --dir entries. The registry password comes from $LAB_REGISTRY_PASSWORD.
// On success it prints REF@DIGEST for each destination.
package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/match"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// refName is the OCI annotation that records an image's reference in a layout.
const refName = "org.opencontainers.image.ref.name"

// epoch is the timestamp of every layer entry and of the image config.
var epoch = time.Unix(0, 0).UTC()

const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// spec is what an image is made of.
type spec struct {
	layers     []string // tar files, plain or gzip
	files      []fileEntry
	entrypoint []string
	cmd        []string
	env        []string
	user       string
	workdir    string
	labels     map[string]string
}

// fileEntry is one host file (or, with src empty, a directory) in the files layer.
type fileEntry struct {
	src  string
	dst  string // absolute path in the image
	mode os.FileMode
	dir  bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "labimage: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("labimage", flag.ContinueOnError)
	var layers, files, dirs, entrypoint, cmd, env, labels listFlag
	fs.Var(&layers, "layer", "add a tar file (plain or gzip) as a layer, in order (repeatable)")
	fs.Var(&files, "file", "add host file SRC at image path DST, mode MODE (octal; default: SRC's) (repeatable)")
	fs.Var(&dirs, "dir", "add an empty directory DST[:MODE] (default mode 0755) (repeatable)")
	fs.Var(&entrypoint, "entrypoint", "entrypoint argument (repeatable)")
	fs.Var(&cmd, "cmd", "cmd argument (repeatable)")
	fs.Var(&env, "env", "environment K=V (repeatable; PATH defaults to the usual one)")
	fs.Var(&labels, "label", "config label K=V (repeatable)")
	user := fs.String("user", "", "user the image runs as")
	workdir := fs.String("workdir", "", "working directory")
	push := fs.String("push", "", "push the image to this reference")
	layoutDir := fs.String("layout", "", "write the image into this OCI layout directory")
	tag := fs.String("tag", "", "reference recorded for the image in --layout (default: --push)")
	caFile := fs.String("ca", "", "PEM CA certificate(s) to trust for --push, besides the system's")
	insecure := fs.Bool("insecure", false, "push over plain HTTP or without TLS verification")
	username := fs.String("username", "", "registry user (password from $LAB_REGISTRY_PASSWORD)")
	pushLayoutDir := fs.String("push-layout", "", "push every image of this OCI layout (needs --registry)")
	registry := fs.String("registry", "", "with --push-layout: the HOST[:PORT] to push to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *pushLayoutDir != "" || *registry != "" {
		if *pushLayoutDir == "" || *registry == "" {
			return errors.New("--push-layout DIR and --registry HOST go together")
		}
		if *push != "" || *layoutDir != "" || len(layers)+len(files)+len(dirs) > 0 {
			return errors.New("--push-layout pushes a layout; it builds nothing")
		}
		tr, err := transport(*caFile, *insecure)
		if err != nil {
			return err
		}
		return pushLayout(ctx, *pushLayoutDir, *registry, *insecure, remoteOpts(tr, *username), stdout)
	}
	if *push == "" && *layoutDir == "" {
		return errors.New("give --push REF and/or --layout DIR")
	}
	if *layoutDir != "" && *tag == "" && *push == "" {
		return errors.New("--layout needs --tag REF (or --push)")
	}

	sp := spec{layers: layers, entrypoint: entrypoint, cmd: cmd, env: env, user: *user, workdir: *workdir}
	for _, f := range files {
		e, err := parseFile(f)
		if err != nil {
			return err
		}
		sp.files = append(sp.files, e)
	}
	for _, d := range dirs {
		e, err := parseDir(d)
		if err != nil {
			return err
		}
		sp.files = append(sp.files, e)
	}
	for _, l := range labels {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			return fmt.Errorf("--label %q: want K=V", l)
		}
		if sp.labels == nil {
			sp.labels = map[string]string{}
		}
		sp.labels[k] = v
	}

	img, err := build(sp)
	if err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}

	if *layoutDir != "" {
		ref := *tag
		if ref == "" {
			ref = *push
		}
		if err := writeLayout(*layoutDir, ref, img); err != nil {
			return fmt.Errorf("writing layout %s: %w", *layoutDir, err)
		}
		fmt.Fprintf(stdout, "%s@%s\n", ref, digest)
	}
	if *push != "" {
		var nameOpts []name.Option
		if *insecure {
			nameOpts = append(nameOpts, name.Insecure)
		}
		ref, err := name.ParseReference(*push, nameOpts...)
		if err != nil {
			return err
		}
		tr, err := transport(*caFile, *insecure)
		if err != nil {
			return err
		}
		if err := remote.Write(ref, img, append(remoteOpts(tr, *username), remote.WithContext(ctx))...); err != nil {
			return fmt.Errorf("pushing %s: %w", ref, err)
		}
		fmt.Fprintf(stdout, "%s@%s\n", ref, digest)
	}
	return nil
}

// remoteOpts are the transport and credentials of every push.
func remoteOpts(tr http.RoundTripper, username string) []remote.Option {
	auth := authn.Anonymous
	if username != "" {
		auth = &authn.Basic{Username: username, Password: os.Getenv("LAB_REGISTRY_PASSWORD")}
	}
	return []remote.Option{remote.WithAuth(auth), remote.WithTransport(tr)}
}

// pushLayout pushes each image of the layout at dir to its recorded reference on
// registry instead of the reference's own host, and prints REF@DIGEST for each.
func pushLayout(ctx context.Context, dir, registry string, insecure bool, opts []remote.Option, stdout io.Writer) error {
	p, err := layout.FromPath(dir)
	if err != nil {
		return err
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return err
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	if len(im.Manifests) == 0 {
		return fmt.Errorf("layout %s holds no image", dir)
	}
	var nameOpts []name.Option
	if insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	for _, m := range im.Manifests {
		recorded := m.Annotations[refName]
		orig, err := name.NewTag(recorded)
		if err != nil {
			return fmt.Errorf("layout %s: image %s has no usable reference %q: %w", dir, m.Digest, recorded, err)
		}
		ref, err := name.NewTag(registry+"/"+orig.RepositoryStr()+":"+orig.TagStr(), nameOpts...)
		if err != nil {
			return err
		}
		img, err := p.Image(m.Digest)
		if err != nil {
			return err
		}
		if err := remote.Write(ref, img, append(opts, remote.WithContext(ctx))...); err != nil {
			return fmt.Errorf("pushing %s: %w", ref, err)
		}
		fmt.Fprintf(stdout, "%s@%s\n", ref, m.Digest)
	}
	return nil
}

func parseFile(s string) (fileEntry, error) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || !path.IsAbs(parts[1]) {
		return fileEntry{}, fmt.Errorf("--file %q: want SRC:/DST[:MODE]", s)
	}
	st, err := os.Stat(parts[0])
	if err != nil {
		return fileEntry{}, err
	}
	if !st.Mode().IsRegular() {
		return fileEntry{}, fmt.Errorf("--file %q: %s is not a regular file", s, parts[0])
	}
	e := fileEntry{src: parts[0], dst: path.Clean(parts[1]), mode: st.Mode().Perm()}
	if len(parts) == 3 {
		m, err := strconv.ParseUint(parts[2], 8, 32)
		if err != nil || m > 0o7777 {
			return fileEntry{}, fmt.Errorf("--file %q: bad octal mode %q", s, parts[2])
		}
		e.mode = os.FileMode(m)
	}
	return e, nil
}

func parseDir(s string) (fileEntry, error) {
	dst, modeStr, hasMode := strings.Cut(s, ":")
	if !path.IsAbs(dst) || path.Clean(dst) == "/" {
		return fileEntry{}, fmt.Errorf("--dir %q: want /DST[:MODE]", s)
	}
	e := fileEntry{dst: path.Clean(dst), mode: 0o755, dir: true}
	if hasMode {
		m, err := strconv.ParseUint(modeStr, 8, 32)
		if err != nil || m > 0o7777 {
			return fileEntry{}, fmt.Errorf("--dir %q: bad octal mode %q", s, modeStr)
		}
		e.mode = os.FileMode(m)
	}
	return e, nil
}

// build assembles the image described by sp.
func build(sp spec) (v1.Image, error) {
	var adds []mutate.Addendum
	for _, l := range sp.layers {
		layer, err := tarball.LayerFromFile(l, tarball.WithMediaType(types.OCILayer))
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", l, err)
		}
		adds = append(adds, addendum(layer, "labimage --layer "+path.Base(l)))
	}
	if len(sp.files) > 0 {
		data, err := filesTar(sp.files)
		if err != nil {
			return nil, err
		}
		layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		}, tarball.WithMediaType(types.OCILayer))
		if err != nil {
			return nil, err
		}
		adds = append(adds, addendum(layer, "labimage --file"))
	}
	if len(adds) == 0 {
		return nil, errors.New("the image would be empty: give --file, --dir or --layer")
	}

	env := sp.env
	hasPath := false
	for _, e := range env {
		hasPath = hasPath || strings.HasPrefix(e, "PATH=")
	}
	if !hasPath {
		env = append([]string{defaultPath}, env...)
	}
	cfg := &v1.ConfigFile{
		Architecture: "amd64",
		OS:           "linux",
		Created:      v1.Time{Time: epoch},
		RootFS:       v1.RootFS{Type: "layers"},
		Config: v1.Config{
			Entrypoint: sp.entrypoint,
			Cmd:        sp.cmd,
			Env:        env,
			User:       sp.user,
			WorkingDir: sp.workdir,
			Labels:     sp.labels,
		},
	}
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	base, err := mutate.ConfigFile(base, cfg)
	if err != nil {
		return nil, err
	}
	return mutate.Append(base, adds...)
}

func addendum(l v1.Layer, createdBy string) mutate.Addendum {
	return mutate.Addendum{
		Layer:     l,
		MediaType: types.OCILayer,
		History:   v1.History{Created: v1.Time{Time: epoch}, CreatedBy: createdBy},
	}
}

// filesTar writes the entries, and every parent directory they need, as a
// tar sorted by path.
func filesTar(entries []fileEntry) ([]byte, error) {
	byPath := map[string]fileEntry{}
	for _, e := range entries {
		if prev, ok := byPath[e.dst]; ok && (prev.dir != e.dir || !e.dir) {
			return nil, fmt.Errorf("%s is given twice", e.dst)
		}
		byPath[e.dst] = e
	}
	for _, e := range entries {
		for d := path.Dir(e.dst); d != "/"; d = path.Dir(d) {
			if p, ok := byPath[d]; ok {
				if !p.dir {
					return nil, fmt.Errorf("%s is a file and a parent directory of %s", d, e.dst)
				}
				continue
			}
			byPath[d] = fileEntry{dst: d, mode: 0o755, dir: true}
		}
	}
	paths := make([]string, 0, len(byPath))
	for p := range byPath {
		paths = append(paths, p)
	}
	sort.Strings(paths)

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, p := range paths {
		e := byPath[p]
		hdr := &tar.Header{
			Name:    strings.TrimPrefix(p, "/"),
			Mode:    int64(e.mode),
			ModTime: epoch,
		}
		if e.dir {
			hdr.Typeflag = tar.TypeDir
			hdr.Name += "/"
			if err := tw.WriteHeader(hdr); err != nil {
				return nil, err
			}
			continue
		}
		data, err := os.ReadFile(e.src)
		if err != nil {
			return nil, err
		}
		hdr.Typeflag = tar.TypeReg
		hdr.Size = int64(len(data))
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeLayout puts img into the OCI layout at dir under ref, replacing any
// image recorded there under the same ref.
func writeLayout(dir, ref string, img v1.Image) error {
	p, err := layout.FromPath(dir)
	if err != nil {
		if p, err = layout.Write(dir, empty.Index); err != nil {
			return err
		}
	}
	return p.ReplaceImage(img, match.Annotation(refName, ref), layout.WithAnnotations(map[string]string{refName: ref}))
}

// transport trusts the system CAs plus those in caFile.
func transport(caFile string, insecure bool) (http.RoundTripper, error) {
	tr := remote.DefaultTransport.(*http.Transport).Clone()
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: insecure}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, err
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no PEM certificate", caFile)
		}
		cfg.RootCAs = pool
	}
	tr.TLSClientConfig = cfg
	return tr, nil
}
