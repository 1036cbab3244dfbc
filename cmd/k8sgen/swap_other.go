//go:build !linux

package main

import "os"

// exchange puts tmp in out's place; the old output ends up in tmp.
func exchange(tmp, out string) error { return swapByRenames(tmp, out) }

// renameNoReplace renames tmp to out.
func renameNoReplace(tmp, out string) error { return os.Rename(tmp, out) }
