package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// maxInput caps what k8sgen reads of a spec or a secrets bundle. Both are a few
// kilobytes; without a cap a 55 MB spec took 1.7 GB, and -f /dev/zero never ends.
const maxInput = 4 << 20

// refusal marks a file or directory that k8sgen will not replace or write to (exit 2,
// like misuse, without pointing at the usage text: the message says what to do).
type refusal struct{ msg string }

func (e refusal) Error() string { return e.msg }

// readLimited reads r to the end, refusing more than maxInput bytes.
func readLimited(r io.Reader, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", what, err)
	}
	if len(data) > maxInput {
		return nil, invalidError{fmt.Sprintf("%s is larger than %d MiB; k8sgen reads no more", what, maxInput>>20)}
	}
	return data, nil
}

// readInputFile reads the spec or secrets bundle at path (what names it, shown is
// the path as the user gave it). A path that does not exist or is a directory is
// misuse (exit 2), with fs.ErrNotExist kept for callers that create what is
// missing; other failures are I/O errors.
func readInputFile(path, shown, what string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		msg := fmt.Sprintf("cannot read %s %s: %v", what, shown, err)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, missing{msg}
		}
		return nil, errors.New(msg)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, usageError{fmt.Sprintf("cannot read %s %s: it is a directory", what, shown)}
	}
	return readLimited(f, fmt.Sprintf("%s %s", what, shown))
}

// missing is a usage error that also answers errors.Is(err, fs.ErrNotExist).
type missing struct{ msg string }

func (e missing) Error() string        { return e.msg }
func (e missing) Is(target error) bool { return target == fs.ErrNotExist }

// resolve returns the absolute path with every symbolic link resolved, dangling
// ones included: a link to a path that does not exist yet resolves to that path.
// What k8sgen checks (is it inside the output directory? is it the secrets
// bundle?) is then where the file would really land, and k8sgen writes there.
func resolve(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	vol := filepath.VolumeName(abs)
	done := vol + string(filepath.Separator)
	todo := splitPath(abs[len(vol):])
	for links := 0; len(todo) > 0; {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case ".":
			continue
		case "..":
			// done holds no links, so its parent is the real parent.
			done = filepath.Dir(done)
			continue
		}
		next := filepath.Join(done, c)
		fi, err := os.Lstat(next)
		switch {
		case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
			done = next // the rest does not exist yet: it is taken as written
			continue
		case err != nil:
			return "", fmt.Errorf("resolving %s: %w", p, err)
		case fi.Mode()&fs.ModeSymlink == 0:
			done = next
			continue
		}
		if links++; links > 40 {
			return "", fmt.Errorf("resolving %s: too many levels of symbolic links", p)
		}
		target, err := os.Readlink(next)
		if err != nil {
			return "", fmt.Errorf("resolving %s: %w", p, err)
		}
		if filepath.IsAbs(target) {
			vol = filepath.VolumeName(target)
			done = vol + string(filepath.Separator)
			target = target[len(vol):]
		}
		todo = append(splitPath(target), todo...)
	}
	return done, nil
}

func splitPath(p string) []string {
	var out []string
	for _, c := range strings.Split(p, string(filepath.Separator)) {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}

// within reports whether the resolved path p is dir or inside it.
func within(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, string(filepath.Separator))+string(filepath.Separator))
}

// sameFile reports whether two resolved paths name one file: the same path, or
// two names of one existing file (a case-insensitive file system, a hard link).
func sameFile(a, b string) bool {
	if a == b {
		return true
	}
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}

// writeNew creates path with mode 0600 and never replaces anything: the data goes
// to a private temporary file that is then hard-linked to path, so an interrupted
// write leaves no half bundle, and an existing path is an error.
func writeNew(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := writeTemp(dir, data, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	err = os.Link(tmp, path)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	// A file system without hard links: create exclusively instead.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// writeReplace writes path atomically through a temporary file in the same directory.
func writeReplace(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := writeTemp(dir, data, mode)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	return os.Rename(tmp, path)
}

// writeTemp writes data to a new file in dir, created 0600 and then given mode,
// flushed to disk: the secrets bundle must not be lost to a crash after its keys
// went out to the nodes.
func writeTemp(dir string, data []byte, mode os.FileMode) (string, error) {
	f, err := os.CreateTemp(dir, ".k8sgen-*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	err = f.Chmod(mode)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}
