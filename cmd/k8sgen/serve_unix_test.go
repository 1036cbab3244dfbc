//go:build unix

package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestServeNoFIFOOrLinks: a FIFO or a hard link in a listed file's place is
// not served (a FIFO would block the request forever; a hard link can reach
// a file outside the tree).
func TestServeNoFIFOOrLinks(t *testing.T) {
	dir, out := renderExample(t)
	s := newServer(out, io.Discard, time.Now)
	fifo := filepath.Join(out, "k8s-master", "meta-data")
	if err := os.Remove(fifo); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	linked := filepath.Join(out, "k8s-worker1", "user-data")
	if err := os.Remove(linked); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(dir, "secrets.yaml"), linked); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"/k8s-master/meta-data", "/k8s-worker1/user-data"} {
		done := make(chan int, 1)
		go func() {
			w := httptest.NewRecorder()
			s.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
			done <- w.Code
		}()
		select {
		case code := <-done:
			if code != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", target, code)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("GET %s did not return", target)
		}
	}
}
