package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	if os.Getenv("PAUSE_TEST_AS_PAUSE") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// startPause runs this test binary as pause.
func startPause(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "PAUSE_TEST_AS_PAUSE=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // let it install its signal handlers
	return cmd
}

func TestExitsZeroOnSignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		cmd := startPause(t)
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%v: %v, want exit 0", sig, err)
			}
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("%v: pause did not exit", sig)
		}
	}
}

func TestSurvivesSIGCHLD(t *testing.T) {
	cmd := startPause(t)
	defer cmd.Process.Kill()
	if err := cmd.Process.Signal(syscall.SIGCHLD); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.Signal(0)); err != nil {
		t.Fatalf("pause died on SIGCHLD: %v", err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
}

func TestReapsExitedChildren(t *testing.T) {
	// A real child of this process: reap must collect it and return.
	child := exec.Command("true")
	if err := child.Start(); err != nil {
		t.Skip("no true command:", err)
	}
	pid := child.Process.Pid
	time.Sleep(100 * time.Millisecond)
	reap()
	var ws syscall.WaitStatus
	_, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
	if !errors.Is(err, syscall.ECHILD) {
		t.Fatalf("child %d was not reaped (wait4: %v)", pid, err)
	}
}

func TestVersion(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-v")
	cmd.Env = append(os.Environ(), "PAUSE_TEST_AS_PAUSE=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "pause version ") {
		t.Fatalf("%v: %s", err, out)
	}
}
