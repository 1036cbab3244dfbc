package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/k8sgen/k8sgen/render/secrets"
	"github.com/k8sgen/k8sgen/templates"
)

// maxTokenTTL bounds a join token's lifetime: it is for nodes about to boot.
const maxTokenTTL = 7 * 24 * time.Hour

// cmdToken is "k8sgen token create": a new bootstrap token in the secrets
// bundle for the nodes named, and a script, written 0600 and never printed,
// that creates it in the running cluster. k8sgen runs nothing.
func cmdToken(e env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError{"token takes the sub-command create"}
	}
	fl := newFlags("token create", e)
	none, noForce := "", false
	sf := specFlags{
		file:       fl.StringP("file", "f", "", "cluster spec (cluster.yaml; '-': standard input)"),
		example:    fl.Bool("example", false, "use the built-in example spec instead of -f"),
		secrets:    fl.String("secrets", "", "secrets bundle (default: secrets.yaml beside the spec)"),
		kubeconfig: &none,
		force:      &noForce,
	}
	forNodes := fl.StringSlice("for", nil, "the nodes of the spec that join with the new token (comma-separated)")
	ttl := fl.Duration("ttl", 24*time.Hour, "how long the token lives once created in the cluster (at most 168h)")
	script := fl.String("script", "", "where to write the script that creates the token (default: token-<id>.sh beside the secrets)")
	if err := parse(fl, args[1:]); err != nil {
		return err
	}
	if len(*forNodes) == 0 {
		return usageError{"missing --for: name the nodes that will join with the token"}
	}
	if *ttl <= 0 || *ttl > maxTokenTTL {
		return usageError{fmt.Sprintf("--ttl %s: give a duration above 0 and at most %s (a token is for nodes about to boot; make another for later ones)", *ttl, maxTokenTTL)}
	}
	c, p, err := sf.load(e)
	if err != nil {
		return err
	}
	var names []string
	for _, n := range c.Nodes {
		names = append(names, n.Name)
	}
	for _, n := range *forNodes {
		if !slices.Contains(names, n) {
			return invalidError{fmt.Sprintf("--for %s: the spec has no node %q; add the node to the spec first", n, n)}
		}
		if cps := c.ControlPlanes(); len(cps) > 0 && cps[0].Name == n {
			return invalidError{fmt.Sprintf("--for %s: that node runs kubeadm init, which makes the cluster; it joins nothing", n)}
		}
	}
	if err := checkNotServed(p); err != nil {
		return err
	}
	b, err := loadSecrets(e, p.secretsReal, p.secrets, c.Name)
	if errors.Is(err, fs.ErrNotExist) {
		return missing{fmt.Sprintf("no secrets bundle at %s: token create adds a token to the bundle of a rendered cluster; give its path with --secrets", p.secrets)}
	}
	if err != nil {
		return err
	}
	tok, err := b.AddJoinToken(e.rand, *ttl, *forNodes)
	if err != nil {
		return invalidError{fmt.Sprintf("%s: %v", p.secrets, err)}
	}
	out := *script
	if out == "" {
		out = filepath.Join(filepath.Dir(p.secrets), "token-"+tok.ID+".sh")
	}
	outReal, err := resolve(out)
	if err != nil {
		return err
	}
	if dir, served := servedAbove(outReal); served {
		return refusal{fmt.Sprintf("--script %s is inside %s, an output directory k8sgen wrote (it has %s), which gets served to machines; the script holds the token", out, dir, outputMarker)}
	}
	body, err := tokenScript(c.Name, tok)
	if err != nil {
		return err
	}
	raw, err := b.Marshal()
	if err != nil {
		return err
	}
	// The script first: it must not replace a file, and a bundle that names a
	// token nobody can create would be worse than no token at all.
	if err := writeNew(outReal, body); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return refusal{fmt.Sprintf("%s exists; k8sgen never replaces it: give another --script", out)}
		}
		return fmt.Errorf("writing %s: %w", out, err)
	}
	if err := writeReplace(p.secretsReal, raw, 0o600); err != nil {
		_ = os.Remove(outReal)
		return fmt.Errorf("writing secrets: %w", err)
	}
	fmt.Fprintf(e.stdout, "added join token %s (ttl %s) for %s to %s\n", tok.ID, tok.TTL, strings.Join(tok.Nodes, ", "), p.secrets)
	fmt.Fprintf(e.stdout, "wrote %s (mode 0600): run it as root on a control plane to create the token, then render again and boot the nodes\n", out)
	return nil
}

// tokenScript is the script that creates the token in the running cluster,
// with kubeadm's own command, and says how to delete it afterwards.
func tokenScript(cluster string, t secrets.JoinToken) ([]byte, error) {
	q := func(s string) string {
		v, err := templates.ShellQuote(s)
		if err != nil {
			panic(err) // validated names and generated tokens hold no NUL
		}
		return v
	}
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	fmt.Fprintf(&b, "# Written by k8sgen token create for cluster %s: join token %s for %s.\n", cluster, t.ID, strings.Join(t.Nodes, ", "))
	b.WriteString("# Run as root on a control plane. It holds a secret: delete it once run.\n")
	b.WriteString("set -eu\n")
	fmt.Fprintf(&b, "kubeadm token create %s --ttl %s --usages signing,authentication --groups system:bootstrappers:kubeadm:default-node-token --description %s\n",
		q(t.ID+"."+t.Secret), q(t.TTL), q("made by k8sgen for "+strings.Join(t.Nodes, ",")))
	fmt.Fprintf(&b, "echo 'token %s created; once the nodes have joined, delete it: kubeadm token delete %s'\n", t.ID, t.ID)
	return []byte(b.String()), nil
}
