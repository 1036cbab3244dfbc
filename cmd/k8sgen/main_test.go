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
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the scripts run the command as `k8sgen`: the test binary
// re-executes itself as the command.
// The test command takes four settings from the environment that the real one
// does not: K8SGEN_TEST_NOW (RFC 3339) sets the clock;
// K8SGEN_TEST_KILL_AFTER_FILL=1 makes the render kill itself with SIGKILL once its
// temporary output directory is filled, as kill -9 from outside would;
// K8SGEN_TEST_CREATE_AFTER_FILL=PATH creates the file PATH there, as another
// program writing into the old output during the render would; and
// K8SGEN_TEST_INTERRUPT_AFTER_NODE=1 sends the process SIGINT once the first
// node is written, as Ctrl-C would.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"k8sgen": func() {
			e := newEnv()
			if s := os.Getenv("K8SGEN_TEST_NOW"); s != "" {
				t, err := time.Parse(time.RFC3339, s)
				if err != nil {
					fmt.Fprintln(os.Stderr, "K8SGEN_TEST_NOW:", err)
					os.Exit(99)
				}
				e.now = func() time.Time { return t }
			}
			if os.Getenv("K8SGEN_TEST_INTERRUPT_AFTER_NODE") == "1" {
				var once sync.Once
				afterNode = func() {
					once.Do(func() {
						p, _ := os.FindProcess(os.Getpid())
						p.Signal(os.Interrupt)
						time.Sleep(500 * time.Millisecond) // the handler sees it before the next node
					})
				}
			}
			if late := os.Getenv("K8SGEN_TEST_CREATE_AFTER_FILL"); late != "" {
				afterFill = func(string) {
					if err := os.WriteFile(late, []byte("late\n"), 0o644); err != nil {
						fmt.Fprintln(os.Stderr, "K8SGEN_TEST_CREATE_AFTER_FILL:", err)
						os.Exit(99)
					}
				}
			}
			if os.Getenv("K8SGEN_TEST_KILL_AFTER_FILL") == "1" {
				afterFill = func(string) {
					p, _ := os.FindProcess(os.Getpid())
					p.Kill() // SIGKILL: no deferred clean-up runs
					time.Sleep(time.Minute)
				}
			}
			os.Exit(run(e, os.Args[1:]))
		},
		// holdlock OUT: take OUT's lock as render does, create OUT.locked, and
		// keep the lock until OUT.release exists (at most a minute).
		"holdlock": func() {
			out, err := resolve(os.Args[1])
			if err == nil {
				var unlock func()
				unlock, err = lockOutput(out, os.Args[1])
				if err == nil {
					defer unlock()
					err = os.WriteFile(os.Args[1]+".locked", nil, 0o600)
				}
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			for i := 0; i < 600; i++ {
				if _, err := os.Stat(os.Args[1] + ".release"); err == nil {
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
			os.Exit(1)
		},
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
			"islink":    cmdIsLink,
			"waitfile":  cmdWaitFile,
			"bigfile":   cmdBigFile,
			"temps":     cmdTemps,
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
	toks := tokenRE.FindAllStringSubmatch(bundle, -1)
	ck := certKey.FindStringSubmatch(bundle)
	if toks == nil || ck == nil {
		ts.Fatalf("nosecrets: no token or certificate key found in %s", args[0])
	}
	secrets := []string{"PRIVATE KEY", ck[1]}
	for _, tok := range toks { // the init token and every join token
		secrets = append(secrets, tok[1]+"."+tok[2], tok[2])
	}
	for _, stream := range []string{"stdout", "stderr"} {
		out := ts.ReadFile(stream)
		for _, s := range secrets {
			if strings.Contains(out, s) {
				ts.Fatalf("%s shows secret material %q", stream, s)
			}
		}
	}
}

// islink PATH checks that PATH is a symbolic link.
func cmdIsLink(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: islink PATH")
	}
	fi, err := os.Lstat(ts.MkAbs(args[0]))
	ts.Check(err)
	if link := fi.Mode()&os.ModeSymlink != 0; link == neg {
		ts.Fatalf("%s: symbolic link is %v", args[0], link)
	}
}

// waitfile PATH waits up to a minute for PATH to exist.
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitfile PATH")
	}
	for i := 0; i < 600; i++ {
		if _, err := os.Stat(ts.MkAbs(args[0])); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	ts.Fatalf("%s did not appear", args[0])
}

// bigfile PATH BYTES writes a file of BYTES bytes of YAML comment lines.
func cmdBigFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: bigfile PATH BYTES")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	line := "# " + strings.Repeat("x", 61) + "\n"
	data := []byte(strings.Repeat(line, n/len(line)+1))[:n]
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), data, 0o600))
}

var tempRE = regexp.MustCompile(`^\.k8sgen-out-.+-[0-9]+(\.old)?$`)

// temps DIR COUNT [MODE] checks that DIR holds COUNT temporary output directories
// of k8sgen (.k8sgen-out-<name>-<digits>), each with permission bits MODE.
func cmdTemps(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: temps DIR COUNT [MODE]")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	entries, err := os.ReadDir(ts.MkAbs(args[0]))
	ts.Check(err)
	var found []string
	for _, de := range entries {
		if !tempRE.MatchString(de.Name()) {
			continue
		}
		found = append(found, de.Name())
		if len(args) == 3 {
			mode, err := strconv.ParseUint(args[2], 8, 32)
			ts.Check(err)
			fi, err := de.Info()
			ts.Check(err)
			if uint64(fi.Mode().Perm()) != mode {
				ts.Fatalf("%s has mode %04o, want %s", de.Name(), fi.Mode().Perm(), args[2])
			}
		}
	}
	if len(found) != want {
		ts.Fatalf("%d temporary directories (%s), want %d", len(found), strings.Join(found, ", "), want)
	}
}
