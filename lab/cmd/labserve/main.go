// Command labserve is the boot lab's server: static files over plain HTTP
// (apt repositories, keys, manifests) and an OCI registry over TLS with HTTP
// basic auth, its certificate signed by a lab CA that labserve keeps.
//
//	labserve [--http ADDR] [--root DIR] [--registry ADDR] [--registry-dir DIR]
//	         [--ca-dir DIR] [--ca-out FILE] [--san NAME]... [--user NAME] [--log FILE]
//	labserve cert [--ca-dir DIR] --san NAME... --cert FILE --key FILE
//	labserve ca [--ca-dir DIR]
//
// The registry password comes from $LAB_REGISTRY_PASSWORD. Paths default to
// ${K8SGEN_CACHE:-$HOME/.cache/k8sgen}/lab/{www,registry,ca}.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	args := os.Args[1:]
	var err error
	switch {
	case len(args) > 0 && args[0] == "cert":
		err = runCert(args[1:])
	case len(args) > 0 && args[0] == "ca":
		err = runCA(args[1:])
	default:
		err = runServe(args)
	}
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "labserve: %v\n", err)
		os.Exit(1)
	}
}

func labDir(name string) string {
	cache := os.Getenv("K8SGEN_CACHE")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "k8sgen")
	}
	return filepath.Join(cache, "lab", name)
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func runCA(args []string) error {
	fs := flag.NewFlagSet("labserve ca", flag.ContinueOnError)
	caDir := fs.String("ca-dir", labDir("ca"), "lab CA directory (ca.crt, ca.key)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := loadOrCreateCA(*caDir); err != nil {
		return err
	}
	fmt.Println(filepath.Join(*caDir, caCertFile))
	return nil
}

func runCert(args []string) error {
	fs := flag.NewFlagSet("labserve cert", flag.ContinueOnError)
	caDir := fs.String("ca-dir", labDir("ca"), "lab CA directory (ca.crt, ca.key)")
	certOut := fs.String("cert", "", "write the server certificate PEM here")
	keyOut := fs.String("key", "", "write the server key PEM here (mode 0600)")
	var sans listFlag
	fs.Var(&sans, "san", "subject alternative name, DNS name or IP (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *certOut == "" || *keyOut == "" {
		return errors.New("cert: --cert and --key are required")
	}
	ca, err := loadOrCreateCA(*caDir)
	if err != nil {
		return err
	}
	certPEM, keyPEM, err := ca.issue(sans)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(*keyOut, keyPEM, 0o600); err != nil {
		return err
	}
	return writeFileAtomic(*certOut, certPEM, 0o644)
}

func runServe(args []string) error {
	fs := flag.NewFlagSet("labserve", flag.ContinueOnError)
	httpAddr := fs.String("http", "", "serve --root over plain HTTP on this address, e.g. 10.77.0.1:80")
	root := fs.String("root", labDir("www"), "directory served over HTTP")
	regAddr := fs.String("registry", "", "serve the OCI registry over TLS on this address, e.g. 10.77.0.1:443")
	regDir := fs.String("registry-dir", labDir("registry"), "registry storage (blobs and manifest journal)")
	caDir := fs.String("ca-dir", labDir("ca"), "lab CA directory (ca.crt, ca.key), created when missing")
	caOut := fs.String("ca-out", "", "also copy the CA certificate PEM to this file")
	user := fs.String("user", "", "registry basic-auth user (password from $LAB_REGISTRY_PASSWORD); empty disables auth")
	logFile := fs.String("log", "", "append the request log here instead of stderr")
	var sans listFlag
	fs.Var(&sans, "san", "registry certificate name, DNS name or IP (repeatable; default: localhost, 127.0.0.1)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (subcommands: cert, ca)", fs.Arg(0))
	}
	if *httpAddr == "" && *regAddr == "" {
		return errors.New("nothing to serve: give --http and/or --registry")
	}

	var logOut io.Writer = os.Stderr
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		logOut = f
	}
	logger := log.New(logOut, "", log.LstdFlags)

	var servers []*http.Server
	var listeners []net.Listener
	defer func() {
		for _, ln := range listeners {
			ln.Close()
		}
	}()

	if *httpAddr != "" {
		if st, err := os.Stat(*root); err != nil || !st.IsDir() {
			return fmt.Errorf("--root %s is not a directory", *root)
		}
		ln, err := net.Listen("tcp", *httpAddr)
		if err != nil {
			return err
		}
		listeners = append(listeners, ln)
		servers = append(servers, &http.Server{
			Handler:           logRequests(logger, "http", http.FileServer(http.Dir(*root))),
			ReadHeaderTimeout: 30 * time.Second,
		})
		logger.Printf("labserve: serving %s on http://%s", *root, ln.Addr())
	}

	if *regAddr != "" {
		pass := os.Getenv("LAB_REGISTRY_PASSWORD")
		if *user != "" && pass == "" {
			return errors.New("--user needs a password in $LAB_REGISTRY_PASSWORD")
		}
		if len(sans) == 0 {
			sans = listFlag{"localhost", "127.0.0.1"}
		}
		ca, err := loadOrCreateCA(*caDir)
		if err != nil {
			return err
		}
		if *caOut != "" {
			if err := writeFileAtomic(*caOut, ca.certPEM, 0o644); err != nil {
				return err
			}
		}
		cert, err := ca.tlsCertificate(sans)
		if err != nil {
			return err
		}
		reg, j, err := newRegistry(*regDir, logger)
		if err != nil {
			return err
		}
		defer j.Close()
		if *user != "" {
			reg = basicAuth(reg, *user, pass)
		} else {
			logger.Printf("labserve: warning: registry without authentication (no --user)")
		}
		ln, err := net.Listen("tcp", *regAddr)
		if err != nil {
			return err
		}
		tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		listeners = append(listeners, tls.NewListener(ln, tlsConfig))
		servers = append(servers, &http.Server{
			Handler:           logRequests(logger, "registry", reg),
			ReadHeaderTimeout: 30 * time.Second,
			TLSConfig:         tlsConfig,
		})
		logger.Printf("labserve: registry on https://%s (SANs %s), storage %s, CA %s",
			ln.Addr(), sans.String(), *regDir, filepath.Join(*caDir, caCertFile))
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { errc <- srv.Serve(listeners[i]) }()
	}
	logger.Printf("labserve: ready (pid %d)", os.Getpid())

	var serveErr error
	select {
	case <-ctx.Done():
		logger.Printf("labserve: shutting down")
	case serveErr = <-errc:
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, srv := range servers {
		wg.Go(func() {
			if err := srv.Shutdown(shutCtx); err != nil {
				logger.Printf("labserve: shutdown: %v", err)
			}
		})
	}
	wg.Wait()
	listeners = nil // closed by Shutdown
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return nil
}

// statusWriter remembers the status code and the number of body bytes.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// ReadFrom keeps http.ServeContent's sendfile path.
func (w *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := io.Copy(w.ResponseWriter, r)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs one line per request: who, what, status, size and time.
func logRequests(logger *log.Logger, name string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		user := "-"
		if u, _, ok := r.BasicAuth(); ok {
			user = u
		}
		logger.Printf("%s %s %s %s %s %d %d %s", name, r.RemoteAddr, user, r.Method, r.URL.RequestURI(),
			sw.status, sw.bytes, time.Since(start).Round(time.Millisecond))
	})
}
