package container

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"
)

// EnvAMPubKeySHA256 is the pin of the ApplicationMaster's TLS certificate:
// the base64 SHA-256 of its public key (SubjectPublicKeyInfo), the form
// curl's --pinnedpubkey takes after "sha256//". It is set whenever
// SPINDLE_AM_URL is https (on YARN) and is public: it identifies the AM, it
// does not authenticate anyone to it.
const EnvAMPubKeySHA256 = "SPINDLE_AM_PUBKEY_SHA256"

// pinPrefix is curl's prefix of a SHA-256 public key pin, accepted in front
// of a pin.
const pinPrefix = "sha256//"

// PinError is the handshake error of a Client (or of a PinnedTLSConfig) when
// the server's certificate is not the pinned one. Client methods return it
// wrapped; use errors.As.
type PinError struct {
	// Want is the pin expected (SPINDLE_AM_PUBKEY_SHA256); Got is the pin of
	// the certificate the server presented, empty if it presented none.
	Want, Got string
}

// Error says which public key was expected and which one was presented.
func (e *PinError) Error() string {
	if e.Got == "" {
		return fmt.Sprintf("the ApplicationMaster presented no TLS certificate (pinned public key sha256//%s)", e.Want)
	}
	return fmt.Sprintf("the ApplicationMaster's TLS certificate has public key sha256//%s, not the pinned sha256//%s (%s): this is not the application's ApplicationMaster",
		e.Got, e.Want, EnvAMPubKeySHA256)
}

// PublicKeyPin returns the pin of cert: the base64 (standard, padded)
// SHA-256 of its DER SubjectPublicKeyInfo, as in curl's
// --pinnedpubkey sha256//PIN and HTTP Public Key Pinning.
func PublicKeyPin(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// ParsePin checks a pin (with or without curl's "sha256//" prefix) and
// returns it without the prefix.
func ParsePin(pin string) (string, error) {
	p := strings.TrimPrefix(strings.TrimSpace(pin), pinPrefix)
	b, err := base64.StdEncoding.DecodeString(p)
	if err != nil || len(b) != sha256.Size {
		return "", fmt.Errorf("invalid %s %q: want the base64 SHA-256 of the AM certificate's public key (44 characters)", EnvAMPubKeySHA256, pin)
	}
	return p, nil
}

// PinnedTLSConfig returns a client TLS configuration that accepts exactly the
// server whose certificate carries the public key with the given pin,
// whatever its host names, issuer or validity period: the ApplicationMaster's
// certificate is self-signed by the submitting client for this application
// only, and the AM's host is not known when it is made. The handshake proves
// that the server holds the pinned key's private half.
func PinnedTLSConfig(pin string) (*tls.Config, error) {
	want, err := ParsePin(pin)
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		// Verification is VerifyConnection's pin check, not the PKIX chain and
		// host name, which a per-application self-signed certificate cannot pass.
		InsecureSkipVerify: true, //nolint:gosec // replaced by the pin check below
		VerifyConnection: func(cs tls.ConnectionState) error {
			return checkPin(want, cs.PeerCertificates)
		},
	}, nil
}

// checkPin accepts a chain whose leaf has the pinned public key.
func checkPin(want string, chain []*x509.Certificate) error {
	if len(chain) == 0 {
		return &PinError{Want: want}
	}
	got := PublicKeyPin(chain[0])
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return &PinError{Want: want, Got: got}
	}
	return nil
}

// checkTransport checks that e's AM URL and pin agree: https needs a pin,
// and a pin forbids plain http, so that a secret is never sent in clear to an
// AM that serves TLS.
func (e Env) checkTransport() error {
	https := strings.HasPrefix(strings.ToLower(e.AMURL), "https://")
	switch {
	case https && e.AMPubKeySHA256 == "":
		return fmt.Errorf("invalid Spindle environment: %s=%s is https but %s is not set: cannot authenticate the ApplicationMaster", EnvAMURL, e.AMURL, EnvAMPubKeySHA256)
	case !https && e.AMPubKeySHA256 != "":
		return fmt.Errorf("invalid Spindle environment: %s is set but %s=%s is not https: refusing to send the secret over plain HTTP", EnvAMPubKeySHA256, EnvAMURL, e.AMURL)
	case https:
		_, err := ParsePin(e.AMPubKeySHA256)
		return err
	}
	return nil
}
