package container

import (
	"crypto/x509"
	"errors"
	"strings"
	"testing"
)

// testPin is a well-formed pin (the base64 of 32 bytes).
const testPin = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="

func TestParsePin(t *testing.T) {
	for _, in := range []string{testPin, "sha256//" + testPin, " " + testPin + "\n"} {
		if got, err := ParsePin(in); err != nil || got != testPin {
			t.Errorf("ParsePin(%q) = %q, %v; want %q", in, got, err, testPin)
		}
	}
	for _, in := range []string{"", "sha256//", "not base64!", "AAAA", strings.Repeat("A", 42) + "==", "sha1//" + testPin} {
		_, err := ParsePin(in)
		if err == nil || !strings.Contains(err.Error(), EnvAMPubKeySHA256) {
			t.Errorf("ParsePin(%q): error %v, want one naming %s", in, err, EnvAMPubKeySHA256)
		}
	}
	if _, err := PinnedTLSConfig("AAAA"); err == nil {
		t.Error("PinnedTLSConfig accepted a short pin")
	}
}

func TestCheckPinWithoutCertificate(t *testing.T) {
	var pe *PinError
	if err := checkPin(testPin, nil); !errors.As(err, &pe) || pe.Got != "" || pe.Want != testPin {
		t.Fatalf("checkPin(no certificate) = %v, want a PinError without Got", err)
	}
	if !strings.Contains(pe.Error(), "no TLS certificate") {
		t.Errorf("message %q", pe.Error())
	}
	other := &x509.Certificate{RawSubjectPublicKeyInfo: []byte("another key")}
	if err := checkPin(testPin, []*x509.Certificate{other}); !errors.As(err, &pe) || pe.Got != PublicKeyPin(other) {
		t.Errorf("checkPin(other key) = %v", err)
	}
}

func TestConnectRefusesMismatchedTransport(t *testing.T) {
	base := Env{Role: RoleDriver, AppID: "app", Secret: "s"}
	for _, c := range []struct {
		name, url, pin, wantInErr string
	}{
		{"pin with http", "http://am:1", testPin, "plain HTTP"},
		{"https without pin", "https://am:1", "", EnvAMPubKeySHA256},
		{"https with a bad pin", "https://am:1", "AAAA", "44 characters"},
	} {
		e := base
		e.AMURL, e.AMPubKeySHA256 = c.url, c.pin
		if _, err := Connect(e); err == nil || !strings.Contains(err.Error(), c.wantInErr) {
			t.Errorf("%s: Connect error %v, want one mentioning %q", c.name, err, c.wantInErr)
		}
	}
	e := base
	e.AMURL, e.AMPubKeySHA256 = "https://am:1", "sha256//"+testPin
	if _, err := Connect(e); err != nil {
		t.Errorf("https with a pin: %v", err)
	}
}
