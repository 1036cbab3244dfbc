package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/registry"
)

// authRealm is the realm of the registry's Basic challenge.
const authRealm = "k8sgen-lab"

// maxManifest bounds the manifest bodies the journal reads into memory.
const maxManifest = 4 << 20

// newRegistry returns go-containerregistry's registry with blobs stored under
// dir/blobs and manifests replayed from, and recorded in, dir/manifests.jsonl,
// so pushed images survive a restart. The caller closes the journal.
func newRegistry(dir string, logger *log.Logger) (http.Handler, *journal, error) {
	blobs := filepath.Join(dir, "blobs")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		return nil, nil, err
	}
	reg := registry.New(
		registry.WithBlobHandler(registry.NewDiskBlobHandler(blobs)),
		registry.Logger(log.New(io.Discard, "", 0)),
	)
	j := &journal{path: filepath.Join(dir, "manifests.jsonl"), latest: map[string]string{}}
	if err := j.replay(reg, logger); err != nil {
		return nil, nil, err
	}
	f, err := os.OpenFile(j.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, err
	}
	j.f = f
	return j.wrap(reg), j, nil
}

// basicAuth lets through requests carrying user and pass. Others get a 401
// with a Basic challenge: containerd sends credentials only after one.
func basicAuth(next http.Handler, user, pass string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if ok && subtle.ConstantTimeCompare([]byte(u), []byte(user)) == 1 &&
			subtle.ConstantTimeCompare([]byte(p), []byte(pass)) == 1 {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("WWW-Authenticate", fmt.Sprintf("Basic realm=%q", authRealm))
		h.Set("Docker-Distribution-API-Version", "registry/2.0")
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`+"\n")
	})
}

// A journal records manifest pushes and deletions, one JSON object a line, so
// that they can be replayed into a fresh in-memory manifest store.
type journal struct {
	path   string
	mu     sync.Mutex
	f      *os.File
	latest map[string]string // repo/manifests/ref -> sha256 of the manifest last put there
}

type journalRecord struct {
	Method      string `json:"method"` // PUT or DELETE
	Repo        string `json:"repo"`
	Ref         string `json:"ref"`
	ContentType string `json:"contentType,omitempty"`
	Manifest    []byte `json:"manifest,omitempty"`
}

func (r journalRecord) key() string { return r.Repo + "/manifests/" + r.Ref }

// manifestPath splits /v2/<repo>/manifests/<ref>.
func manifestPath(p string) (repo, ref string, ok bool) {
	rest, found := strings.CutPrefix(p, "/v2/")
	if !found {
		return "", "", false
	}
	i := strings.LastIndex(rest, "/manifests/")
	if i <= 0 {
		return "", "", false
	}
	repo, ref = rest[:i], rest[i+len("/manifests/"):]
	return repo, ref, ref != "" && !strings.Contains(ref, "/")
}

// wrap records the manifest PUTs and DELETEs that next accepts.
func (j *journal) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		repo, ref, ok := manifestPath(r.URL.Path)
		if !ok || (r.Method != http.MethodPut && r.Method != http.MethodDelete) {
			next.ServeHTTP(w, r)
			return
		}
		rec := journalRecord{Method: r.Method, Repo: repo, Ref: ref, ContentType: r.Header.Get("Content-Type")}
		if r.Method == http.MethodPut {
			body, err := io.ReadAll(io.LimitReader(r.Body, maxManifest+1))
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			if len(body) > maxManifest {
				http.Error(w, "manifest too large", http.StatusRequestEntityTooLarge)
				return
			}
			rec.Manifest = body
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == http.StatusCreated || sw.status == http.StatusAccepted {
			if err := j.append(rec); err != nil {
				log.Printf("registry journal: %v", err)
			}
		}
	})
}

func (j *journal) append(rec journalRecord) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	sum := ""
	if rec.Method == http.MethodPut {
		h := sha256.Sum256(rec.Manifest)
		sum = hex.EncodeToString(h[:])
		if j.latest[rec.key()] == sum {
			return nil // a repeated push of the same manifest changes nothing
		}
	}
	if j.f == nil {
		return errors.New("journal closed")
	}
	line, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if _, err := j.f.Write(append(line, '\n')); err != nil {
		return err
	}
	if sum == "" {
		delete(j.latest, rec.key())
	} else {
		j.latest[rec.key()] = sum
	}
	return nil
}

// replay feeds the recorded requests to h in order. Records that h refuses
// (for example because a blob went missing) are logged and skipped.
func (j *journal) replay(h http.Handler, logger *log.Logger) error {
	f, err := os.Open(j.path)
	if os.IsNotExist(err) {
		return nil
	} else if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 2*maxManifest)
	n := 0
	for sc.Scan() {
		var rec journalRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			logger.Printf("registry journal: skipping bad line: %v", err)
			continue
		}
		req := httptest.NewRequest(rec.Method, "/v2/"+rec.Repo+"/manifests/"+rec.Ref, bytes.NewReader(rec.Manifest))
		if rec.ContentType != "" {
			req.Header.Set("Content-Type", rec.ContentType)
		}
		rr := httptest.NewRecorder()
		h.ServeHTTP(rr, req)
		if rr.Code != http.StatusCreated && rr.Code != http.StatusAccepted {
			logger.Printf("registry journal: replaying %s %s: status %d: %s", rec.Method, rec.key(), rr.Code, strings.TrimSpace(rr.Body.String()))
			continue
		}
		if rec.Method == http.MethodPut {
			s := sha256.Sum256(rec.Manifest)
			j.latest[rec.key()] = hex.EncodeToString(s[:])
		} else {
			delete(j.latest, rec.key())
		}
		n++
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading %s: %w", j.path, err)
	}
	if n > 0 {
		logger.Printf("registry: restored %d manifest records from %s", n, j.path)
	}
	return nil
}

func (j *journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}
