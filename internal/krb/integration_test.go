//go:build integration

package krb

// Login and ticket errors against the kerberized test cluster's KDC
// (profiles/kerberos); skipped unless SPINDLE_TEST_PRINCIPAL and
// KRB5_CONFIG are set:
//
//	source <(.../profiles/kerberos/env.sh)
//	go test -tags integration ./internal/krb/

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/keytab"
)

func realmEnv(t *testing.T) (principal, keytabPath, realm string) {
	t.Helper()
	principal = os.Getenv("SPINDLE_TEST_PRINCIPAL")
	if principal == "" || os.Getenv("KRB5_CONFIG") == "" {
		t.Skip("SPINDLE_TEST_PRINCIPAL/KRB5_CONFIG not set: source the kerberos profile's env.sh")
	}
	_, realm, _ = strings.Cut(principal, "@")
	return principal, os.Getenv("SPINDLE_TEST_KEYTAB"), realm
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// wantKind fails unless err is an *Error of kind, and logs its message.
func wantKind(t *testing.T, err error, kind Kind) {
	t.Helper()
	if KindOf(err) != kind {
		t.Fatalf("error %v (kind %v), want kind %v", err, KindOf(err), kind)
	}
	if strings.Contains(err.Error(), "\\n") || strings.Contains(err.Error(), "Root cause") {
		t.Errorf("message is not one clean line: %q", err.Error())
	}
	t.Logf("as expected: %v", err)
}

// fakeKeytab writes a keytab for principal with a key derived from a
// password the KDC does not have.
func fakeKeytab(t *testing.T, principal, realm string) string {
	t.Helper()
	kt := keytab.New()
	name, _, _ := strings.Cut(principal, "@")
	if err := kt.AddEntry(name, realm, "not-the-password", time.Now(), 1, etypeID.AES256_CTS_HMAC_SHA1_96); err != nil {
		t.Fatal(err)
	}
	b, err := kt.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "wrong.keytab")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoginTicketCacheAndServiceTicket(t *testing.T) {
	principal, _, realm := realmEnv(t)
	s, err := Login(testCtx(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Principal() != principal || s.FromKeytab() || !s.Expires().After(time.Now()) {
		t.Errorf("session %s from %s expires %v", s.Principal(), s.Source(), s.Expires())
	}
	spn, err := s.ServerPrincipal(testCtx(t), "rm/_HOST@"+realm, "localhost:38032")
	if err != nil || spn != "rm/localhost@"+realm {
		t.Fatalf("ServerPrincipal = %q, %v", spn, err)
	}
	if _, _, err := s.ServiceTicket(testCtx(t), spn); err != nil {
		t.Fatalf("service ticket for %s: %v", spn, err)
	}
	_, _, err = s.ServiceTicket(testCtx(t), "rm/no-such-host@"+realm)
	wantKind(t, err, KindServerPrincipal)
}

func TestLoginNoCache(t *testing.T) {
	realmEnv(t)
	t.Setenv("KRB5CCNAME", "FILE:"+filepath.Join(t.TempDir(), "krb5cc_missing"))
	_, err := Login(testCtx(t), Options{})
	wantKind(t, err, KindNoTicket)
	if !strings.Contains(err.Error(), "run kinit or pass --principal/--keytab") {
		t.Errorf("message does not name the fix: %v", err)
	}
}

func TestLoginExpiredCache(t *testing.T) {
	principal, kt, _ := realmEnv(t)
	if _, err := exec.LookPath("kinit"); err != nil {
		t.Skip("kinit not installed")
	}
	cc := filepath.Join(t.TempDir(), "krb5cc_short")
	out, err := exec.Command("kinit", "-l", "2s", "-c", "FILE:"+cc, "-kt", kt, principal).CombinedOutput()
	if err != nil {
		t.Fatalf("kinit: %v: %s", err, out)
	}
	time.Sleep(3 * time.Second)
	_, err = Login(testCtx(t), Options{CCache: "FILE:" + cc})
	wantKind(t, err, KindTicketExpired)
}

func TestLoginKeytab(t *testing.T) {
	principal, kt, _ := realmEnv(t)
	t.Setenv("KRB5CCNAME", "FILE:"+filepath.Join(t.TempDir(), "unused"))
	s, err := Login(testCtx(t), Options{Principal: principal, Keytab: kt})
	if err != nil {
		t.Fatal(err)
	}
	if !s.FromKeytab() || s.Principal() != principal {
		t.Errorf("session %s from %s", s.Principal(), s.Source())
	}
}

func TestLoginWrongKeytab(t *testing.T) {
	principal, _, realm := realmEnv(t)
	_, err := Login(testCtx(t), Options{Principal: principal, Keytab: fakeKeytab(t, principal, realm)})
	wantKind(t, err, KindBadKeytab)
}

func TestLoginKeytabWithoutThePrincipal(t *testing.T) {
	principal, kt, realm := realmEnv(t)
	_ = principal
	_, err := Login(testCtx(t), Options{Principal: "root@" + realm, Keytab: kt})
	wantKind(t, err, KindBadKeytab)
}

func TestLoginUnknownPrincipal(t *testing.T) {
	_, _, realm := realmEnv(t)
	p := "nobody-" + time.Now().Format("150405") + "@" + realm
	_, err := Login(testCtx(t), Options{Principal: p, Keytab: fakeKeytab(t, p, realm)})
	wantKind(t, err, KindUnknownPrincipal)
}

func TestLoginKDCUnreachable(t *testing.T) {
	principal, kt, realm := realmEnv(t)
	conf := "[libdefaults]\n default_realm = " + realm + "\n udp_preference_limit = 1\n[realms]\n " + realm +
		" = {\n  kdc = 127.0.0.1:1\n }\n"
	p := filepath.Join(t.TempDir(), "krb5.conf")
	if err := os.WriteFile(p, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Login(testCtx(t), Options{Principal: principal, Keytab: kt, ConfigPath: p})
	wantKind(t, err, KindKDCUnreachable)
}
