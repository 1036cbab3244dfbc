//go:build unix

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestCreateFileModeUnderUmask: an output file gets its mode whatever the
// umask, whether or not the umask cuts it.
func TestCreateFileModeUnderUmask(t *testing.T) {
	dir := t.TempDir()
	for _, mask := range []int{0o022, 0o077, 0o777, 0} {
		old := syscall.Umask(mask)
		um := processUmask()
		syscall.Umask(old)
		if int(um) != mask {
			t.Fatalf("processUmask %o, want %o", um, mask)
		}
		for _, mode := range []os.FileMode{0o600, 0o644, 0o755} {
			old := syscall.Umask(mask)
			p := filepath.Join(dir, mode.String()+"-"+um.String())
			err := createFile(p, []byte("x"), mode, um)
			syscall.Umask(old)
			if err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != mode {
				t.Errorf("umask %o: mode %v, want %v", mask, fi.Mode().Perm(), mode)
			}
			if err := createFile(p, []byte("y"), mode, um); err == nil {
				t.Errorf("createFile replaced %s", p)
			}
		}
	}
}
