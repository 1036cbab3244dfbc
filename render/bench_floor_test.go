//go:build unix

package render_test

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkWriteFloor1000 and 10000 measure what the file system alone costs
// a render of that many nodes, and so the floor under BenchmarkRenderProcess
// (both write under $TMPDIR; TMPDIR=/dev/shm measures tmpfs). They make the
// system calls render --force cannot do without, on two goroutines as it
// does: per node a mkdir and an open, write and close for each of a
// worker-sized user-data and a meta-data, in a new directory that then takes
// the old output's place; then the old output's two unlinks and rmdir per node.
func BenchmarkWriteFloor1000(b *testing.B)  { benchFloor(b, 1000) }
func BenchmarkWriteFloor10000(b *testing.B) { benchFloor(b, 10000) }

// onTwo runs f(0) ... f(n-1) on two goroutines and returns the first error.
func onTwo(n int, f func(int) error) error {
	errs := make(chan error, 2)
	for w := 0; w < 2; w++ {
		go func() {
			var first error
			for i := w; i < n; i += 2 {
				if err := f(i); err != nil && first == nil {
					first = err
				}
			}
			errs <- first
		}()
	}
	err1, err2 := <-errs, <-errs
	if err1 != nil {
		return err1
	}
	return err2
}

func create(p string, data []byte, mode uint32) error {
	fd, err := syscall.Open(p, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, mode)
	if err != nil {
		return err
	}
	if _, err := syscall.Write(fd, data); err != nil {
		syscall.Close(fd)
		return err
	}
	return syscall.Close(fd)
}

func benchFloor(b *testing.B, n int) {
	dir := b.TempDir()
	userData, metaData := make([]byte, 12612), make([]byte, 60)
	out, old := filepath.Join(dir, "out"), filepath.Join(dir, "old")
	name := func(i int) string { return fmt.Sprintf("node-%05d", i) }
	write := func() {
		tmp, err := os.MkdirTemp(dir, "tmp-")
		if err != nil {
			b.Fatal(err)
		}
		err = onTwo(n, func(i int) error {
			d := filepath.Join(tmp, name(i))
			if err := syscall.Mkdir(d, 0o755); err != nil {
				return err
			}
			if err := create(filepath.Join(d, "user-data"), userData, 0o600); err != nil {
				return err
			}
			return create(filepath.Join(d, "meta-data"), metaData, 0o644)
		})
		if err != nil {
			b.Fatal(err)
		}
		replacing := false
		if _, err := os.Stat(out); err == nil {
			if err := os.Rename(out, old); err != nil {
				b.Fatal(err)
			}
			replacing = true
		}
		if err := os.Rename(tmp, out); err != nil {
			b.Fatal(err)
		}
		if !replacing {
			return
		}
		err = onTwo(n, func(i int) error {
			d := filepath.Join(old, name(i))
			if err := syscall.Unlink(filepath.Join(d, "user-data")); err != nil {
				return err
			}
			if err := syscall.Unlink(filepath.Join(d, "meta-data")); err != nil {
				return err
			}
			return syscall.Rmdir(d)
		})
		if err != nil {
			b.Fatal(err)
		}
		if err := syscall.Rmdir(old); err != nil {
			b.Fatal(err)
		}
	}
	write()
	start := time.Now()
	for b.Loop() {
		write()
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*n), "ns/node")
	b.ReportMetric(float64(len(userData)+len(metaData)), "B/node")
}
