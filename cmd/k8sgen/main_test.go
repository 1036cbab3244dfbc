package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the scripts run the command as `k8sgen`: the test binary
// re-executes itself as the command.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"k8sgen": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs testdata/script/*.txtar.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Condition: func(cond string) (bool, error) {
			if cond == "root" {
				return os.Geteuid() == 0, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":     cmdExits,
			"isgzip":    cmdIsGzip,
			"gunzip":    cmdGunzip,
			"perm":      cmdPerm,
			"subst":     cmdSubst,
			"nosecrets": cmdNoSecrets,
		},
	})
}

// exits CODE PROG [ARGS...] runs PROG like exec and checks its exit status;
// stdout and stderr are kept for the stdout/stderr commands.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad code %q", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// isgzip FILE... checks that each file starts with the gzip magic bytes 1f 8b.
func cmdIsGzip(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: isgzip FILE...")
	}
	for _, f := range args {
		data, err := os.ReadFile(ts.MkAbs(f))
		ts.Check(err)
		gz := bytes.HasPrefix(data, []byte{0x1f, 0x8b})
		if gz && neg {
			ts.Fatalf("%s is gzip data", f)
		}
		if !gz && !neg {
			ts.Fatalf("%s is not gzip data (starts %q)", f, data[:min(len(data), 16)])
		}
	}
}

// gunzip SRC DST decompresses the gzip file SRC into DST.
func cmdGunzip(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: gunzip SRC DST")
	}
	f, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	ts.Check(err)
	data, err := io.ReadAll(zr)
	ts.Check(err)
	ts.Check(zr.Close())
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), data, 0o600))
}

// perm MODE FILE... checks the permission bits of each file, e.g. perm 0600 secrets.yaml.
func cmdPerm(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: perm MODE FILE...")
	}
	want, err := strconv.ParseUint(args[0], 8, 32)
	if err != nil {
		ts.Fatalf("perm: bad mode %q", args[0])
	}
	for _, f := range args[1:] {
		st, err := os.Stat(ts.MkAbs(f))
		ts.Check(err)
		if got := st.Mode().Perm(); uint64(got) != want {
			ts.Fatalf("%s has mode %04o, want %04o", f, got, want)
		}
	}
}

// subst FILE REGEXP REPLACEMENT rewrites FILE in place; the pattern must match.
func cmdSubst(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: subst FILE REGEXP REPLACEMENT")
	}
	re, err := regexp.Compile(args[1])
	ts.Check(err)
	path := ts.MkAbs(args[0])
	data, err := os.ReadFile(path)
	ts.Check(err)
	if !re.Match(data) {
		ts.Fatalf("subst: %q does not match %s", args[1], args[0])
	}
	st, err := os.Stat(path)
	ts.Check(err)
	ts.Check(os.WriteFile(path, re.ReplaceAll(data, []byte(args[2])), st.Mode().Perm()))
}

var (
	tokenRE = regexp.MustCompile(`(?m)^\s+id:\s*"?([a-z0-9]{6})"?\s*\n\s+secret:\s*"?([a-z0-9]{16})"?`)
	certKey = regexp.MustCompile(`(?m)^certificateKey:\s*"?([0-9a-f]{64})"?`)
)

// nosecrets BUNDLE checks that the last command's stdout and stderr show no
// private key and none of the bundle's token or certificate key.
func cmdNoSecrets(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: nosecrets BUNDLE")
	}
	bundle := ts.ReadFile(args[0])
	tok := tokenRE.FindStringSubmatch(bundle)
	ck := certKey.FindStringSubmatch(bundle)
	if tok == nil || ck == nil {
		ts.Fatalf("nosecrets: no token or certificate key found in %s", args[0])
	}
	secrets := []string{"PRIVATE KEY", tok[1] + "." + tok[2], tok[2], ck[1]}
	for _, stream := range []string{"stdout", "stderr"} {
		out := ts.ReadFile(stream)
		for _, s := range secrets {
			if strings.Contains(out, s) {
				ts.Fatalf("%s shows secret material %q", stream, s)
			}
		}
	}
}
