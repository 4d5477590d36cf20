package ipc

// Recording and replaying real Kerberos (SASL GSSAPI) exchanges with a
// ResourceManager. A recording holds everything needed to replay the
// client side deterministically: the service ticket and its session key
// (issued by the test realm's KDC; session keys are per-ticket, random, and
// the realm exists only on the test cluster), the authenticator time, the
// random bytes the client drew (sequence number and subkey), and the bytes
// each side sent, in order.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
)

// gssRecording is the JSON form of a recorded exchange.
type gssRecording struct {
	Protection     string     `json:"protection"`
	Principal      string     `json:"principal"`
	CName          []string   `json:"cname"`
	CNameType      int32      `json:"cnameType"`
	CRealm         string     `json:"crealm"`
	SPN            string     `json:"spn"`
	Ticket         string     `json:"ticket"`
	SessionKeyType int32      `json:"sessionKeyType"`
	SessionKey     string     `json:"sessionKey"`
	Time           time.Time  `json:"time"`
	Rand           string     `json:"rand"`
	Events         []gssEvent `json:"events"`
}

// gssEvent is a run of bytes sent by one side: "c" client, "s" server.
type gssEvent struct {
	Dir  string `json:"dir"`
	Data string `json:"data"`
}

// gssRecorder captures an exchange made by a Client.
type gssRecorder struct {
	inner KerberosSession
	now   time.Time

	mu     sync.Mutex
	rec    gssRecording
	random bytes.Buffer
	events []gssEvent
}

// newGSSRecorder makes cfg record its Kerberos exchanges through s.
func newGSSRecorder(s KerberosSession, cfg *Config) *gssRecorder {
	r := &gssRecorder{inner: s, now: time.Now()}
	cfg.Kerberos.Session = r
	cfg.kerberosClock = func() time.Time { return r.now }
	cfg.kerberosRand = io.TeeReader(rand.Reader, lockedWriter{&r.mu, &r.random})
	cfg.Dialer = func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		nc, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &recordingConn{Conn: nc, r: r}, nil
	}
	return r
}

// lockedWriter writes to w under mu.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (r *gssRecorder) ServiceTicket(ctx context.Context, spn string) (messages.Ticket, types.EncryptionKey, error) {
	tkt, key, err := r.inner.ServiceTicket(ctx, spn)
	if err == nil {
		b, merr := tkt.Marshal()
		if merr != nil {
			return tkt, key, merr
		}
		r.mu.Lock()
		r.rec.SPN, r.rec.Ticket = spn, hex.EncodeToString(b)
		r.rec.SessionKeyType, r.rec.SessionKey = key.KeyType, hex.EncodeToString(key.KeyValue)
		r.mu.Unlock()
	}
	return tkt, key, err
}

func (r *gssRecorder) ClientPrincipal() (types.PrincipalName, string) {
	return r.inner.ClientPrincipal()
}
func (r *gssRecorder) Principal() string           { return r.inner.Principal() }
func (r *gssRecorder) RealmOfHost(h string) string { return r.inner.RealmOfHost(h) }
func (r *gssRecorder) ServerPrincipal(ctx context.Context, pattern, addr string) (string, error) {
	return r.inner.ServerPrincipal(ctx, pattern, addr)
}

// add appends bytes sent by dir, merging runs.
func (r *gssRecorder) add(dir string, p []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.events); n > 0 && r.events[n-1].Dir == dir {
		r.events[n-1].Data += hex.EncodeToString(p)
		return
	}
	r.events = append(r.events, gssEvent{Dir: dir, Data: hex.EncodeToString(p)})
}

// save writes the recording to path.
func (r *gssRecorder) save(path, protection string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	cname, crealm := r.inner.ClientPrincipal()
	r.rec.Protection = protection
	r.rec.Principal = r.inner.Principal()
	r.rec.CName, r.rec.CNameType, r.rec.CRealm = cname.NameString, cname.NameType, crealm
	r.rec.Time = r.now
	r.rec.Rand = hex.EncodeToString(r.random.Bytes())
	r.rec.Events = r.events
	b, err := json.MarshalIndent(&r.rec, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// recordingConn records what is read and written.
type recordingConn struct {
	net.Conn
	r *gssRecorder
}

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.r.add("s", p[:n])
	}
	return n, err
}

func (c *recordingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if n > 0 {
		c.r.add("c", p[:n])
	}
	return n, err
}

// loadGSSRecording reads a recording.
func loadGSSRecording(path string) (*gssRecording, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r gssRecording
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}
