// Command k8sgen renders per-node cloud-init user-data or Ignition configs that
// build a kubeadm cluster at first boot, from one cluster.yaml.
package main

import (
	"bufio"
	"crypto/rand"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/pflag"

	"github.com/k8sgen/k8sgen/render"
	"github.com/k8sgen/k8sgen/render/plan"
	"github.com/k8sgen/k8sgen/render/secrets"
	"github.com/k8sgen/k8sgen/render/spec"
	"github.com/k8sgen/k8sgen/templates"
)

//go:embed example.yaml
var exampleSpec []byte

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "dev"

// Exit codes, as the README and the usage text give them.
const (
	exitOK      = 0
	exitInvalid = 1 // the spec or the secrets bundle is invalid
	exitUsage   = 2 // misuse, or a file or directory k8sgen will not replace
	exitIO      = 3 // a file could not be read, written or locked
	// exitInterrupted is a render stopped by a signal, as shells report one.
	exitInterrupted = 130
)

// usageError marks misuse of the command line (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// invalidError marks bad input files (exit 1).
type invalidError struct{ msg string }

func (e invalidError) Error() string { return e.msg }

// Any other error is an I/O or system error (exit 3): a disk that is full or a
// directory without write permission says nothing about the spec, and scripts
// that check for exit 1 must not take one for the other.

const usage = `k8sgen renders per-node cloud-init user-data (out/NODE/user-data) or Ignition
configs (out/NODE/config.ign, for flatcar) that build a kubeadm cluster by themselves.

Usage:
  k8sgen render      -f cluster.yaml -o out/ [--secrets PATH] [--kubeconfig PATH] [--force] [--gzip]
  k8sgen render      --example -o out/     render the built-in example spec
  k8sgen renew-admin -f cluster.yaml [--secrets PATH] [--kubeconfig PATH]
                                           new admin client certificate from the bundle's CA
  k8sgen token create -f cluster.yaml --for NODE[,NODE] [--ttl 24h] [--secrets PATH] [--script PATH]
                                           a new join token for nodes added later; writes the
                                           script (0600) that creates it in the cluster
  k8sgen validate    -f cluster.yaml       check a spec; report every problem with its line
  k8sgen images      -f cluster.yaml       every image the nodes pull, as they name it, beside
                                           where to copy it from (for air-gapped registries)
  k8sgen explain     FIELD                 a field of the spec (network.cni, nodes.role): its kind,
                                           default, choices and doc, like kubectl explain
  k8sgen serve       -o out/ --listen HOST:PORT
                                           serve the output read-only over HTTP for a lab's
                                           NoCloud-net, Ignition and iPXE URLs (only the files
                                           render wrote; each fetch is logged)
  k8sgen schema                            print the JSON Schema of cluster.yaml (for editors)
  k8sgen example                           print the example spec
  k8sgen version

-f - reads the spec from standard input. --force replaces only an output directory
and a kubeconfig that k8sgen wrote; nothing else is ever replaced.

Exit status: 0 ok, 1 invalid spec or secrets, 2 misuse or a file k8sgen will not
replace, 3 a file could not be read, written or locked, 130 render interrupted
(Ctrl-C or SIGTERM; what it had written is removed).
`

func main() {
	os.Exit(run(newEnv(), os.Args[1:]))
}

// errInterrupted is a render stopped by a signal; nothing it wrote is left.
var errInterrupted = errors.New("interrupted: nothing was written (the partial output was removed)")

// afterNode, when set (by tests), runs after each node is written.
var afterNode func()

// env is what the commands may touch besides their flags.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	now            func() time.Time
	rand           io.Reader
	getenv         func(string) (string, bool)
}

func newEnv() env {
	return env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, now: time.Now, rand: rand.Reader, getenv: os.LookupEnv}
}

func run(e env, args []string) int {
	stdout, stderr := e.stdout, e.stderr
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "render":
		err = cmdRender(e, args[1:])
	case "validate":
		err = cmdValidate(e, args[1:])
	case "images":
		err = cmdImages(e, args[1:])
	case "explain":
		err = cmdExplain(e, args[1:])
	case "schema":
		err = cmdSchema(e, args[1:])
	case "renew-admin":
		err = cmdRenewAdmin(e, args[1:])
	case "token":
		err = cmdToken(e, args[1:])
	case "serve":
		err = cmdServe(e, args[1:])
	case "example":
		err = cmdExample(e, args[1:])
	case "version", "--version":
		fmt.Fprintf(stdout, "k8sgen %s\n", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		err = usageError{fmt.Sprintf("unknown command %q", args[0])}
	}
	// -h on a command: pflag has printed its usage; asking for help is not an error.
	if err == nil || errors.Is(err, pflag.ErrHelp) {
		return exitOK
	}
	fmt.Fprintf(stderr, "k8sgen: %v\n", err)
	var (
		ue  usageError
		ms  missing
		ref refusal
		ie  invalidError
	)
	switch {
	case errors.As(err, &ue), errors.As(err, &ms):
		fmt.Fprint(stderr, "run 'k8sgen help' for usage\n")
		return exitUsage
	case errors.As(err, &ref):
		return exitUsage
	case errors.As(err, &ie):
		return exitInvalid
	case errors.Is(err, errInterrupted):
		return exitInterrupted
	}
	return exitIO
}

// cmdExplain describes one field of the spec from the embedded schema; with
// no field, the spec's top-level fields.
func cmdExplain(e env, args []string) error {
	fl := newFlags("explain", e)
	fl.Usage = func() {
		fmt.Fprint(e.stderr, "Usage of explain: k8sgen explain [FIELD]   e.g. network.cni, nodes.taints.effect\n")
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fl.NArg() > 1 {
		return usageError{fmt.Sprintf("explain takes one field, not %d", fl.NArg())}
	}
	text, err := spec.Explain(fl.Arg(0))
	if err != nil {
		return usageError{err.Error()}
	}
	_, err = io.WriteString(e.stdout, text)
	return err
}

// cmdSchema prints the JSON Schema of cluster.yaml.
func cmdSchema(e env, args []string) error {
	fl := newFlags("schema", e)
	if err := parse(fl, args); err != nil {
		return err
	}
	_, err := e.stdout.Write(spec.SchemaFile())
	return err
}

// cmdExample prints the built-in example spec; it takes no flags but -h.
func cmdExample(e env, args []string) error {
	fl := newFlags("example", e)
	fl.Usage = func() {
		fmt.Fprint(e.stderr, "Usage of example: k8sgen example > cluster.yaml\n"+
			"  prints the built-in example spec (one control plane, two workers on Ubuntu 24.04),\n"+
			"  with a comment naming the choices of each field; edit it, then run\n"+
			"  k8sgen validate -f cluster.yaml and k8sgen render -f cluster.yaml -o out/\n")
	}
	if err := parse(fl, args); err != nil {
		return err
	}
	_, err := e.stdout.Write(exampleSpec)
	return err
}

func newFlags(name string, e env) *pflag.FlagSet {
	fl := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fl.SetOutput(e.stderr)
	fl.SortFlags = false
	return fl
}

func parse(fl *pflag.FlagSet, args []string) error {
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fl.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fl.Arg(0))}
	}
	return nil
}

// loadSpec reads, defaults and validates a spec; warnings go to stderr.
func loadSpec(e env, path string, data []byte) (*spec.Cluster, error) {
	doc, probs := spec.Check(data)
	for _, p := range probs.Warnings() {
		fmt.Fprintf(e.stderr, "%s\n", located(path, p))
	}
	errs := probs.Errors()
	if len(errs) == 0 {
		return doc.Cluster, addonFiles(path, doc)
	}
	lines := make([]string, len(errs))
	for i, p := range errs {
		lines[i] = located(path, p)
	}
	return nil, invalidError{fmt.Sprintf("%d problem(s) in the spec:\n%s", len(errs), strings.Join(lines, "\n"))}
}

// addonFiles reads the manifest files the spec names (add-ons and a custom
// CNI's), relative to its directory (the working directory for standard
// input), into the spec.
func addonFiles(specPath string, doc *spec.Document) error {
	dir := "."
	if specPath != stdinName && specPath != "example.yaml" {
		dir = filepath.Dir(specPath)
	}
	c := doc.Cluster
	read := func(field, file, what string, set func([]byte) error) error {
		p := file
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		// Where it leads and what it is, before it is opened: a link out to a
		// FIFO or a device must not hang or feed the render.
		var data []byte
		st, err := os.Stat(p)
		switch {
		case err != nil:
			_, err = readInputFile(p, p, what)
		case !insideDir(p, dir):
			err = fmt.Errorf("%s leads outside the spec's directory (a symbolic link); copy the manifest in", p)
		case !st.Mode().IsRegular():
			err = fmt.Errorf("%s is not a regular file", p)
		default:
			data, err = readInputFile(p, p, what)
		}
		if err == nil {
			if err = set(data); err != nil {
				err = fmt.Errorf("%s: %v", p, err)
			}
		}
		if err != nil {
			return invalidError{located(specPath, spec.Problem{Path: field, Line: doc.Positions[field], Msg: err.Error()})}
		}
		return nil
	}
	for i, a := range c.Addons {
		if a.File == "" {
			continue
		}
		if err := read(fmt.Sprintf("addons[%d].file", i), a.File, "add-on manifest", func(data []byte) error { return c.SetAddonContent(i, data) }); err != nil {
			return err
		}
	}
	if f := c.Network.CNIManifestFile; f != "" && c.Network.CNI == "custom" {
		return read("network.cniManifestFile", f, "CNI manifest", c.SetCNIContent)
	}
	return nil
}

// insideDir reports whether file, symbolic links resolved, lies inside dir.
func insideDir(file, dir string) bool {
	f, err1 := filepath.EvalSymlinks(file)
	d, err2 := filepath.EvalSymlinks(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, f)
	return err == nil && filepath.IsLocal(rel)
}

// located formats a problem as file:line: path: message.
func located(file string, p spec.Problem) string {
	var b strings.Builder
	b.WriteString(file)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	if p.Warning {
		b.WriteString("warning: ")
	}
	if p.Path != "" {
		b.WriteString(shownPath(p.Path) + ": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// shownPath is a problem's field path as printed: quoted (Go syntax, so a
// newline or terminal escape in a key cannot forge another line) unless it is
// plain printable text, and cut to 200 characters.
func shownPath(p string) string {
	if len(p) > 200 {
		p = p[:200] + "..."
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f || !unicode.IsPrint(r) {
			return strconv.Quote(p)
		}
	}
	return p
}

// stdinName names the spec in messages when -f - reads it from standard input.
const stdinName = "<stdin>"

// readSpec reads the spec named by -f ("-" is standard input) or the example.
func readSpec(e env, path string, example bool) (string, []byte, error) {
	if example {
		if path != "" {
			return "", nil, usageError{"use either -f or --example, not both"}
		}
		return "example.yaml", exampleSpec, nil
	}
	switch path {
	case "":
		return "", nil, usageError{"missing -f cluster.yaml"}
	case "-":
		data, err := readLimited(e.stdin, "the spec on standard input")
		return stdinName, data, err
	}
	data, err := readInputFile(path, path, "spec")
	return path, data, err
}

func cmdValidate(e env, args []string) error {
	fl := newFlags("validate", e)
	file := fl.StringP("file", "f", "", "cluster spec to check ('-': standard input)")
	if err := parse(fl, args); err != nil {
		return err
	}
	name, data, err := readSpec(e, *file, false)
	if err != nil {
		return err
	}
	c, err := loadSpec(e, name, data)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: valid: cluster %s, Kubernetes %s on %s, %d control plane(s), %d worker(s)\n",
		name, c.Name, c.KubernetesVersion, c.OS, len(c.ControlPlanes()), len(c.Workers()))
	return nil
}

// cmdImages lists the images the spec's nodes pull: the name each node uses
// (after imageRepository, cniImageRepository and kube-vip's image), the
// upstream name to copy it from, who pulls it and the registry mirrors that
// containerd tries first. It needs no secrets and writes nothing.
func cmdImages(e env, args []string) error {
	fl := newFlags("images", e)
	file := fl.StringP("file", "f", "", "cluster spec ('-': standard input)")
	example := fl.Bool("example", false, "use the built-in example spec instead of -f")
	if err := parse(fl, args); err != nil {
		return err
	}
	name, data, err := readSpec(e, *file, *example)
	if err != nil {
		return err
	}
	c, err := loadSpec(e, name, data)
	if err != nil {
		return err
	}
	images, err := plan.Images(c)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprint(tw, "IMAGE (AS NODES PULL IT)\tCOPY FROM\tPULLED FOR\n")
	tw.Write(plan.ImageList(images))
	return tw.Flush()
}

// paths are the files a command reads and writes besides the output directory,
// as the user gave them (for messages) and resolved (for checks and writes).
type paths struct {
	specFile              string // "" for --example and -f -
	secrets, kubeconfig   string
	secretsReal, kubeReal string
	specReal              string
}

// specFlags are the flags render and renew-admin share.
type specFlags struct {
	file, secrets, kubeconfig *string
	example, force            *bool
}

func addSpecFlags(fl *pflag.FlagSet, forceHelp string) specFlags {
	return specFlags{
		file:       fl.StringP("file", "f", "", "cluster spec (cluster.yaml; '-': standard input)"),
		example:    fl.Bool("example", false, "use the built-in example spec instead of -f"),
		secrets:    fl.String("secrets", "", "secrets bundle (default: secrets.yaml beside the spec)"),
		kubeconfig: fl.String("kubeconfig", "", "admin kubeconfig to write (default: <cluster>.kubeconfig beside the secrets)"),
		force:      fl.Bool("force", false, forceHelp),
	}
}

// load reads and checks the spec the flags name and resolves the paths around it:
// the first steps of render and renew-admin.
func (f specFlags) load(e env) (*spec.Cluster, *paths, error) {
	name, data, err := readSpec(e, *f.file, *f.example)
	if err != nil {
		return nil, nil, err
	}
	c, err := loadSpec(e, name, data)
	if err != nil {
		return nil, nil, err
	}
	p, err := f.resolvePaths(c)
	if err != nil {
		return nil, nil, err
	}
	return c, p, nil
}

// resolvePaths applies the defaults and resolves every path, refusing a
// kubeconfig that would replace the secrets bundle or the spec.
func (f specFlags) resolvePaths(c *spec.Cluster) (*paths, error) {
	p := &paths{secrets: *f.secrets, kubeconfig: *f.kubeconfig}
	if !*f.example && *f.file != "-" {
		p.specFile = *f.file
	}
	if p.secrets == "" {
		dir := "."
		if p.specFile != "" {
			dir = filepath.Dir(p.specFile)
		}
		p.secrets = filepath.Join(dir, "secrets.yaml")
	}
	if p.kubeconfig == "" {
		p.kubeconfig = filepath.Join(filepath.Dir(p.secrets), c.Name+".kubeconfig")
	}
	var err error
	if p.secretsReal, err = resolve(p.secrets); err != nil {
		return nil, err
	}
	if p.kubeReal, err = resolve(p.kubeconfig); err != nil {
		return nil, err
	}
	if p.specFile != "" {
		if p.specReal, err = resolve(p.specFile); err != nil {
			return nil, err
		}
	}
	if sameFile(p.kubeReal, p.secretsReal) {
		return nil, refusal{fmt.Sprintf("--kubeconfig %s is the secrets bundle %s: writing the kubeconfig would destroy the cluster's CA keys; give them different paths", p.kubeconfig, p.secrets)}
	}
	if p.specReal != "" && sameFile(p.kubeReal, p.specReal) {
		return nil, refusal{fmt.Sprintf("--kubeconfig %s is the spec %s; give it another path", p.kubeconfig, p.specFile)}
	}
	return p, nil
}

func cmdRender(e env, args []string) error {
	fl := newFlags("render", e)
	sf := addSpecFlags(fl, "replace an output directory (and a kubeconfig of another cluster) that k8sgen wrote")
	out := fl.StringP("output", "o", "", "output directory, one sub-directory per node")
	gz := fl.Bool("gzip", false, "write gzip-compressed user-data; in config.ign, gzip the files inside")
	if err := parse(fl, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"missing -o output directory"}
	}
	// The templates parse while the spec loads (a few milliseconds of every render).
	go templates.Parsed()
	c, p, err := sf.load(e)
	if err != nil {
		return err
	}
	outReal, err := resolve(*out)
	if err != nil {
		return err
	}
	if outReal == filepath.Dir(outReal) {
		return refusal{fmt.Sprintf("output %s is the root directory", *out)}
	}
	for _, f := range []struct{ flag, shown, real string }{{"--secrets", p.secrets, p.secretsReal}, {"--kubeconfig", p.kubeconfig, p.kubeReal}} {
		if within(f.real, outReal) {
			return refusal{fmt.Sprintf("%s %s is inside the output directory %s, which gets served to machines; keep secrets elsewhere", f.flag, f.shown, *out)}
		}
	}
	if err := checkNotServed(p); err != nil {
		return err
	}

	// Everything from here on happens under the output's lock, so two renders
	// into one place cannot both check, then both write.
	unlock, err := lockOutput(outReal, *out)
	if err != nil {
		return err
	}
	defer unlock()
	removeStaleTemps(e, outReal)
	if err := checkOutput(outReal, *out, *sf.force); err != nil {
		return err
	}
	if err := checkKubeconfigTarget(p.kubeReal, p.kubeconfig, c.Name, *sf.force); err != nil {
		return err
	}

	bundle, created, err := loadOrCreateSecrets(e, p.secretsReal, p.secrets, c.Name)
	if err != nil {
		return err
	}
	if !created {
		if err := checkValidity(e, p.secrets, bundle, renewHint(sf)); err != nil {
			return err
		}
	}
	updated, err := registryPasswords(e, c, bundle)
	if err != nil {
		return err
	}
	moved := false
	if created {
		bundle.KubernetesVersion = c.KubernetesVersion
	} else {
		var warning string
		if moved, warning, err = bundle.MoveVersion(c.KubernetesVersion); err != nil {
			return invalidError{fmt.Sprintf("%s: %v", p.secrets, err)}
		}
		if warning != "" {
			fmt.Fprintf(e.stderr, "k8sgen: warning: %s\n", warning)
		}
	}
	// Nodes go to disk as they are rendered: the whole output never sits in
	// memory, and nothing is published until every node and the bundle are in.
	dir, err := newOutputDir(outReal, c.Name)
	if err != nil {
		return fmt.Errorf("writing %s: %w", *out, err)
	}
	defer dir.discard()
	// Ctrl-C or SIGTERM stops the render at the next node and removes what it
	// wrote (the temporary directory holds CA keys); once every node is in,
	// the render finishes.
	var stop atomic.Bool
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer func() {
		signal.Stop(signals)
		close(signals) // ends the goroutine below; no send follows Stop
	}()
	go func() {
		if _, ok := <-signals; ok {
			stop.Store(true)
		}
	}()
	var writeErr error
	var writeOnce sync.Once
	res, err := render.Render(c, bundle, render.Options{Gzip: *gz, ScratchDir: dir.tmp, Sink: func(n render.Node) error {
		if stop.Load() {
			writeOnce.Do(func() { writeErr = errInterrupted })
			return errInterrupted
		}
		err := dir.writeNode(n)
		if err != nil {
			writeOnce.Do(func() { writeErr = err })
		}
		if afterNode != nil {
			afterNode()
		}
		return err
	}})
	if errors.Is(writeErr, errInterrupted) {
		return errInterrupted
	}
	if writeErr != nil {
		return fmt.Errorf("writing %s: %w", *out, writeErr)
	}
	if err != nil {
		// The spec passed validation, so this is a spec the validator missed.
		return invalidError{fmt.Sprintf("render: %v", err)}
	}
	if len(res.Files) > 0 {
		if err := dir.writeNode(render.Node{Files: res.Files}); err != nil {
			return fmt.Errorf("writing %s: %w", *out, err)
		}
	}
	if created {
		raw, err := bundle.Marshal()
		if err != nil {
			return err
		}
		if err := writeNew(p.secretsReal, raw); err != nil {
			return fmt.Errorf("writing secrets: %w", err)
		}
		fmt.Fprintf(e.stderr, "k8sgen: created secrets bundle %s (mode 0600): back it up and keep it private\n", p.secrets)
	}
	if !created && (updated || moved) {
		raw, err := bundle.Marshal()
		if err != nil {
			return err
		}
		if err := writeReplace(p.secretsReal, raw, 0o600); err != nil {
			return fmt.Errorf("writing secrets: %w", err)
		}
		if updated {
			fmt.Fprintf(e.stderr, "k8sgen: stored the registry password(s) given in the environment in %s\n", p.secrets)
		}
		if moved {
			fmt.Fprintf(e.stderr, "k8sgen: recorded Kubernetes %s in %s\n", c.KubernetesVersion, p.secrets)
		}
	}
	if err := dir.publish(c.Name, res); err != nil {
		return fmt.Errorf("writing %s: %w", *out, err)
	}
	if err := writeReplace(p.kubeReal, res.Kubeconfig, 0o600); err != nil {
		return fmt.Errorf("writing kubeconfig: %w", err)
	}
	report(e, *out, p.kubeconfig, res, *gz)
	return nil
}

// registryPasswords copies registry passwords from the environment variables the
// spec names into the bundle; a password already stored is kept when the variable
// is unset. It reports whether the bundle changed.
func registryPasswords(e env, c *spec.Cluster, b *secrets.Bundle) (bool, error) {
	changed := false
	for i, r := range c.Registries {
		if r.PasswordEnv == "" {
			continue
		}
		pw, ok := e.getenv(r.PasswordEnv)
		if !ok || pw == "" {
			if _, stored := b.RegistryPasswords[r.Host]; stored {
				continue
			}
			return false, invalidError{fmt.Sprintf("registries[%d] (%s): set the environment variable %s to the registry password (it is kept in the secrets bundle for later renders)", i, r.Host, r.PasswordEnv)}
		}
		if msg := secrets.CheckPassword(pw); msg != "" {
			// Name the variable, never the value: stderr ends up in CI logs.
			return false, invalidError{fmt.Sprintf("registries[%d] (%s): the password in %s %s", i, r.Host, r.PasswordEnv, msg)}
		}
		if b.RegistryPasswords[r.Host] != pw {
			if b.RegistryPasswords == nil {
				b.RegistryPasswords = map[string]string{}
			}
			b.RegistryPasswords[r.Host] = pw
			changed = true
		}
	}
	return changed, nil
}

// loadSecrets reads and checks the bundle at path (shown as shown); a missing
// bundle is reported as fs.ErrNotExist.
func loadSecrets(e env, path, shown, cluster string) (*secrets.Bundle, error) {
	raw, err := readInputFile(path, shown, "secrets bundle")
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(e.stderr, "k8sgen: warning: secrets bundle %s has mode %04o; run chmod 600 %s\n", shown, st.Mode().Perm(), shown)
	}
	b, err := secrets.Load(raw, cluster)
	if err != nil {
		return nil, invalidError{fmt.Sprintf("%s: %v", shown, err)}
	}
	return b, nil
}

// loadOrCreateSecrets reuses the bundle at path, or makes a new one in memory; the
// caller writes a new bundle only after the render succeeded.
func loadOrCreateSecrets(e env, path, shown, cluster string) (*secrets.Bundle, bool, error) {
	b, err := loadSecrets(e, path, shown, cluster)
	if err == nil {
		return b, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	b, err = secrets.New(e.rand, e.now(), cluster)
	if err != nil {
		return nil, false, fmt.Errorf("generating secrets: %w", err)
	}
	return b, true, nil
}

// writeTable writes rows as right-aligned columns two spaces apart, the
// first row the header (text/tabwriter took 0.18 s for 10,000 rows).
func writeTable(w io.Writer, rows [][]string) {
	var width []int
	for _, r := range rows {
		for i, c := range r {
			if i == len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	bw := bufio.NewWriter(w)
	for _, r := range rows {
		for i, c := range r {
			bw.WriteString(strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)+2))
			bw.WriteString(c)
		}
		bw.WriteString("\n")
	}
	bw.Flush()
}

func report(e env, out, kubeconfig string, res *render.Result, gz bool) {
	// Gzipped sizes are known where they are written (render.Node.Gzipped).
	header := []string{"NODE", "ROLE", "FILES", "RAW"}
	if gz {
		header = append(header, "GZIPPED")
	}
	rows := [][]string{header}
	for _, n := range res.Nodes {
		var names []string
		for _, f := range n.Files {
			// A node's own files by name; others (matchbox/...) by path.
			name, ok := strings.CutPrefix(f.Path, n.Name+"/")
			if !ok {
				name = f.Path
			}
			names = append(names, name)
		}
		row := []string{n.Name, n.Role, strings.Join(names, ","), strconv.Itoa(n.Raw)}
		if gz {
			row = append(row, strconv.Itoa(n.Gzipped))
		}
		rows = append(rows, row)
	}
	writeTable(e.stdout, rows)
	// A node is over the limit by the size written: gzipped with --gzip.
	written := func(n render.Node) int {
		if gz {
			return n.Gzipped
		}
		return n.Raw
	}
	var over []string
	largest := render.Node{}
	for _, n := range res.Nodes {
		if written(n) > render.SizeLimit {
			over = append(over, n.Name)
			if written(n) > written(largest) {
				largest = n
			}
		}
	}
	if len(over) > 0 {
		names := strings.Join(over, ", ")
		if len(over) > 5 {
			names = strings.Join(over[:5], ", ") + fmt.Sprintf(" and %d more", len(over)-5)
		}
		if gz {
			fmt.Fprintf(e.stderr, "k8sgen: warning: first-boot config (user-data, config.ign) over the 16 KiB AWS limit even gzipped on %s (largest %s: %d bytes gzipped)\n",
				names, largest.Name, largest.Gzipped)
		} else {
			fmt.Fprintf(e.stderr, "k8sgen: warning: first-boot config (user-data, config.ign) over the 16 KiB AWS limit on %s (largest %s: %d bytes; --gzip brings the largest to %d bytes)\n",
				names, largest.Name, largest.Raw, largest.Gzipped)
		}
	}
	also := ""
	for _, f := range res.Files {
		also += " and " + f.Path
	}
	fmt.Fprintf(e.stdout, "wrote %d node(s)%s to %s; admin kubeconfig: %s\n", len(res.Nodes), also, out, kubeconfig)
}
