// Command k8sgen renders per-node cloud-init user-data that builds a kubeadm
// cluster at first boot, from one cluster.yaml.
package main

import (
	"crypto/rand"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"

	"github.com/k8sgen/k8sgen/render"
	"github.com/k8sgen/k8sgen/render/secrets"
	"github.com/k8sgen/k8sgen/render/spec"
)

//go:embed example.yaml
var exampleSpec []byte

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "dev"

// Exit codes.
const (
	exitOK      = 0
	exitInvalid = 1
	exitUsage   = 2
)

// usageError marks misuse of the command line (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// invalidError marks bad input files (exit 1).
type invalidError struct{ msg string }

func (e invalidError) Error() string { return e.msg }

const usage = `k8sgen renders per-node cloud-init user-data that builds a kubeadm cluster by itself.

Usage:
  k8sgen render   -f cluster.yaml -o out/ [--secrets PATH] [--kubeconfig PATH] [--force] [--gzip]
  k8sgen render   --example -o out/        render the built-in example spec
  k8sgen validate -f cluster.yaml          check a spec; report every problem with its line
  k8sgen example                           print the example spec
  k8sgen version

Exit status: 0 ok, 1 invalid spec or secrets, 2 misuse.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// env is what the commands may touch besides their flags.
type env struct {
	stdout, stderr io.Writer
	now            func() time.Time
	rand           io.Reader
	getenv         func(string) (string, bool)
}

func run(args []string, stdout, stderr io.Writer) int {
	e := env{stdout: stdout, stderr: stderr, now: time.Now, rand: rand.Reader, getenv: os.LookupEnv}
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
	case "example":
		if len(args) > 1 {
			err = usageError{"example takes no arguments"}
		} else {
			_, err = stdout.Write(exampleSpec)
		}
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
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprint(stderr, "run 'k8sgen help' for usage\n")
		return exitUsage
	}
	return exitInvalid
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
		return doc.Cluster, nil
	}
	lines := make([]string, len(errs))
	for i, p := range errs {
		lines[i] = located(path, p)
	}
	return nil, invalidError{fmt.Sprintf("%d problem(s) in the spec:\n%s", len(errs), strings.Join(lines, "\n"))}
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
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

func readSpec(path string, example bool) (string, []byte, error) {
	if example {
		if path != "" {
			return "", nil, usageError{"use either -f or --example, not both"}
		}
		return "example.yaml", exampleSpec, nil
	}
	if path == "" {
		return "", nil, usageError{"missing -f cluster.yaml"}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", nil, usageError{fmt.Sprintf("cannot read spec: %v", err)}
	}
	return path, data, nil
}

func cmdValidate(e env, args []string) error {
	fl := newFlags("validate", e)
	file := fl.StringP("file", "f", "", "cluster spec to check")
	if err := parse(fl, args); err != nil {
		return err
	}
	name, data, err := readSpec(*file, false)
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

func cmdRender(e env, args []string) error {
	fl := newFlags("render", e)
	file := fl.StringP("file", "f", "", "cluster spec (cluster.yaml)")
	example := fl.Bool("example", false, "render the built-in example spec instead of -f")
	out := fl.StringP("output", "o", "", "output directory, one sub-directory per node")
	secretsPath := fl.String("secrets", "", "secrets bundle; created on first render (default: secrets.yaml beside the spec)")
	kubeconfigPath := fl.String("kubeconfig", "", "admin kubeconfig to write (default: <cluster>.kubeconfig beside the secrets)")
	force := fl.Bool("force", false, "replace an existing output directory")
	gz := fl.Bool("gzip", false, "write gzip-compressed user-data")
	if err := parse(fl, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"missing -o output directory"}
	}
	name, data, err := readSpec(*file, *example)
	if err != nil {
		return err
	}
	c, err := loadSpec(e, name, data)
	if err != nil {
		return err
	}

	if *secretsPath == "" {
		dir := "."
		if !*example {
			dir = filepath.Dir(*file)
		}
		*secretsPath = filepath.Join(dir, "secrets.yaml")
	}
	if *kubeconfigPath == "" {
		*kubeconfigPath = filepath.Join(filepath.Dir(*secretsPath), c.Name+".kubeconfig")
	}
	outAbs, err := realPath(*out)
	if err != nil {
		return usageError{err.Error()}
	}
	for _, p := range []struct{ flag, path string }{{"--secrets", *secretsPath}, {"--kubeconfig", *kubeconfigPath}} {
		abs, err := realPath(p.path)
		if err != nil {
			return usageError{err.Error()}
		}
		if abs == outAbs || strings.HasPrefix(abs, outAbs+string(filepath.Separator)) {
			return usageError{fmt.Sprintf("%s %s is inside the output directory %s, which gets served to machines; keep secrets elsewhere", p.flag, p.path, *out)}
		}
	}
	if st, err := os.Stat(*out); err == nil {
		if !st.IsDir() {
			return usageError{fmt.Sprintf("output %s exists and is not a directory", *out)}
		}
		if !*force {
			return usageError{fmt.Sprintf("output directory %s already exists; use --force to replace it", *out)}
		}
	}

	bundle, created, err := loadOrCreateSecrets(e, *secretsPath, c.Name)
	if err != nil {
		return err
	}
	updated, err := registryPasswords(e, c, bundle)
	if err != nil {
		return err
	}
	res, err := render.Render(c, bundle, render.Options{Gzip: *gz})
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	if created {
		raw, err := bundle.Marshal()
		if err != nil {
			return err
		}
		if err := writeNew(*secretsPath, raw); err != nil {
			return fmt.Errorf("writing secrets: %w", err)
		}
		fmt.Fprintf(e.stderr, "k8sgen: created secrets bundle %s (mode 0600): back it up and keep it private\n", *secretsPath)
	}
	if !created && updated {
		raw, err := bundle.Marshal()
		if err != nil {
			return err
		}
		if err := writeReplace(*secretsPath, raw, 0o600); err != nil {
			return fmt.Errorf("writing secrets: %w", err)
		}
		fmt.Fprintf(e.stderr, "k8sgen: stored the registry password(s) given in the environment in %s\n", *secretsPath)
	}
	if err := writeOutput(*out, res); err != nil {
		return err
	}
	if err := writeReplace(*kubeconfigPath, res.Kubeconfig, 0o600); err != nil {
		return fmt.Errorf("writing kubeconfig: %w", err)
	}
	report(e, *out, *kubeconfigPath, res, *gz)
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

// loadOrCreateSecrets reuses the bundle at path, or makes a new one in memory; the
// caller writes a new bundle only after the render succeeded.
func loadOrCreateSecrets(e env, path, cluster string) (*secrets.Bundle, bool, error) {
	raw, err := os.ReadFile(path)
	if err == nil {
		if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
			fmt.Fprintf(e.stderr, "k8sgen: warning: secrets bundle %s has mode %04o; run chmod 600 %s\n", path, st.Mode().Perm(), path)
		}
		b, err := secrets.Load(raw, cluster)
		if err != nil {
			return nil, false, invalidError{fmt.Sprintf("%s: %v", path, err)}
		}
		return b, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, usageError{fmt.Sprintf("cannot read secrets: %v", err)}
	}
	b, err := secrets.New(e.rand, e.now(), cluster)
	if err != nil {
		return nil, false, fmt.Errorf("generating secrets: %w", err)
	}
	return b, true, nil
}

// writeNew creates path with mode 0600, failing if it exists.
func writeNew(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// writeReplace writes path atomically through a temporary file in the same directory.
func writeReplace(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".k8sgen-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// writeOutput fills a temporary directory beside out and renames it into place,
// so a failed render leaves no half-written output.
func writeOutput(out string, res *render.Result) error {
	out = filepath.Clean(out)
	parent := filepath.Dir(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, ".k8sgen-out-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	for _, n := range res.Nodes {
		for _, f := range n.Files {
			p := filepath.Join(tmp, filepath.FromSlash(f.Path))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, f.Data, fs.FileMode(f.Mode)); err != nil {
				return err
			}
			if err := os.Chmod(p, fs.FileMode(f.Mode)); err != nil {
				return err
			}
		}
	}
	if _, err := os.Stat(out); err == nil {
		old := tmp + ".old"
		if err := os.Rename(out, old); err != nil {
			return err
		}
		if err := os.Rename(tmp, out); err != nil {
			os.Rename(old, out)
			return err
		}
		return os.RemoveAll(old)
	}
	return os.Rename(tmp, out)
}

func report(e env, out, kubeconfig string, res *render.Result, gz bool) {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "NODE\tROLE\tFILES\tRAW\tGZIPPED\t")
	for _, n := range res.Nodes {
		var names []string
		for _, f := range n.Files {
			names = append(names, filepath.Base(f.Path))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t\n", n.Name, n.Role, strings.Join(names, ","), n.Raw, n.Gzipped)
	}
	tw.Flush()
	var over []string
	largest := render.Node{}
	for _, n := range res.Nodes {
		if n.Raw > render.SizeLimit {
			over = append(over, n.Name)
			if n.Raw > largest.Raw {
				largest = n
			}
		}
	}
	if len(over) > 0 {
		names := strings.Join(over, ", ")
		if len(over) > 5 {
			names = strings.Join(over[:5], ", ") + fmt.Sprintf(" and %d more", len(over)-5)
		}
		hint := "--gzip brings the largest to"
		if gz {
			hint = "written gzipped: the largest is"
		}
		fmt.Fprintf(e.stderr, "k8sgen: warning: user-data over the 16 KiB AWS limit on %s (largest %s: %d bytes; %s %d bytes)\n",
			names, largest.Name, largest.Raw, hint, largest.Gzipped)
	}
	fmt.Fprintf(e.stdout, "wrote %d node(s) to %s; admin kubeconfig: %s\n", len(res.Nodes), out, kubeconfig)
}

// realPath is the absolute path with symbolic links resolved as far as the path
// exists, so that a link into the output directory is seen for what it is.
func realPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	rest := ""
	for dir := abs; ; dir = filepath.Dir(dir) {
		if r, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(r, rest), nil
		}
		if dir == filepath.Dir(dir) {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(dir), rest)
	}
}
