//go:build unix

package main

import (
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"syscall"
)

// processUmask reads the umask (by setting it and putting it back). Call it
// before other goroutines create files.
func processUmask() fs.FileMode {
	m := syscall.Umask(0o077)
	syscall.Umask(m)
	return fs.FileMode(m)
}

// createFile creates the file p, which must not exist, with data and mode,
// whatever the umask. It calls the system directly: an os.File costs a
// regular file four fcntl calls and a failed epoll_ctl, more than the open,
// write and close themselves, and a render makes two files per node.
func createFile(p string, data []byte, mode, umask fs.FileMode) error {
	fail := func(op string, err error) error { return &fs.PathError{Op: op, Path: p, Err: err} }
	var fd int
	var err error
	for {
		fd, err = syscall.Open(p, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, uint32(mode.Perm()))
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return fail("open", err)
	}
	for len(data) > 0 {
		n, werr := syscall.Write(fd, data)
		if werr == syscall.EINTR {
			continue
		}
		if werr != nil {
			err = fail("write", werr)
			break
		}
		if n <= 0 {
			err = fail("write", io.ErrShortWrite)
			break
		}
		data = data[n:]
	}
	if err == nil && mode&umask != 0 {
		if cerr := syscall.Fchmod(fd, uint32(mode.Perm())); cerr != nil {
			err = fail("chmod", cerr)
		}
	}
	if cerr := syscall.Close(fd); cerr != nil && err == nil {
		err = fail("close", cerr)
	}
	return err
}

// readDir is os.ReadDir (sorted by name) for a directory that must not be a
// symbolic link, on a descriptor opened directly: os.Open adds four fcntl
// calls and an epoll_ctl, and --force reads every node's directory.
func readDir(p string) ([]fs.DirEntry, error) {
	fd, err := syscall.Open(p, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: p, Err: err}
	}
	f := os.NewFile(uintptr(fd), p)
	defer f.Close()
	entries, err := f.ReadDir(-1)
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, err
}
