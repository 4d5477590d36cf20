// Package amtls is the TLS identity of an ApplicationMaster's HTTP API on
// YARN. The submitting client generates, for each application, an ECDSA P-256
// key and a self-signed certificate for it, and ships both to the AM container
// only, as secrets of its Hadoop credentials (never on a command line or in
// the staging directory). The AM serves its API with them; the driver, the
// executors and the client pin the certificate's public key
// (container.PinnedTLSConfig with container.EnvAMPubKeySHA256) and ignore host
// names, since the AM's host is not known when the certificate is made.
package amtls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/creds"
	"github.com/spindle-yarn/spindle/internal/spec"
)

// validity is how long a certificate is valid. Pinning ignores it; it only
// matters to a client that checks dates (curl --pinnedpubkey -k does not),
// and must outlive the longest application.
const validity = 10 * 365 * 24 * time.Hour

// ErrNoIdentity is returned, wrapped, by FromCredentials when the credentials
// carry no TLS identity.
var ErrNoIdentity = errors.New("no AM TLS identity in the credentials")

// Identity is an application's TLS key and certificate.
type Identity struct {
	// CertDER is the self-signed certificate, DER.
	CertDER []byte
	// KeyDER is the private key, PKCS #8 DER.
	KeyDER []byte
	cert   *x509.Certificate
}

// New generates a fresh identity for application appID at time now: an
// ECDSA P-256 key and a self-signed certificate with the application id as
// its common name and no host names.
func New(appID string, now time.Time) (*Identity, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate the AM's TLS key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("generate the AM's TLS certificate serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "spindle " + appID, Organization: []string{"Spindle application"}},
		NotBefore:             now.Add(-time.Hour), // tolerate clock skew between client and nodes
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create the AM's TLS certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode the AM's TLS key: %w", err)
	}
	return parse(certDER, keyDER)
}

// parse checks that certDER and keyDER belong together.
func parse(certDER, keyDER []byte) (*Identity, error) {
	if _, err := tls.X509KeyPair(pemBlock("CERTIFICATE", certDER), pemBlock("PRIVATE KEY", keyDER)); err != nil {
		return nil, fmt.Errorf("the AM's TLS key and certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return nil, fmt.Errorf("the AM's TLS certificate: %w", err)
	}
	return &Identity{CertDER: certDER, KeyDER: keyDER, cert: cert}, nil
}

// Pin is the certificate's public key pin, the value of
// SPINDLE_AM_PUBKEY_SHA256 (container.PublicKeyPin).
func (id *Identity) Pin() string { return container.PublicKeyPin(id.cert) }

// Certificate is the identity as a server certificate.
func (id *Identity) Certificate() (tls.Certificate, error) {
	c, err := tls.X509KeyPair(pemBlock("CERTIFICATE", id.CertDER), pemBlock("PRIVATE KEY", id.KeyDER))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("the AM's TLS key and certificate: %w", err)
	}
	return c, nil
}

// AddTo puts the identity into c as the AM container's secrets.
func (id *Identity) AddTo(c *creds.Credentials) {
	c.AddSecret(spec.AMTLSKeyAlias, id.KeyDER)
	c.AddSecret(spec.AMTLSCertAlias, id.CertDER)
}

// RemoveFrom takes the identity out of c (for credentials of executors,
// which must not hold the AM's private key).
func RemoveFrom(c *creds.Credentials) {
	c.RemoveSecret(spec.AMTLSKeyAlias)
	c.RemoveSecret(spec.AMTLSCertAlias)
}

// FromCredentials reads the identity AddTo put into c. It fails with an
// error wrapping ErrNoIdentity when c holds none.
func FromCredentials(c *creds.Credentials) (*Identity, error) {
	key, okKey := c.Secret(spec.AMTLSKeyAlias)
	cert, okCert := c.Secret(spec.AMTLSCertAlias)
	if !okKey || !okCert || len(key) == 0 || len(cert) == 0 {
		return nil, fmt.Errorf("secrets %q and %q: %w", spec.AMTLSKeyAlias, spec.AMTLSCertAlias, ErrNoIdentity)
	}
	return parse(cert, key)
}
