//go:build !unix

package main

import (
	"io/fs"
	"os"
)

// processUmask is unknown here: every mode bit may be cut, so every file
// gets its mode set after it is created.
func processUmask() fs.FileMode { return fs.ModePerm }

// createFile creates the file p, which must not exist, with data and mode,
// whatever the umask.
func createFile(p string, data []byte, mode, umask fs.FileMode) error {
	w, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	if err == nil && mode&umask != 0 {
		err = w.Chmod(mode)
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}

// readDir is os.ReadDir.
func readDir(p string) ([]fs.DirEntry, error) { return os.ReadDir(p) }
