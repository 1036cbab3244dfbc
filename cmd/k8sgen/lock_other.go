//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package main

import (
	"errors"
	"io/fs"
	"os"
)

// errLocked says another process holds the lock.
var errLocked = errors.New("locked")

// lockFile creates path exclusively and removes it on unlock. Without flock a
// process that is killed leaves the lock behind; the message names the file.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, errLocked
	}
	if err != nil {
		return nil, err
	}
	f.Close()
	return func() { os.Remove(path) }, nil
}

// ownedByMe cannot tell the owner here; the name and the lock are the proof.
func ownedByMe(fs.FileInfo) bool { return true }
