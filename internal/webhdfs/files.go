package webhdfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
)

// ErrIncomplete marks a Create that failed once the data went to a
// DataNode: a partial file may be left at the path.
var ErrIncomplete = errors.New("the file may be left incomplete")

// Create writes what r yields (size bytes, or -1 when unknown) to the file p
// with permission perm. It fails with an error matching fs.ErrExist when p
// exists (or is being written by another client) and overwrite is false,
// and with one matching ErrIncomplete when the write failed at the
// DataNode.
func (c *Client) Create(ctx context.Context, p string, r io.Reader, size int64, perm fs.FileMode, overwrite bool) error {
	q := url.Values{"overwrite": {strconv.FormatBool(overwrite)}, "permission": {strconv.FormatUint(uint64(perm.Perm()), 8)}}
	resp, err := c.nameNode(ctx, http.MethodPut, "CREATE", p, q)
	if err != nil {
		return err
	}
	dn, err := c.redirect(ctx, resp, http.MethodPut, "CREATE "+p, r, size)
	if err != nil {
		return fmt.Errorf("%w (%w)", err, ErrIncomplete)
	}
	defer dn.Body.Close()
	if dn.StatusCode != http.StatusCreated {
		return fmt.Errorf("webhdfs: CREATE %s: the DataNode answered %s, want 201 Created (%w)", p, dn.Status, ErrIncomplete)
	}
	return nil
}

// ReadFile returns the contents of the file p, failing when it holds more
// than limit bytes.
func (c *Client) ReadFile(ctx context.Context, p string, limit int64) ([]byte, error) {
	resp, err := c.nameNode(ctx, http.MethodGet, "OPEN", p, nil)
	if err != nil {
		return nil, err
	}
	dn, err := c.redirect(ctx, resp, http.MethodGet, "OPEN "+p, nil, 0)
	if err != nil {
		return nil, err
	}
	defer dn.Body.Close()
	b, err := io.ReadAll(io.LimitReader(dn.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("webhdfs: OPEN %s: %w", p, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("webhdfs: %s is larger than %d bytes", p, limit)
	}
	return b, nil
}

// Rename moves src to dst in one NameNode call that never replaces dst
// (rename2 without OVERWRITE, which a renameoptions parameter selects): it
// fails with an error matching fs.ErrExist when dst exists and
// fs.ErrNotExist when src does not.
func (c *Client) Rename(ctx context.Context, src, dst string) error {
	resp, err := c.nameNode(ctx, http.MethodPut, "RENAME", src, url.Values{"destination": {dst}, "renameoptions": {"NONE"}})
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// SetPermission sets the permission bits of p.
func (c *Client) SetPermission(ctx context.Context, p string, perm fs.FileMode) error {
	resp, err := c.nameNode(ctx, http.MethodPut, "SETPERMISSION", p, url.Values{"permission": {strconv.FormatUint(uint64(perm.Perm()), 8)}})
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}
