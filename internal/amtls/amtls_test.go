package amtls

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/creds"
	"github.com/spindle-yarn/spindle/internal/spec"
)

func TestNewIdentity(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	id, err := New("application_1_0007", now)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(id.CertDER)
	if err != nil {
		t.Fatal(err)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		t.Errorf("public key %T, want ECDSA P-256", cert.PublicKey)
	}
	if cert.Subject.CommonName != "spindle application_1_0007" || len(cert.DNSNames) != 0 || len(cert.IPAddresses) != 0 {
		t.Errorf("subject %q, names %v %v: want the application id and no host names", cert.Subject.CommonName, cert.DNSNames, cert.IPAddresses)
	}
	if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
		t.Errorf("not self-signed: %v", err)
	}
	if cert.NotBefore.After(now) || cert.NotAfter.Before(now.Add(365*24*time.Hour)) {
		t.Errorf("valid %v to %v, want from before %v for years", cert.NotBefore, cert.NotAfter, now)
	}
	if id.Pin() != container.PublicKeyPin(cert) {
		t.Errorf("Pin() = %s, want %s", id.Pin(), container.PublicKeyPin(cert))
	}
	if _, err := id.Certificate(); err != nil {
		t.Errorf("Certificate(): %v", err)
	}
	other, err := New("application_1_0007", now)
	if err != nil {
		t.Fatal(err)
	}
	if other.Pin() == id.Pin() || bytes.Equal(other.KeyDER, id.KeyDER) {
		t.Error("two identities share a key")
	}
}

func TestIdentityThroughCredentials(t *testing.T) {
	id, err := New("application_1_0007", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c := &creds.Credentials{}
	c.AddSecret(spec.SecretAlias, []byte("app secret"))
	id.AddTo(c)
	for _, f := range []creds.Format{creds.FormatWritable, creds.FormatProtobuf} {
		b, err := c.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		back, err := creds.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		got, err := FromCredentials(back)
		if err != nil || got.Pin() != id.Pin() || !bytes.Equal(got.KeyDER, id.KeyDER) {
			t.Errorf("%v: FromCredentials = %v, %v", f, got, err)
		}
	}
	RemoveFrom(c)
	if _, err := FromCredentials(c); !errors.Is(err, ErrNoIdentity) {
		t.Errorf("after RemoveFrom: %v, want ErrNoIdentity", err)
	}
	if _, ok := c.Secret(spec.SecretAlias); !ok {
		t.Error("RemoveFrom removed another secret")
	}
}

func TestFromCredentialsMismatch(t *testing.T) {
	a, err := New("application_1_0001", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b, err := New("application_1_0002", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c := &creds.Credentials{}
	c.AddSecret(spec.AMTLSKeyAlias, a.KeyDER)
	c.AddSecret(spec.AMTLSCertAlias, b.CertDER)
	if _, err := FromCredentials(c); err == nil || errors.Is(err, ErrNoIdentity) {
		t.Errorf("key of one identity with the certificate of another: %v, want a mismatch error", err)
	}
	c.AddSecret(spec.AMTLSCertAlias, []byte("garbage"))
	if _, err := FromCredentials(c); err == nil {
		t.Error("garbage certificate accepted")
	}
}
