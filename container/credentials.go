package container

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// maxCredentialsResponse bounds the answer of GET /api/v1/credentials.
const maxCredentialsResponse = 64 << 20

// EnvTokenFile is where Hadoop's tools (and Spindle's containers) find the
// container's credentials file.
const EnvTokenFile = "HADOOP_TOKEN_FILE_LOCATION"

// Credentials asks the ApplicationMaster for the newest Hadoop credentials
// file of this process's role (on a secured cluster, with the delegation
// tokens the AM obtained from the submitter's keytab), waiting up to wait
// (at most MaxKVWait) for a version newer than after. The answer's File is
// empty when no newer version appeared. The AM answers 404 when the
// application's credentials are not refreshed (no --keytab).
func (c *Client) Credentials(ctx context.Context, after uint64, wait time.Duration) (Credentials, error) {
	q := url.Values{"after": {strconv.FormatUint(after, 10)}}
	timeout := c.timeout
	if wait > 0 {
		wait = min(wait, MaxKVWait)
		q.Set("wait", wait.String())
		timeout += wait
	}
	body, err := c.do(ctx, http.MethodGet, "/api/v1/credentials", q, nil, "", timeout, maxCredentialsResponse)
	if err != nil {
		return Credentials{}, fmt.Errorf("spindle: getting credentials: %w", err)
	}
	var out Credentials
	if err := decodeJSONResponse(body, &out); err != nil {
		return Credentials{}, fmt.Errorf("spindle: getting credentials: %w", err)
	}
	return out, nil
}

// KeepCredentialsFile rewrites the credentials file at path (usually
// $HADOOP_TOKEN_FILE_LOCATION) with every new version the AM announces,
// atomically (a temporary file in the same directory renamed over it), so
// that Hadoop tools started afterwards find fresh tokens. It starts from
// version after, calls onUpdate (if not nil) after each rewrite and returns
// when ctx ends; failed requests are retried every few seconds.
func (c *Client) KeepCredentialsFile(ctx context.Context, path string, after uint64, onUpdate func(version uint64)) error {
	for ctx.Err() == nil {
		cr, err := c.Credentials(ctx, after, MaxKVWait)
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
			}
			continue
		}
		if len(cr.File) == 0 || cr.Version <= after {
			continue
		}
		if err := WriteFileAtomic(path, cr.File, 0o600); err != nil {
			return fmt.Errorf("spindle: rewriting %s: %w", path, err)
		}
		after = cr.Version
		if onUpdate != nil {
			onUpdate(after)
		}
	}
	return ctx.Err()
}

// WriteFileAtomic replaces path with data: it writes a temporary file with
// mode perm in path's directory and renames it over path, so that readers
// see the old or the new content, never a mix.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	if cerr := f.Chmod(perm); werr == nil {
		werr = cerr
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
	}
	return werr
}
