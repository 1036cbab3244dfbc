//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// errLocked says another process holds the lock.
var errLocked = errors.New("locked")

// lockFile takes an exclusive flock on path, creating it (0600) if needed. The
// kernel drops the lock when the process ends, kill -9 included, so a lock is never
// stale. The file stays: removing it would let a waiting process lock a file that
// no longer has a name.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errLocked
		}
		return nil, &fs.PathError{Op: "flock", Path: path, Err: err}
	}
	return func() { f.Close() }, nil
}

// ownedByMe reports whether this user owns the file.
func ownedByMe(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}
