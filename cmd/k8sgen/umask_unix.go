//go:build unix

package main

import (
	"io/fs"
	"syscall"
)

// processUmask reads the umask (by setting it and putting it back). Call it
// before other goroutines create files.
func processUmask() fs.FileMode {
	m := syscall.Umask(0o077)
	syscall.Umask(m)
	return fs.FileMode(m)
}
