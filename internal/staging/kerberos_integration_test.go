//go:build integration

package staging

// Against the kerberized test cluster (profiles/kerberos); skipped unless
// SPINDLE_TEST_PRINCIPAL and KRB5_CONFIG are set:
//
//	source <(.../profiles/kerberos/env.sh)
//	go test -tags integration -run Kerberos ./internal/staging/

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/creds"
	"github.com/spindle-yarn/spindle/internal/hdfsnn"
	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/krb"
	"github.com/spindle-yarn/spindle/internal/secure"
)

// TestKerberosTokenFS gets an HDFS delegation token with the test user's
// Kerberos login and then works with it alone, as a container does: a
// directory, a file written and read back over WebHDFS, a rename that must
// not replace, chmod, an upload, and the delete.
func TestKerberosTokenFS(t *testing.T) {
	if os.Getenv("SPINDLE_TEST_PRINCIPAL") == "" || os.Getenv("KRB5_CONFIG") == "" {
		t.Skip("SPINDLE_TEST_PRINCIPAL/KRB5_CONFIG not set: source the kerberos profile's env.sh")
	}
	conf, err := hadoopconf.LoadEnvironment()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	tokens := hdfsToken(t, ctx, conf)
	fsys, err := OpenAs(ctx, conf, nil, Auth{Tokens: func() *creds.Credentials { return tokens }})
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	dir := path.Join(fsys.Home(ctx), ".spindle", "tokenfs-test-"+fmt.Sprint(time.Now().UnixNano()))
	if err := fsys.MkdirAll(ctx, dir, 0o700); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := fsys.RemoveAll(context.Background(), dir); err != nil {
			t.Error(err)
		}
		if _, err := fsys.Stat(context.Background(), dir); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("after RemoveAll, stat %s = %v", dir, err)
		}
	}()

	data := bytes.Repeat([]byte("executor table and key-value store\n"), 4000)
	f := path.Join(dir, "am-state.json.new")
	st, err := fsys.Create(ctx, bytes.NewReader(data), f, FilePerm)
	if err != nil {
		t.Fatalf("create with the delegation token: %v", err)
	}
	if st.Size != int64(len(data)) || st.Mode.Perm() != FilePerm {
		t.Errorf("created %+v, want %d bytes, mode %v", st, len(data), FilePerm)
	}
	if _, err := fsys.Create(ctx, bytes.NewReader(data), f, FilePerm); !errors.Is(err, fs.ErrExist) {
		t.Errorf("create over an existing file = %v, want fs.ErrExist", err)
	}
	final := path.Join(dir, "am-state.json")
	if err := fsys.Rename(ctx, f, final); err != nil {
		t.Fatal(err)
	}
	got, err := fsys.ReadFile(ctx, final, int64(len(data)))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, %v; want the %d written", len(got), err, len(data))
	}
	if _, err := fsys.ReadFile(ctx, final, 100); err == nil {
		t.Error("a file over the limit was read")
	}
	if _, err := fsys.ReadFile(ctx, f, 100); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("read of the renamed-away file = %v, want fs.ErrNotExist", err)
	}
	local := filepath.Join(t.TempDir(), "addr")
	if err := os.WriteFile(local, []byte("https://127.0.0.1:1234\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := path.Join(dir, "am-address")
	if _, err := fsys.Upload(ctx, local, addr, FilePerm); err != nil {
		t.Fatal(err)
	}
	if err := fsys.Rename(ctx, addr, final); !errors.Is(err, fs.ErrExist) {
		t.Errorf("rename onto an existing file = %v, want fs.ErrExist", err)
	}
	if err := fsys.Rename(ctx, f, path.Join(dir, "elsewhere")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("rename of a missing file = %v, want fs.ErrNotExist", err)
	}
	if err := fsys.Chmod(ctx, addr, 0o640); err != nil {
		t.Fatal(err)
	}
	if st, err := fsys.Stat(ctx, addr); err != nil || st.Mode.Perm() != 0o640 || st.Size != 23 {
		t.Errorf("after chmod: %+v, %v; want mode 0640 and 23 bytes", st, err)
	}
}

// hdfsToken returns credentials holding an HDFS delegation token of
// fs.defaultFS, got with the test user's Kerberos login.
func hdfsToken(t *testing.T, ctx context.Context, conf *hadoopconf.Conf) *creds.Credentials {
	t.Helper()
	s, err := krb.Login(ctx, krb.Options{Principal: os.Getenv("SPINDLE_TEST_PRINCIPAL"), Keytab: os.Getenv("SPINDLE_TEST_KEYTAB")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := ipc.NewClient(ipc.Config{DialTimeout: 15 * time.Second, Protection: conf.Get(krb.KeyRPCProtection),
		Kerberos: &ipc.KerberosAuth{Session: s, ServerPrincipal: func(string) string { return conf.Get(krb.KeyNameNodePrincipal) }}})
	defer c.Close()
	nss, err := secure.Namespaces(ctx, conf, nil)
	if err != nil || len(nss) == 0 {
		t.Fatalf("the namespace of fs.defaultFS: %v", err)
	}
	renewer, err := krb.TokenRenewer(ctx, conf)
	if err != nil {
		t.Fatal(err)
	}
	toks, err := secure.ObtainHDFS(ctx, c, nss, renewer)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := secure.HDFSToken(toks.Creds, nss[0]); !ok {
		t.Fatalf("no %s for %s in what was obtained", hdfsnn.TokenKind, nss[0].URI)
	}
	return toks.Creds
}
