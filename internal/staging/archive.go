package staging

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// CheckArchive opens the local archive at path and reads its index (zip,
// jar) or every header (tar, tar.gz, tgz), so that an archive YARN could not
// unpack is an error before submission rather than a failed localization
// (exit code -1000) of every container. The kind comes from the name, as
// YARN decides it.
func CheckArchive(path string) error {
	name := strings.ToLower(path)
	switch {
	case strings.HasSuffix(name, ".zip") || strings.HasSuffix(name, ".jar"):
		zr, err := zip.OpenReader(path)
		if err != nil {
			return fmt.Errorf("%s is not a valid zip archive: %w", path, err)
		}
		return zr.Close()
	case strings.HasSuffix(name, ".tar.gz") || strings.HasSuffix(name, ".tgz"):
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		gz, err := gzip.NewReader(f)
		if err != nil {
			return fmt.Errorf("%s is not a valid gzip-compressed tar archive: %w", path, err)
		}
		defer gz.Close()
		return checkTar(path, "gzip-compressed tar", gz)
	case strings.HasSuffix(name, ".tar"):
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		return checkTar(path, "tar", f)
	}
	return fmt.Errorf("%s: YARN extracts only .zip, .jar, .tar.gz, .tgz and .tar archives", path)
}

// checkTar reads every header of a tar stream.
func checkTar(path, kind string, r io.Reader) error {
	tr := tar.NewReader(r)
	n := 0
	for {
		_, err := tr.Next()
		if errors.Is(err, io.EOF) {
			if n == 0 {
				return fmt.Errorf("%s is not a valid %s archive: it holds no entries", path, kind)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s is not a valid %s archive: %w", path, kind, err)
		}
		n++
	}
}
