package am

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// prepareWorkDir makes a local executor's working directory look like a YARN
// container's: every file linked under its link name, every archive extracted into a
// directory named after its link.
func prepareWorkDir(dir string, files, archives []string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create work directory: %w", err)
	}
	for _, f := range files {
		src, name := splitAlias(f)
		abs, err := filepath.Abs(src)
		if err != nil {
			return err
		}
		if err := os.Symlink(abs, filepath.Join(dir, name)); err != nil && !os.IsExist(err) {
			return fmt.Errorf("link %s into %s: %w", src, dir, err)
		}
	}
	for _, a := range archives {
		src, name := splitAlias(a)
		if err := extract(src, filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("extract %s: %w", src, err)
		}
	}
	return nil
}

// splitAlias splits "path#alias"; the link name defaults to the base name.
func splitAlias(s string) (src, name string) {
	src = s
	if i := strings.LastIndex(s, "#"); i >= 0 {
		src, name = s[:i], s[i+1:]
	}
	if name == "" {
		name = filepath.Base(src)
	}
	return src, name
}

// extract unpacks a .zip, .jar, .tar, .tar.gz or .tgz archive into dst.
func extract(src, dst string) error {
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return err
	}
	lower := strings.ToLower(src)
	if strings.HasSuffix(lower, ".zip") || strings.HasSuffix(lower, ".jar") {
		zr, err := zip.OpenReader(src)
		if err != nil {
			return err
		}
		defer zr.Close()
		for _, f := range zr.File {
			if err := writeEntry(dst, f.Name, f.Mode(), f.FileInfo().IsDir(), func() (io.ReadCloser, error) { return f.Open() }); err != nil {
				return err
			}
		}
		return nil
	}
	fh, err := os.Open(src)
	if err != nil {
		return err
	}
	defer fh.Close()
	var r io.Reader = fh
	if strings.HasSuffix(lower, ".gz") || strings.HasSuffix(lower, ".tgz") {
		gz, err := gzip.NewReader(fh)
		if err != nil {
			return err
		}
		defer gz.Close()
		r = gz
	}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg && h.Typeflag != tar.TypeDir {
			continue
		}
		if err := writeEntry(dst, h.Name, h.FileInfo().Mode(), h.Typeflag == tar.TypeDir, func() (io.ReadCloser, error) { return io.NopCloser(tr), nil }); err != nil {
			return err
		}
	}
}

// writeEntry writes one archive entry below dst, refusing paths that escape it.
func writeEntry(dst, name string, mode os.FileMode, isDir bool, open func() (io.ReadCloser, error)) error {
	p := filepath.Join(dst, name)
	if !strings.HasPrefix(p, filepath.Clean(dst)+string(os.PathSeparator)) {
		return fmt.Errorf("archive entry %q escapes the destination", name)
	}
	if isDir {
		return os.MkdirAll(p, 0o700)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	rc, err := open()
	if err != nil {
		return err
	}
	defer rc.Close()
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode.Perm()|0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
