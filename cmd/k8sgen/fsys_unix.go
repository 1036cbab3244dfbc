//go:build unix

package main

import (
	"errors"
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

// openServed opens rel under dir one step at a time, each with O_NOFOLLOW,
// so that no step is a symbolic link when it is opened (not only when it was
// checked); the file without blocking (a FIFO would), and only a regular file
// with one link: render writes new files, so another link is somebody else's
// way in.
func openServed(dir, rel string) (*os.File, error) {
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	segs := strings.Split(rel, "/")
	for i, seg := range segs {
		flags := syscall.O_RDONLY | syscall.O_NOFOLLOW | syscall.O_CLOEXEC
		if i < len(segs)-1 {
			flags |= syscall.O_DIRECTORY
		} else {
			flags |= syscall.O_NONBLOCK
		}
		next, err := syscall.Openat(fd, seg, flags, 0)
		syscall.Close(fd)
		if err != nil {
			return nil, err
		}
		fd = next
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG || st.Nlink != 1 {
		syscall.Close(fd)
		return nil, errors.New("not a regular file of its own")
	}
	return os.NewFile(uintptr(fd), dir+"/"+rel), nil
}
