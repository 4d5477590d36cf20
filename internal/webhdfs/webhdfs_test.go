package webhdfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeHDFS is a NameNode and DataNode in one HTTP server, answering as
// WebHDFS documents: operations with data redirect (307) to /dn/..., errors
// are RemoteException JSON. standby makes it answer as a standby NameNode.
type fakeHDFS struct {
	mu      sync.Mutex
	files   map[string][]byte
	perms   map[string]fs.FileMode
	standby bool
	// unknownToken makes it answer as a NameNode that does not know the
	// token yet (a standby that has not caught up with its creation).
	unknownToken bool
	tokens       []string // the delegation parameter of every NameNode call
}

func (f *fakeHDFS) remote(w http.ResponseWriter, status int, exception, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"RemoteException":{"exception":%q,"javaClassName":"x.%s","message":%q}}`, exception, exception, msg)
}

func (f *fakeHDFS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	if strings.HasPrefix(r.URL.Path, "/dn") {
		p := strings.TrimPrefix(r.URL.Path, "/dn")
		switch q.Get("op") {
		case "CREATE": // as HDFS does, the DataNode's client finds an existing file
			if _, exists := f.files[p]; exists && q.Get("overwrite") != "true" {
				f.remote(w, http.StatusForbidden, "FileAlreadyExistsException", p+" for client 127.0.0.1 already exists")
				return
			}
			b, _ := io.ReadAll(r.Body)
			f.files[p] = b
			w.WriteHeader(http.StatusCreated)
		case "OPEN":
			w.Write(f.files[p])
		}
		return
	}
	if f.standby {
		f.remote(w, http.StatusForbidden, "StandbyException", "Operation category READ is not supported in state standby")
		return
	}
	if f.unknownToken {
		f.remote(w, http.StatusForbidden, "SecurityException", "Failed to obtain user group information: org.apache.hadoop.security.token.SecretManager$InvalidToken: token (HDFS_DELEGATION_TOKEN token 7 for alice) can't be found in cache")
		return
	}
	f.tokens = append(f.tokens, q.Get("delegation"))
	p := strings.TrimPrefix(r.URL.Path, "/webhdfs/v1")
	_, exists := f.files[p]
	switch q.Get("op") {
	case "CREATE":
		var perm uint64
		fmt.Sscanf(q.Get("permission"), "%o", &perm)
		f.perms[p] = fs.FileMode(perm)
		http.Redirect(w, r, "/dn"+p+"?op=CREATE", http.StatusTemporaryRedirect)
	case "OPEN":
		if !exists {
			f.remote(w, http.StatusNotFound, "FileNotFoundException", "File does not exist: "+p)
			return
		}
		http.Redirect(w, r, "/dn"+p+"?op=OPEN", http.StatusTemporaryRedirect)
	case "RENAME": // rename2, which renameoptions selects
		dst := q.Get("destination")
		if q.Get("renameoptions") != "NONE" {
			f.remote(w, http.StatusBadRequest, "IllegalArgumentException", "want renameoptions=NONE")
			return
		}
		if _, dstExists := f.files[dst]; dstExists {
			f.remote(w, http.StatusForbidden, "FileAlreadyExistsException", "rename destination "+dst+" already exists")
			return
		}
		if !exists {
			f.remote(w, http.StatusNotFound, "FileNotFoundException", "rename source "+p+" is not found.")
			return
		}
		f.files[dst] = f.files[p]
		delete(f.files, p)
	case "SETPERMISSION":
		var perm uint64
		fmt.Sscanf(q.Get("permission"), "%o", &perm)
		f.perms[p] = fs.FileMode(perm)
	default:
		f.remote(w, http.StatusBadRequest, "IllegalArgumentException", "bad op "+q.Get("op"))
	}
}

func TestClientFilesAndFailover(t *testing.T) {
	standby := &fakeHDFS{standby: true}
	active := &fakeHDFS{files: map[string][]byte{}, perms: map[string]fs.FileMode{}}
	s1, s2 := httptest.NewServer(standby), httptest.NewServer(active)
	defer s1.Close()
	defer s2.Close()
	c, err := New([]string{s1.URL, s2.URL}, func() (string, error) { return "TOKEN", nil })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	data := bytes.Repeat([]byte("state "), 1000)
	if err := c.Create(ctx, "/user/alice/.spindle/app/am-state.json.new", bytes.NewReader(data), int64(len(data)), 0o600, false); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(ctx, "/user/alice/.spindle/app/am-state.json.new", strings.NewReader("x"), 1, 0o600, false); !errors.Is(err, fs.ErrExist) || !errors.Is(err, ErrIncomplete) {
		t.Errorf("create over an existing file = %v, want fs.ErrExist (from the DataNode, so also ErrIncomplete)", err)
	}
	if err := c.Rename(ctx, "/user/alice/.spindle/app/am-state.json.new", "/user/alice/.spindle/app/am-state.json"); err != nil {
		t.Fatalf("rename = %v", err)
	}
	if err := c.Rename(ctx, "/user/alice/.spindle/app/am-state.json.new", "/elsewhere"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("rename of a missing file = %v, want fs.ErrNotExist", err)
	}
	// Unknown length: sent chunked.
	if err := c.Create(ctx, "/user/alice/.spindle/app/am-address", io.MultiReader(strings.NewReader("https://"), strings.NewReader("h:1\n")), -1, 0o600, false); err != nil {
		t.Fatal(err)
	}
	if err := c.Rename(ctx, "/user/alice/.spindle/app/am-address", "/user/alice/.spindle/app/am-state.json"); !errors.Is(err, fs.ErrExist) {
		t.Errorf("rename onto an existing file = %v, want fs.ErrExist", err)
	}
	got, err := c.ReadFile(ctx, "/user/alice/.spindle/app/am-state.json", int64(len(data)))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, %v; want the %d written", len(got), err, len(data))
	}
	if _, err := c.ReadFile(ctx, "/user/alice/.spindle/app/am-state.json", int64(len(data))-1); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("read over the limit = %v, want an error saying so", err)
	}
	if _, err := c.ReadFile(ctx, "/nope", 10); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("read of a missing file = %v, want fs.ErrNotExist", err)
	}
	if err := c.SetPermission(ctx, "/user/alice/.spindle/app/am-state.json", 0o640); err != nil {
		t.Fatal(err)
	}
	if p := active.perms["/user/alice/.spindle/app/am-state.json"]; p != 0o640 {
		t.Errorf("permission = %o, want 640", p)
	}
	for _, tok := range active.tokens {
		if tok != "TOKEN" {
			t.Fatalf("delegation parameters %q, want TOKEN on every call", active.tokens)
		}
	}
	// The active NameNode is remembered: the standby was asked only once.
	if c.active != 1 {
		t.Errorf("active NameNode index %d, want 1", c.active)
	}
}

func TestClientNoNameNode(t *testing.T) {
	s := httptest.NewServer(&fakeHDFS{standby: true})
	defer s.Close()
	c, _ := New([]string{s.URL}, func() (string, error) { return "T", nil })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.ReadFile(ctx, "/f", 10)
	if err == nil || !strings.Contains(err.Error(), "no NameNode answered") || !strings.Contains(err.Error(), "StandbyException") {
		t.Errorf("read with only a standby = %v", err)
	}
	if _, err := New(nil, nil); err == nil {
		t.Error("New with no URL succeeded")
	}
	if _, err := c.ReadFile(ctx, "relative", 10); err == nil {
		t.Error("a relative path was accepted")
	}
}

// A NameNode that does not know the token yet is passed over while another
// is left, and the token never shows in an error.
func TestClientUnknownTokenAndRedaction(t *testing.T) {
	behind := httptest.NewServer(&fakeHDFS{unknownToken: true})
	defer behind.Close()
	active := &fakeHDFS{files: map[string][]byte{"/f": []byte("x")}, perms: map[string]fs.FileMode{}}
	s := httptest.NewServer(active)
	defer s.Close()
	token := func() (string, error) { return "SECRETTOKEN", nil }
	c, _ := New([]string{behind.URL, s.URL}, token)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if b, err := c.ReadFile(ctx, "/f", 10); err != nil || string(b) != "x" {
		t.Fatalf("read past a NameNode that does not know the token = %q, %v", b, err)
	}
	// Alone, that NameNode's refusal is the answer.
	alone, _ := New([]string{behind.URL}, token)
	if _, err := alone.ReadFile(ctx, "/f", 10); err == nil || !strings.Contains(err.Error(), "InvalidToken") {
		t.Errorf("read from the only NameNode, which does not know the token = %v", err)
	}
	// A transport error names the URL without its query.
	s.Close()
	dead, _ := New([]string{s.URL}, token)
	_, err := dead.ReadFile(ctx, "/f", 10)
	if err == nil || strings.Contains(err.Error(), "SECRETTOKEN") || !strings.Contains(err.Error(), "/webhdfs/v1/f?...") {
		t.Errorf("error of an unreachable NameNode = %v; want the URL without the token", err)
	}
}
