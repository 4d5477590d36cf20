package webhdfs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Client is a WebHDFS client of one HDFS namespace: its NameNodes' HTTP
// servers, tried in order from the last one that answered (an unreachable or
// standby NameNode makes a call move on to the next). It is safe for
// concurrent use.
type Client struct {
	urls  []string
	token func() (string, error)
	hc    *http.Client

	mu     sync.Mutex
	active int // index into urls of the NameNode that answered last
}

// dialTimeout and headerTimeout bound the connection and the wait for a
// response's headers; callers bound whole calls with their contexts.
const (
	dialTimeout   = 15 * time.Second
	headerTimeout = time.Minute
)

// New returns a client of the NameNodes at urls (base URLs such as
// "http://nn:9870", from hadoopconf's NameNodeWebURLs). token returns the
// delegation token to send, as Token.encodeToUrlString encodes it; it is
// asked before every call, so a token replaced mid-run is picked up.
func New(urls []string, token func() (string, error)) (*Client, error) {
	if len(urls) == 0 {
		return nil, errors.New("webhdfs: no NameNode HTTP address (check dfs.namenode.http-address)")
	}
	tr := &http.Transport{
		Proxy:                 nil, // cluster-internal addresses: never through a proxy
		DialContext:           (&net.Dialer{Timeout: dialTimeout}).DialContext,
		TLSHandshakeTimeout:   dialTimeout,
		ResponseHeaderTimeout: headerTimeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       time.Minute,
	}
	hc := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse // a redirect to a DataNode is followed by hand, with the body
	}}
	return &Client{urls: append([]string(nil), urls...), token: token, hc: hc}, nil
}

// Close releases idle connections.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

// RemoteError is an error a NameNode or DataNode answered with (WebHDFS's
// RemoteException JSON).
type RemoteError struct {
	Status    int    // HTTP status
	Exception string // e.g. "FileNotFoundException"
	ClassName string // e.g. "java.io.FileNotFoundException"
	Message   string
}

// Error names the exception and its message.
func (e *RemoteError) Error() string {
	if e.Exception == "" {
		return fmt.Sprintf("HTTP %d: %s", e.Status, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Exception, e.Message)
}

// Is matches fs.ErrNotExist, fs.ErrExist and fs.ErrPermission to the
// exceptions that mean them.
func (e *RemoteError) Is(target error) bool {
	switch target {
	case fs.ErrNotExist:
		return e.Exception == "FileNotFoundException"
	case fs.ErrExist:
		// AlreadyBeingCreatedException: another client is writing it.
		return e.Exception == "FileAlreadyExistsException" || e.Exception == "AlreadyBeingCreatedException"
	case fs.ErrPermission:
		return e.Exception == "AccessControlException" || e.Status == http.StatusUnauthorized
	}
	return false
}

// tryNext reports whether the next NameNode may answer what this one
// refused: a standby, one in safe mode, or (in an HA namespace, others
// being left) one that does not know the token yet, as a standby that has
// not caught up with its creation.
func (e *RemoteError) tryNext(othersLeft bool) bool {
	switch {
	case e.Exception == "StandbyException":
		return true
	case e.Exception == "RetriableException" && strings.Contains(e.Message, "safe mode"):
		return true
	case othersLeft && e.Exception == "SecurityException" && strings.Contains(e.Message, "InvalidToken"):
		return true
	}
	return false
}

// remoteError reads the error of a response that did not succeed.
func remoteError(resp *http.Response) *RemoteError {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var body struct {
		RemoteException struct {
			Exception     string `json:"exception"`
			JavaClassName string `json:"javaClassName"`
			Message       string `json:"message"`
		} `json:"RemoteException"`
	}
	e := &RemoteError{Status: resp.StatusCode}
	if json.Unmarshal(b, &body) == nil && body.RemoteException.Exception != "" {
		e.Exception, e.ClassName, e.Message = body.RemoteException.Exception, body.RemoteException.JavaClassName, body.RemoteException.Message
	} else {
		e.Message = strings.TrimSpace(string(b))
		if e.Message == "" {
			e.Message = resp.Status
		}
	}
	return e
}

// nameNode sends one operation on p to the NameNodes in turn and returns
// the first answer that is not a standby's. The caller closes its body.
func (c *Client) nameNode(ctx context.Context, method, op, p string, q url.Values) (*http.Response, error) {
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("webhdfs: path %q is not absolute", p)
	}
	tok, err := c.token()
	if err != nil {
		return nil, fmt.Errorf("webhdfs: %w", err)
	}
	if q == nil {
		q = url.Values{}
	}
	q.Set("op", op)
	q.Set("delegation", tok)
	c.mu.Lock()
	first := c.active
	c.mu.Unlock()
	var last error
	for i := range c.urls {
		n := (first + i) % len(c.urls)
		u, err := url.Parse(c.urls[n])
		if err != nil {
			return nil, fmt.Errorf("webhdfs: NameNode URL %q: %w", c.urls[n], err)
		}
		u.Path, u.RawQuery = "/webhdfs/v1"+p, q.Encode()
		resp, err := c.send(ctx, method, u.String(), nil, 0)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			last = err
			continue
		}
		if resp.StatusCode >= 400 {
			rerr := remoteError(resp)
			resp.Body.Close()
			if rerr.tryNext(i < len(c.urls)-1) {
				last = fmt.Errorf("%s: %w", c.urls[n], rerr)
				continue
			}
			return nil, fmt.Errorf("webhdfs: %s %s at %s: %w", op, p, c.urls[n], rerr)
		}
		c.mu.Lock()
		c.active = n
		c.mu.Unlock()
		return resp, nil
	}
	return nil, fmt.Errorf("webhdfs: %s %s: no NameNode answered: %w", op, p, last)
}

// send makes one request; size is body's length (-1: unknown).
func (c *Client) send(ctx context.Context, method, u string, body io.Reader, size int64) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		if l, ok := body.(interface{ Len() int }); ok && size < 0 {
			size = int64(l.Len()) // bytes.Reader and the like: no need for chunks
		}
		req.ContentLength = size
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	resp, err := c.hc.Do(req)
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		ue.URL = redact(ue.URL) // the query holds the delegation token
	}
	return resp, err
}

// redact is u without its query (which holds the delegation token), for
// error messages and logs.
func redact(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i] + "?..."
	}
	return u
}

// redirect follows a NameNode's redirect to a DataNode with body.
func (c *Client) redirect(ctx context.Context, resp *http.Response, method, what string, body io.Reader, size int64) (*http.Response, error) {
	defer resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusTemporaryRedirect || loc == "" {
		return nil, fmt.Errorf("webhdfs: %s: the NameNode answered %s without a redirect to a DataNode", what, resp.Status)
	}
	target, err := resp.Request.URL.Parse(loc)
	if err != nil {
		return nil, fmt.Errorf("webhdfs: %s: the NameNode's redirect %q: %w", what, redact(loc), err)
	}
	dn, err := c.send(ctx, method, target.String(), body, size)
	if err != nil {
		return nil, fmt.Errorf("webhdfs: %s at the DataNode: %w", what, err)
	}
	if dn.StatusCode >= 400 {
		defer dn.Body.Close()
		return nil, fmt.Errorf("webhdfs: %s at the DataNode: %w", what, remoteError(dn))
	}
	return dn, nil
}
