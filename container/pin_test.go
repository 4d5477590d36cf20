package container_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/am/httpapi"
	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/amtls"
)

// startAM serves the AM API with sdkSecret on 127.0.0.1, over TLS with id
// (plain HTTP when id is nil), until the test ends, and returns host:port.
func startAM(t *testing.T, id *amtls.Identity) string {
	t.Helper()
	srv, err := httpapi.New(sdkSecret, &sdkBackend{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if id == nil {
			_ = srv.Serve(ctx, ln)
			return
		}
		cert, err := id.Certificate()
		if err != nil {
			t.Error(err)
			ln.Close()
			return
		}
		_ = srv.ServeTLS(ctx, ln, cert)
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
	return ln.Addr().String()
}

func newIdentity(t *testing.T) *amtls.Identity {
	t.Helper()
	id, err := amtls.New("application_1_0001", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func connect(t *testing.T, url, pin string) *container.Client {
	t.Helper()
	c, err := container.Connect(container.Env{Role: container.RoleDriver, AppID: "application_1_0001",
		AMURL: url, Secret: sdkSecret, AMPubKeySHA256: pin})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPinnedClientAcceptsTheShippedCertificate(t *testing.T) {
	id := newIdentity(t)
	addr := startAM(t, id)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The certificate names no host: only the pin makes it acceptable.
	for _, pin := range []string{id.Pin(), "sha256//" + id.Pin()} {
		c := connect(t, "https://"+addr, pin)
		if err := c.Put(ctx, "k", []byte("v")); err != nil {
			t.Fatalf("pin %s: Put: %v", pin, err)
		}
		if v, err := c.Get(ctx, "k"); err != nil || string(v) != "v" {
			t.Fatalf("pin %s: Get = %q, %v", pin, v, err)
		}
	}
}

func TestPinnedClientRefusesAnotherCertificate(t *testing.T) {
	served, shipped := newIdentity(t), newIdentity(t)
	addr := startAM(t, served)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := connect(t, "https://"+addr, shipped.Pin()).Put(ctx, "k", []byte("v"))
	var pe *container.PinError
	if !errors.As(err, &pe) {
		t.Fatalf("Put to an AM with another self-signed certificate: %v, want a PinError", err)
	}
	if pe.Want != shipped.Pin() || pe.Got != served.Pin() {
		t.Errorf("PinError = %+v, want Want=%s Got=%s", pe, shipped.Pin(), served.Pin())
	}
	// The request never reached the server: the handshake failed before it.
	if _, err := connect(t, "https://"+addr, served.Pin()).Get(ctx, "k"); !errors.Is(err, container.ErrNotFound) {
		t.Errorf("the refused Put reached the server: Get = %v", err)
	}
}

func TestPinnedClientRefusesPlainHTTP(t *testing.T) {
	id := newIdentity(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	plainAddr := startAM(t, nil)
	// An https URL at a server that speaks plain HTTP: no TLS, no request.
	err := connect(t, "https://"+plainAddr, id.Pin()).Put(ctx, "k", []byte("v"))
	if err == nil {
		t.Fatal("Put over https to a plain-HTTP server succeeded")
	}
	unpinned, err := container.Connect(container.Env{Role: container.RoleDriver, AppID: "a", AMURL: "http://" + plainAddr, Secret: sdkSecret})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := unpinned.Get(ctx, "k"); !errors.Is(err, container.ErrNotFound) {
		t.Errorf("the refused Put reached the server: Get = %v", err)
	}
	// A pin with an http URL is refused before any connection.
	_, err = container.Connect(container.Env{Role: container.RoleDriver, AppID: "a", AMURL: "http://" + startAM(t, id),
		Secret: sdkSecret, AMPubKeySHA256: id.Pin()})
	if err == nil || !strings.Contains(err.Error(), "plain HTTP") {
		t.Errorf("Connect(http URL with a pin) = %v, want a refusal", err)
	}
}
