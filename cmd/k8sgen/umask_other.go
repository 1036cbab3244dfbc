//go:build !unix

package main

import "io/fs"

// processUmask is unknown here: every mode bit may be cut, so every file
// gets its mode set after it is created.
func processUmask() fs.FileMode { return fs.ModePerm }
