package main

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/k8sgen/k8sgen/render"
)

// Names k8sgen uses inside and beside an output directory.
const (
	// outputMarker is written into the root of every output directory. It lists the
	// files k8sgen wrote there; --force replaces a directory only while it holds
	// nothing else.
	outputMarker = ".k8sgen-output"
	markerHeader = "# Written by k8sgen"
	// tempPrefix starts the names of the lock file and the temporary directories
	// that k8sgen keeps beside an output directory: .k8sgen-out-<name>.lock and
	// .k8sgen-out-<name>-<random>.
	tempPrefix = ".k8sgen-out-"
)

// afterFill, when set (by tests), runs once the temporary output directory is
// filled and before it is published, e.g. to kill the process there.
var afterFill func(tmp string)

// lockOutput takes the lock of the output directory out (resolved; shown as the
// user wrote it): an exclusive flock on .k8sgen-out-<name>.lock beside it. A
// second render into the same place fails at once instead of both writing.
func lockOutput(out, shown string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return nil, fmt.Errorf("locking %s: %w", shown, err)
	}
	lock := filepath.Join(filepath.Dir(out), tempPrefix+filepath.Base(out)+".lock")
	unlock, err := lockFile(lock)
	if errors.Is(err, errLocked) {
		return nil, fmt.Errorf("another k8sgen is writing %s (it holds the lock %s); wait for it to finish and render again", shown, lock)
	}
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", shown, err)
	}
	return unlock, nil
}

// checkOutput refuses to replace out unless it is missing, or --force is given and
// it is empty or holds only what k8sgen wrote into it. A directory holding anything
// else (a spec, .git, the user's files) is refused even with --force, naming it.
func checkOutput(out, shown string, force bool) error {
	fi, err := os.Lstat(out)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("output %s: %w", shown, err)
	}
	if !fi.IsDir() {
		return refusal{fmt.Sprintf("output %s exists and is not a directory", shown)}
	}
	foreign, marked, err := foreignEntries(out)
	if err != nil {
		return fmt.Errorf("output %s: %w", shown, err)
	}
	if len(foreign) > 0 {
		if !marked {
			return refusal{fmt.Sprintf("output directory %s was not written by k8sgen (it has no %s) and holds %s; k8sgen replaces only a directory it wrote, even with --force: choose another -o",
				shown, outputMarker, listNames(foreign))}
		}
		return refusal{fmt.Sprintf("output directory %s holds files k8sgen did not write: %s; k8sgen replaces only what it wrote, even with --force: move them out or choose another -o",
			shown, listNames(foreign))}
	}
	if !force {
		return refusal{fmt.Sprintf("output directory %s already exists; use --force to replace it", shown)}
	}
	return nil
}

func listNames(names []string) string {
	if len(names) > 5 {
		return strings.Join(names[:5], ", ") + fmt.Sprintf(" and %d more", len(names)-5)
	}
	return strings.Join(names, ", ")
}

// manifest is what an output directory's marker says k8sgen wrote into it.
type manifest struct{ files, dirs map[string]bool }

// readMarker reads dir's marker; ok is false when there is none that k8sgen wrote.
func readMarker(dir string) (m manifest, ok bool, err error) {
	p := filepath.Join(dir, outputMarker)
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return m, false, nil
	}
	if err != nil {
		return m, false, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxInput {
		return m, false, nil
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return m, false, err
	}
	if !strings.HasPrefix(string(data), markerHeader) {
		return m, false, nil
	}
	m = manifest{files: map[string]bool{}, dirs: map[string]bool{}}
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m.files[line] = true
		for d := filepath.Dir(line); d != "." && d != "/"; d = filepath.Dir(d) {
			m.dirs[d] = true
		}
	}
	return m, true, nil
}

// servedAbove returns the nearest directory above the resolved path p that carries
// k8sgen's output marker: an output directory, perhaps of another render, which
// gets served.
func servedAbove(p string) (string, bool) {
	for dir := filepath.Dir(p); ; dir = filepath.Dir(dir) {
		if _, ok, _ := readMarker(dir); ok {
			return dir, true
		}
		if dir == filepath.Dir(dir) {
			return "", false
		}
	}
}

// checkNotServed refuses the secrets bundle and the kubeconfig inside any output
// directory k8sgen wrote, not only the one being rendered.
func checkNotServed(p *paths) error {
	for _, f := range []struct{ flag, shown, real string }{{"--secrets", p.secrets, p.secretsReal}, {"--kubeconfig", p.kubeconfig, p.kubeReal}} {
		if dir, ok := servedAbove(f.real); ok {
			return refusal{fmt.Sprintf("%s %s is inside %s, an output directory k8sgen wrote (it has %s), which gets served to machines; keep secrets elsewhere", f.flag, f.shown, dir, outputMarker)}
		}
	}
	return nil
}

// foreignEntries lists what in dir k8sgen did not write (directories end in '/'),
// and whether dir carries k8sgen's marker. Without a marker every entry is foreign;
// with one, every entry but the marker and the files it lists. Symbolic links are
// never k8sgen's.
func foreignEntries(dir string) ([]string, bool, error) {
	m, marked, err := readMarker(dir)
	if err != nil {
		return nil, false, err
	}
	var foreign []string
	if !marked {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, false, err
		}
		for _, de := range entries {
			name := de.Name()
			if de.IsDir() {
				name += "/"
			}
			foreign = append(foreign, name)
		}
		return foreign, false, nil
	}
	// The entries of dir are walked in parallel (a large cluster has
	// thousands of node directories) and their findings kept in order.
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, true, err
	}
	found := make([][]string, len(entries))
	errs := make([]error, len(entries))
	eachParallel(len(entries), func(i int) {
		found[i], errs[i] = foreignUnder(dir, entries[i], m)
	})
	for i := range entries {
		if errs[i] != nil {
			return nil, true, errs[i]
		}
		foreign = append(foreign, found[i]...)
	}
	return foreign, true, nil
}

// foreignUnder lists what k8sgen did not write in the entry de of dir and
// below, in lexical order. Types come from the directory listings (no stat
// per entry), and only directories k8sgen wrote are read.
func foreignUnder(dir string, de fs.DirEntry, m manifest) ([]string, error) {
	var foreign []string
	var visit func(rel string, typ fs.FileMode) error
	visit = func(rel string, typ fs.FileMode) error {
		switch {
		case rel == outputMarker && typ.IsRegular():
		case typ.IsRegular() && m.files[rel]:
		case typ.IsDir() && m.dirs[rel]:
			entries, err := readDir(filepath.Join(dir, filepath.FromSlash(rel)))
			if err != nil {
				return err
			}
			for _, e := range entries {
				if err := visit(rel+"/"+e.Name(), e.Type()); err != nil {
					return err
				}
			}
		case typ.IsDir():
			foreign = append(foreign, rel+"/")
		default:
			foreign = append(foreign, rel)
		}
		return nil
	}
	return foreign, visit(de.Name(), de.Type())
}

// eachParallel runs f(0) ... f(n-1) on as many goroutines as there are CPUs.
func eachParallel(n int, f func(int)) {
	next := make(chan int, 64)
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// tempOf reports whether name is one of k8sgen's temporary directories beside an
// output directory called base: .k8sgen-out-<base>-<digits>, with ".old" after it
// while an old output is swapped out. legacy reports the names of k8sgen versions
// that did not say which output a directory belonged to (.k8sgen-out-<digits>).
func tempOf(name, base string) (own, legacy bool) {
	rest, ok := strings.CutPrefix(name, tempPrefix)
	if !ok {
		return false, false
	}
	rest = strings.TrimSuffix(rest, ".old")
	i := strings.LastIndexByte(rest, '-')
	if i < 0 {
		return false, allDigits(rest)
	}
	return rest[:i] == base && allDigits(rest[i+1:]), false
}

func allDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// removeStaleTemps removes the temporary directories that interrupted renders of
// out left beside it (kill -9 runs no clean-up). The caller holds out's lock, so
// no render of out is running: a directory of this name, owned by this user and
// holding nothing but k8sgen's files, is provably stale. It may hold CA keys.
func removeStaleTemps(e env, out string) {
	parent, base := filepath.Dir(out), filepath.Base(out)
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, de := range entries {
		own, legacy := tempOf(de.Name(), base)
		if !own && !legacy {
			continue
		}
		p := filepath.Join(parent, de.Name())
		fi, err := os.Lstat(p)
		if err != nil || !fi.IsDir() {
			continue
		}
		if legacy {
			fmt.Fprintf(e.stderr, "k8sgen: warning: %s was left by an interrupted render of an earlier k8sgen and may hold CA private keys; remove it (rm -r %s)\n", p, p)
			continue
		}
		if !ownedByMe(fi) {
			continue
		}
		if foreign, _, err := foreignEntries(p); err != nil || len(foreign) > 0 {
			fmt.Fprintf(e.stderr, "k8sgen: warning: %s looks like a temporary directory of k8sgen but holds %s; left alone\n", p, listNames(foreign))
			continue
		}
		if err := os.RemoveAll(p); err != nil {
			fmt.Fprintf(e.stderr, "k8sgen: warning: cannot remove %s, left by an interrupted render (it may hold CA private keys): %v\n", p, err)
			continue
		}
		fmt.Fprintf(e.stderr, "k8sgen: removed %s, left by an interrupted render\n", p)
	}
}

// outputDir is a private temporary directory beside the output directory out
// (resolved): the render fills it node by node as nodes are rendered, then
// it takes out's place in one step, so that a failed render leaves nothing
// behind and a served directory never shows a half-written or missing output.
// It is 0700 until it is complete: it holds the CA keys.
type outputDir struct {
	out, tmp string
	// umask is the process's: a file whose mode it would cut gets its mode
	// set after it is created.
	umask fs.FileMode
	// swapped: publish put tmp in out's place, so tmp holds the old output.
	swapped bool
}

// newOutputDir makes the temporary directory and puts k8sgen's marker in it
// first, so that even a directory cut short (a killed process) carries it and
// a later render can tell it is k8sgen's.
func newOutputDir(out, cluster string) (*outputDir, error) {
	parent, base := filepath.Dir(out), filepath.Base(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(parent, tempPrefix+base+"-*")
	if err != nil {
		return nil, err
	}
	d := &outputDir{out: out, tmp: tmp, umask: processUmask()}
	if err := d.marker(cluster, nil); err != nil {
		d.discard()
		return nil, err
	}
	return d, nil
}

// marker writes k8sgen's mark with the files it wrote (the full list once
// every node is in).
func (d *outputDir) marker(cluster string, names []string) error {
	slices.Sort(names)
	marker := fmt.Sprintf("%s for cluster %s. k8sgen render --force replaces this directory\n# only while it holds this file and nothing but the files listed below.\n%s\n",
		markerHeader, cluster, strings.Join(names, "\n"))
	return os.WriteFile(filepath.Join(d.tmp, outputMarker), []byte(marker), 0o644)
}

// writeNode writes one node's files; nodes may be written concurrently. A
// node's files share its directory, made once; each file is new (O_EXCL).
func (d *outputDir) writeNode(n render.Node) error {
	made := ""
	for _, f := range n.Files {
		p := filepath.Join(d.tmp, filepath.FromSlash(f.Path))
		if dir := filepath.Dir(p); dir != made {
			// The node's directory is new; its parent exists unless a node name has a slash.
			if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return err
				}
			}
			made = dir
		}
		if err := createFile(p, f.Data, fs.FileMode(f.Mode), d.umask); err != nil {
			return err
		}
	}
	return nil
}

// publish completes the marker and puts the directory in out's place; the
// previous output, if any, ends up in the temporary directory, which discard
// removes.
func (d *outputDir) publish(cluster string, res *render.Result) error {
	var names []string
	for _, f := range res.Files {
		names = append(names, f.Path)
	}
	for _, n := range res.Nodes {
		for _, f := range n.Files {
			names = append(names, f.Path)
		}
	}
	if err := d.marker(cluster, names); err != nil {
		return err
	}
	if afterFill != nil {
		afterFill(d.tmp)
	}
	if err := os.Chmod(d.tmp, 0o755); err != nil {
		return err
	}
	if _, err := os.Lstat(d.out); err == nil {
		err := exchange(d.tmp, d.out)
		d.swapped = err == nil
		return err
	}
	return renameNoReplace(d.tmp, d.out)
}

// discard removes the temporary directory. Before publish it holds this
// render's partial output, removed whole. After publish it holds the old
// output, which checkOutput found to hold only what its marker lists: only
// those files and their directories are removed, so that anything put there
// since (during the render) stays, with the directory, for the next render
// to warn about.
func (d *outputDir) discard() {
	if !d.swapped {
		if entries, err := os.ReadDir(d.tmp); err == nil {
			eachParallel(len(entries), func(i int) { os.RemoveAll(filepath.Join(d.tmp, entries[i].Name())) })
		}
		os.RemoveAll(d.tmp)
		return
	}
	if m, ok, err := readMarker(d.tmp); err == nil && ok {
		removeListed(d.tmp, m)
	}
	os.Remove(d.tmp)
}

// removeListed removes from dir the files m lists, then their directories
// (each only once empty) and the marker; a directory's files are unlinked by
// one goroutine, directories in parallel. Three calls remove a node: two
// unlinks and a rmdir, where a recursive removal reads every directory.
func removeListed(dir string, m manifest) {
	byDir := map[string][]string{}
	for f := range m.files {
		byDir[filepath.Dir(f)] = append(byDir[filepath.Dir(f)], f)
	}
	// A directory that holds another (a node's autoinstall/, matchbox's
	// groups/) is removed after it, below; the others right after their files.
	parents := map[string]bool{}
	for d := range m.dirs {
		if p := filepath.Dir(d); p != "." {
			parents[p] = true
		}
	}
	dirs := slices.Collect(maps.Keys(byDir))
	eachParallel(len(dirs), func(i int) {
		for _, f := range byDir[dirs[i]] {
			syscall.Unlink(filepath.Join(dir, filepath.FromSlash(f)))
		}
		if dirs[i] != "." && !parents[dirs[i]] {
			syscall.Rmdir(filepath.Join(dir, filepath.FromSlash(dirs[i])))
		}
	})
	// The deepest first.
	rest := slices.Collect(maps.Keys(parents))
	slices.SortFunc(rest, func(a, b string) int { return strings.Count(b, "/") - strings.Count(a, "/") })
	for _, d := range rest {
		syscall.Rmdir(filepath.Join(dir, filepath.FromSlash(d)))
	}
	syscall.Unlink(filepath.Join(dir, outputMarker))
}

// swapByRenames puts tmp in out's place with two renames, where the file system
// cannot exchange them in one step; the old output ends up in tmp.
func swapByRenames(tmp, out string) error {
	old := tmp + ".old"
	if err := os.Rename(out, old); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		os.Rename(old, out)
		return err
	}
	return os.Rename(old, tmp)
}
