//go:build !unix

package main

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"strings"
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

// openServed opens rel under dir through os.Root, which keeps every step
// inside dir, after checking that no step is a symbolic link: render writes
// none, so one is somebody else's (this is not atomic; the Unix version is).
func openServed(dir, rel string) (*os.File, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	segs := strings.Split(rel, "/")
	for i := range segs {
		fi, err := root.Lstat(path.Join(segs[:i+1]...))
		if err != nil {
			return nil, err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return nil, errors.New("symbolic link")
		}
	}
	return root.Open(rel)
}
