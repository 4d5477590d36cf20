package container

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestClientRequestTimeout(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	defer ts.Close()
	c, err := Connect(Env{AMURL: ts.URL, Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	c.timeout = 100 * time.Millisecond
	start := time.Now()
	err = c.Heartbeat(context.Background())
	if err == nil || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "within 100ms") {
		t.Errorf("Heartbeat against a silent server = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("timeout took %v", d)
	}
	// A long-poll gets its wait on top of the request timeout.
	start = time.Now()
	_, err = c.getValue(context.Background(), "k", 200*time.Millisecond)
	if err == nil || time.Since(start) < 300*time.Millisecond {
		t.Errorf("long-poll against a silent server = %v after %v", err, time.Since(start))
	}
}

func TestStatusErrorMessage(t *testing.T) {
	e := &StatusError{Method: "PUT", Path: "/api/v1/kv/k", StatusCode: 413, Message: "too big"}
	if got, want := e.Error(), "ApplicationMaster answered PUT /api/v1/kv/k with 413 Request Entity Too Large: too big"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
