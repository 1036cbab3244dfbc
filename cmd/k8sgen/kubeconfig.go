package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/k8sgen/k8sgen/render"
	"github.com/k8sgen/k8sgen/render/secrets"
)

// kubeconfigMark starts the first line of every admin kubeconfig k8sgen writes
// (templates/kubeconfig). The line names no cluster: a template prints no value
// into a comment, so the cluster is read from the file's one cluster entry.
const kubeconfigMark = "# Admin kubeconfig written by k8sgen."

// kubeconfigOwner returns the cluster whose admin kubeconfig k8sgen wrote as data,
// and false for anything else. The header alone is not enough: kubectl drops
// comments when it edits a file, but a hand-edited copy may keep the header with
// other contexts added, and those must not be lost. So the file must also hold
// exactly the one cluster, user and context k8sgen writes, and nothing more.
func kubeconfigOwner(data []byte) (string, bool) {
	first, _, _ := strings.Cut(string(data), "\n")
	if !strings.HasPrefix(first, kubeconfigMark) {
		return "", false
	}
	type entry struct {
		Name    string    `yaml:"name"`
		Cluster yaml.Node `yaml:"cluster"`
		User    yaml.Node `yaml:"user"`
		Context yaml.Node `yaml:"context"`
	}
	var kc struct {
		APIVersion     string  `yaml:"apiVersion"`
		Kind           string  `yaml:"kind"`
		Clusters       []entry `yaml:"clusters"`
		Users          []entry `yaml:"users"`
		Contexts       []entry `yaml:"contexts"`
		CurrentContext string  `yaml:"current-context"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&kc); err != nil {
		return "", false
	}
	var extra yaml.Node
	if dec.Decode(&extra) != io.EOF {
		return "", false
	}
	if len(kc.Clusters) != 1 || kc.Clusters[0].Name == "" {
		return "", false
	}
	cluster := kc.Clusters[0].Name
	context := "k8sgen-admin@" + cluster
	ok := kc.APIVersion == "v1" && kc.Kind == "Config" &&
		len(kc.Clusters) == 1 && kc.Clusters[0].Name == cluster &&
		len(kc.Users) == 1 && kc.Users[0].Name == cluster+"-admin" &&
		len(kc.Contexts) == 1 && kc.Contexts[0].Name == context && kc.CurrentContext == context
	return cluster, ok
}

// checkKubeconfigTarget refuses to replace path (resolved; shown as given) unless
// it is missing or an admin kubeconfig k8sgen wrote: for this cluster, or with
// --force for another one. Anything else (a secrets bundle, ~/.kube/config with
// the user's other contexts, a spec) is refused even with --force, naming it.
func checkKubeconfigTarget(path, shown, cluster string, force bool) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("--kubeconfig %s: %w", shown, err)
	}
	if !fi.Mode().IsRegular() {
		return refusal{fmt.Sprintf("--kubeconfig %s exists and is not a file; k8sgen writes the admin kubeconfig only to a new file or one it wrote", shown)}
	}
	data, err := readInputFile(path, shown, "kubeconfig")
	var ie invalidError
	if errors.As(err, &ie) { // too large to be one of k8sgen's
		data, err = nil, nil
	}
	if err != nil {
		return err
	}
	owner, ok := kubeconfigOwner(data)
	if !ok {
		what := ""
		switch {
		case bytes.Contains(data, []byte("apiVersion: "+secrets.APIVersion)):
			what = " (it is a secrets bundle: replacing it would destroy the cluster's CA keys)"
		case bytes.Contains(data, []byte("kind: Config")):
			what = " (it is a kubeconfig k8sgen did not write, or one with more contexts than k8sgen writes)"
		}
		return refusal{fmt.Sprintf("--kubeconfig %s exists and is not an admin kubeconfig k8sgen wrote%s; k8sgen never replaces it, even with --force: choose another path, such as --kubeconfig %s.kubeconfig",
			shown, what, cluster)}
	}
	if owner != cluster && !force {
		return refusal{fmt.Sprintf("--kubeconfig %s is the admin kubeconfig of cluster %q, not %q; use --force to replace it", shown, owner, cluster)}
	}
	return nil
}

// How long before a certificate expires k8sgen warns: renewing the admin
// certificate is one command, rotating a CA that every node trusts takes planning.
const (
	adminWarnBefore = 30 * 24 * time.Hour
	caWarnBefore    = 365 * 24 * time.Hour
)

const caRotationDoc = "https://kubernetes.io/docs/tasks/tls/manual-rotation-of-ca-certificates/"

// checkValidity refuses a bundle whose CAs or admin certificate have expired or are
// not valid yet, and warns about those that expire soon. renew is the command that
// renews the admin certificate, as the user would type it.
func checkValidity(e env, shown string, b *secrets.Bundle, renew string) error {
	vs, err := b.Validities()
	if err != nil {
		return invalidError{fmt.Sprintf("%s: %v", shown, err)}
	}
	now := e.now()
	var errs []string
	for _, v := range vs {
		admin := v.Field == "adminClient"
		end := v.NotAfter.UTC().Format("2006-01-02 15:04 MST")
		warnBefore := caWarnBefore
		if admin {
			warnBefore = adminWarnBefore
		}
		switch {
		case now.Before(v.NotBefore):
			errs = append(errs, fmt.Sprintf("%s certificate is not valid before %s; is this machine's clock right?", v.Field, v.NotBefore.UTC().Format("2006-01-02 15:04 MST")))
		case !now.Before(v.NotAfter) && admin:
			errs = append(errs, fmt.Sprintf("adminClient certificate expired on %s, so a kubeconfig made from it no longer works; run '%s' for a new one from the bundle's CA", end, renew))
		case !now.Before(v.NotAfter):
			errs = append(errs, fmt.Sprintf("%s certificate expired on %s: nodes refuse it, and k8sgen cannot renew a CA that every node trusts; a new secrets bundle means a new cluster, or rotate the CA by hand (%s)", v.Field, end, caRotationDoc))
		case v.NotAfter.Sub(now) < warnBefore:
			days := int(v.NotAfter.Sub(now).Hours() / 24)
			todo := fmt.Sprintf("plan its rotation (%s)", caRotationDoc)
			if admin {
				todo = fmt.Sprintf("run '%s' for a new one", renew)
			}
			fmt.Fprintf(e.stderr, "k8sgen: warning: %s: %s certificate expires on %s (in %d days); %s\n", shown, v.Field, end, days, todo)
		}
	}
	if len(errs) > 0 {
		return invalidError{shown + ": " + strings.Join(errs, "\n"+shown+": ")}
	}
	return nil
}

// renewHint is the renew-admin command for the paths the user gave.
func renewHint(sf specFlags) string {
	args := []string{"k8sgen", "renew-admin"}
	if *sf.example {
		args = append(args, "--example")
	} else {
		args = append(args, "-f", shellWord(*sf.file))
	}
	if *sf.secrets != "" {
		args = append(args, "--secrets", shellWord(*sf.secrets))
	}
	if *sf.kubeconfig != "" {
		args = append(args, "--kubeconfig", shellWord(*sf.kubeconfig))
	}
	return strings.Join(args, " ")
}

// shellWord quotes s for a command line the user may paste.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=+:@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// cmdRenewAdmin issues a new admin client certificate from the bundle's CA, stores
// it in the bundle and writes the admin kubeconfig. Nothing else in the bundle
// changes, and nothing is renewed unless this command is run.
func cmdRenewAdmin(e env, args []string) error {
	fl := newFlags("renew-admin", e)
	sf := addSpecFlags(fl, "replace a kubeconfig that k8sgen wrote for another cluster")
	if err := parse(fl, args); err != nil {
		return err
	}
	c, p, err := sf.load(e)
	if err != nil {
		return err
	}
	if err := checkNotServed(p); err != nil {
		return err
	}
	if err := checkKubeconfigTarget(p.kubeReal, p.kubeconfig, c.Name, *sf.force); err != nil {
		return err
	}
	b, err := loadSecrets(e, p.secretsReal, p.secrets, c.Name)
	if errors.Is(err, fs.ErrNotExist) {
		return missing{fmt.Sprintf("no secrets bundle at %s: renew-admin renews the admin certificate of an existing bundle (render creates one); give its path with --secrets", p.secrets)}
	}
	if err != nil {
		return err
	}
	before, err := adminEnd(b)
	if err != nil {
		return invalidError{fmt.Sprintf("%s: %v", p.secrets, err)}
	}
	if err := b.RenewAdmin(e.rand, e.now()); err != nil {
		return invalidError{fmt.Sprintf("%s: %v", p.secrets, err)}
	}
	after, err := adminEnd(b)
	if err != nil {
		return err
	}
	kc, err := render.Kubeconfig(c, b)
	if err != nil {
		return invalidError{fmt.Sprintf("kubeconfig: %v", err)}
	}
	raw, err := b.Marshal()
	if err != nil {
		return err
	}
	if err := writeReplace(p.secretsReal, raw, 0o600); err != nil {
		return fmt.Errorf("writing secrets: %w", err)
	}
	if err := writeReplace(p.kubeReal, kc, 0o600); err != nil {
		return fmt.Errorf("writing kubeconfig: %w", err)
	}
	const day = "2006-01-02"
	fmt.Fprintf(e.stdout, "renewed the admin client certificate in %s: valid until %s (the previous one: %s)\nwrote admin kubeconfig %s\n",
		p.secrets, after.UTC().Format(day), before.UTC().Format(day), p.kubeconfig)
	// The CAs are not renewed; say so when they are near their end.
	return checkValidity(e, p.secrets, b, renewHint(sf))
}

func adminEnd(b *secrets.Bundle) (time.Time, error) {
	vs, err := b.Validities()
	if err != nil {
		return time.Time{}, err
	}
	for _, v := range vs {
		if v.Field == "adminClient" {
			return v.NotAfter, nil
		}
	}
	return time.Time{}, errors.New("no adminClient certificate")
}
