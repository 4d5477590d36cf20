package httpapi

import (
	"errors"
	"net"
	"sync"
	"time"
)

// tlsRecordHandshake is the first byte of every TLS connection: the record
// type of the ClientHello. Plain HTTP starts with a method's letter.
const tlsRecordHandshake = 0x16

// splitListener accepts connections on one port and hands each, by its first
// byte, to one of two listeners: TLS handshakes to tls, everything else to
// plain. A connection that sends nothing within timeout is closed.
type splitListener struct {
	ln      net.Listener
	timeout time.Duration
	tls     *subListener
	plain   *subListener
}

func newSplitListener(ln net.Listener, timeout time.Duration) *splitListener {
	return &splitListener{ln: ln, timeout: timeout, tls: newSubListener(ln.Addr()), plain: newSubListener(ln.Addr())}
}

// run accepts connections until ln is closed, then closes both listeners.
// Failures other than a closed listener (such as running out of file
// descriptors) are retried with a growing pause, as net/http does.
func (s *splitListener) run() {
	defer s.tls.Close()
	defer s.plain.Close()
	var pause time.Duration
	for {
		c, err := s.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			pause = min(max(2*pause, 5*time.Millisecond), time.Second)
			select {
			case <-time.After(pause):
				continue
			case <-s.tls.closed:
				return
			}
		}
		pause = 0
		go s.route(c)
	}
}

// route reads c's first byte and queues c on the listener it belongs to.
func (s *splitListener) route(c net.Conn) {
	var first [1]byte
	_ = c.SetReadDeadline(time.Now().Add(s.timeout))
	if _, err := c.Read(first[:]); err != nil {
		c.Close()
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	to := s.plain
	if first[0] == tlsRecordHandshake {
		to = s.tls
	}
	to.queue(&prefixConn{Conn: c, prefix: first[:]})
}

// Close stops accepting and closes both listeners.
func (s *splitListener) Close() error {
	err := s.ln.Close()
	s.tls.Close()
	s.plain.Close()
	return err
}

// subListener is one side of a splitListener.
type subListener struct {
	addr   net.Addr
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newSubListener(addr net.Addr) *subListener {
	return &subListener{addr: addr, conns: make(chan net.Conn), closed: make(chan struct{})}
}

// queue hands c to Accept, or closes it once the listener is closed.
func (l *subListener) queue(c net.Conn) {
	select {
	case l.conns <- c:
	case <-l.closed:
		c.Close()
	}
}

// Accept implements net.Listener.
func (l *subListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

// Close implements net.Listener; it closes this side only.
func (l *subListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

// Addr implements net.Listener: the shared port's address.
func (l *subListener) Addr() net.Addr { return l.addr }

// prefixConn is a connection whose first bytes were already read.
type prefixConn struct {
	net.Conn
	prefix []byte
}

// Read returns the bytes read ahead first.
func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}
