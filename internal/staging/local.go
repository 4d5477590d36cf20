package staging

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// localFS is the file:// staging filesystem: plain local files. It is meant
// for single-node clusters and tests, where every NodeManager sees the same
// disk.
//
// Modification times: Hadoop's LocalFileSystem reports a local file's mtime
// in milliseconds, so FileStatus.ModTime is the mtime truncated to
// milliseconds. Older JVMs (Java 8 on Unix) report File.lastModified with
// whole-second granularity, though, and a NodeManager running on one would
// see a different timestamp than a sub-second mtime. Files written by Create
// therefore get their mtime truncated to the whole second, which every JVM
// reports identically. Files used in place (never written by spindle) keep
// their own mtime.
type localFS struct {
	home string
}

// newLocalFS returns the local filesystem for a file: URI, which must not
// name a host other than localhost.
func newLocalFS(u *url.URL, opts options) (*localFS, error) {
	if h := u.Hostname(); h != "" && h != "localhost" {
		return nil, fmt.Errorf("staging: fs.defaultFS %q names host %q; file: URIs must be local (file:///)", u.String(), h)
	}
	home := opts.Home
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return nil, fmt.Errorf("staging: local filesystem: finding the home directory (set HOME): %w", err)
		}
		home = h
	}
	if !filepath.IsAbs(home) {
		return nil, fmt.Errorf("staging: local filesystem: home directory %q is not absolute", home)
	}
	return &localFS{home: filepath.ToSlash(filepath.Clean(home))}, nil
}

// Root returns file:///.
func (l *localFS) Root() *url.URL { return &url.URL{Scheme: "file", Path: "/"} }

// URL returns file:///abs/path for p.
func (l *localFS) URL(p string) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Clean(p))}
	return u.String()
}

// Home returns the local home directory.
func (l *localFS) Home(context.Context) string { return l.home }

// MkdirAll creates p and its parents with os.MkdirAll (perm is subject to
// the process umask, as for any local directory creation).
func (l *localFS) MkdirAll(ctx context.Context, p string, perm fs.FileMode) error {
	p, err := l.check(ctx, p)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(p, perm); err != nil {
		return fmt.Errorf("local fs: %w", err)
	}
	return nil
}

// Create writes r to the new file dst, sets perm exactly (regardless of the
// umask), truncates the mtime to the whole second (see localFS) and returns
// the status read back after closing.
func (l *localFS) Create(ctx context.Context, r io.Reader, dst string, perm fs.FileMode) (FileStatus, error) {
	dst, err := l.check(ctx, dst)
	if err != nil {
		return FileStatus{}, err
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return FileStatus{}, fmt.Errorf("local fs: %w", err)
	}
	n, err := copyContext(ctx, f, r, make([]byte, copyChunk))
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err == nil {
		err = finishLocalFile(dst, perm)
	}
	if err != nil {
		_ = os.Remove(dst) // best effort; the caller sees the original error
		return FileStatus{}, fmt.Errorf("local fs: writing %s: %w", dst, err)
	}
	st, err := l.stat(dst)
	if err != nil {
		return FileStatus{}, err
	}
	if st.Size != n {
		return FileStatus{}, fmt.Errorf("local fs: %s has %d bytes after writing %d", dst, st.Size, n)
	}
	return st, nil
}

// finishLocalFile sets the exact permission and a whole-second mtime.
func finishLocalFile(p string, perm fs.FileMode) error {
	if err := os.Chmod(p, perm); err != nil {
		return err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	// A zero access time leaves the access time unchanged.
	return os.Chtimes(p, time.Time{}, fi.ModTime().Truncate(time.Second))
}

// Upload copies the local file src to dst like Create.
func (l *localFS) Upload(ctx context.Context, src, dst string, perm fs.FileMode) (FileStatus, error) {
	return uploadFile(ctx, l, src, dst, perm)
}

// Stat describes p.
func (l *localFS) Stat(ctx context.Context, p string) (FileStatus, error) {
	p, err := l.check(ctx, p)
	if err != nil {
		return FileStatus{}, err
	}
	return l.stat(p)
}

// ReadFile reads the file p after checking its size against limit.
func (l *localFS) ReadFile(ctx context.Context, p string, limit int64) ([]byte, error) {
	p, err := l.check(ctx, p)
	if err != nil {
		return nil, err
	}
	st, err := l.stat(p)
	if err != nil {
		return nil, err
	}
	if st.Size > limit {
		return nil, fmt.Errorf("local fs: read %s: %d bytes, more than the limit of %d", p, st.Size, limit)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("local fs: %w", err)
	}
	return b, nil
}

func (l *localFS) stat(p string) (FileStatus, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return FileStatus{}, fmt.Errorf("local fs: %w", err)
	}
	return localStatus(p, fi), nil
}

// localStatus converts an os.FileInfo; the mtime is truncated to
// milliseconds as Hadoop's LocalFileSystem reports it.
func localStatus(p string, fi fs.FileInfo) FileStatus {
	st := FileStatus{Path: p, ModTime: fi.ModTime().UnixMilli(), Mode: fi.Mode() & (fs.ModePerm | fs.ModeDir)}
	if !fi.IsDir() {
		st.Size = fi.Size()
	}
	return st
}

// Chmod sets the permission bits of p.
func (l *localFS) Chmod(ctx context.Context, p string, perm fs.FileMode) error {
	p, err := l.check(ctx, p)
	if err != nil {
		return err
	}
	if err := os.Chmod(p, perm); err != nil {
		return fmt.Errorf("local fs: %w", err)
	}
	return nil
}

// Rename moves oldpath to newpath without replacing an existing newpath:
// for files it hard-links newpath to oldpath (which fails atomically if
// newpath exists) and then removes oldpath. Where hard links are not
// possible (directories, some filesystems) it checks and renames.
func (l *localFS) Rename(ctx context.Context, oldpath, newpath string) error {
	oldpath, err := l.check(ctx, oldpath)
	if err != nil {
		return err
	}
	if newpath, err = l.check(ctx, newpath); err != nil {
		return err
	}
	lerr := os.Link(oldpath, newpath)
	if lerr == nil {
		if err := os.Remove(oldpath); err != nil {
			return fmt.Errorf("local fs: rename %s to %s: removing the old name: %w", oldpath, newpath, err)
		}
		return nil
	}
	if errors.Is(lerr, fs.ErrExist) {
		return fmt.Errorf("local fs: rename %s: %w", oldpath, &fs.PathError{Op: "rename", Path: newpath, Err: fs.ErrExist})
	}
	if errors.Is(lerr, fs.ErrNotExist) {
		return fmt.Errorf("local fs: rename: %w", lerr)
	}
	if _, err := os.Lstat(newpath); err == nil {
		return fmt.Errorf("local fs: rename %s: %w", oldpath, &fs.PathError{Op: "rename", Path: newpath, Err: fs.ErrExist})
	}
	if err := os.Rename(oldpath, newpath); err != nil {
		return fmt.Errorf("local fs: %w", err)
	}
	return nil
}

// RemoveAll removes p and its contents; a missing p is fine.
func (l *localFS) RemoveAll(ctx context.Context, p string) error {
	p, err := l.check(ctx, p)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(p); err != nil {
		return fmt.Errorf("local fs: %w", err)
	}
	return nil
}

// Close does nothing.
func (l *localFS) Close() error { return nil }

// check fails if ctx is done or p is not absolute, and returns p cleaned.
func (l *localFS) check(ctx context.Context, p string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("local fs: %s: %w", p, err)
	}
	c, err := checkPath(filepath.ToSlash(p))
	if err != nil {
		return "", fmt.Errorf("local fs: %w", err)
	}
	return filepath.FromSlash(c), nil
}

// uploadFile opens the local file src and writes it to dst on fsys.
func uploadFile(ctx context.Context, fsys FS, src, dst string, perm fs.FileMode) (FileStatus, error) {
	f, err := os.Open(src)
	if err != nil {
		return FileStatus{}, fmt.Errorf("opening local file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return FileStatus{}, fmt.Errorf("opening local file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return FileStatus{}, fmt.Errorf("local file %s is not a regular file", src)
	}
	return fsys.Create(ctx, f, dst, perm)
}
