package main

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// exchange swaps the directories tmp and out in one step (renameat2
// RENAME_EXCHANGE): out is never missing, and a symbolic link to out keeps
// pointing at the new output. The old output ends up in tmp.
func exchange(tmp, out string) error {
	err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, out, unix.RENAME_EXCHANGE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
		return swapByRenames(tmp, out)
	}
	if err != nil {
		return &os.LinkError{Op: "exchange", Old: tmp, New: out, Err: err}
	}
	return nil
}

// renameNoReplace renames tmp to out, failing if out appeared meanwhile.
func renameNoReplace(tmp, out string) error {
	err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, out, unix.RENAME_NOREPLACE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
		return os.Rename(tmp, out)
	}
	if err != nil {
		return &os.LinkError{Op: "rename", Old: tmp, New: out, Err: err}
	}
	return nil
}
