package logs

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// YARN's AggregatedLogFormat inside a TFile: one record per container, keyed
// by the container id, plus three reserved records. Keys (and the strings in
// values) are Java DataOutput.writeUTF strings: a 2-byte big-endian length
// and that many bytes of "modified UTF-8".
//
//	VERSION            value: int32 (1)
//	APPLICATION_ACL    value: pairs of UTF strings (access type, ACL) to the end
//	APPLICATION_OWNER  value: one UTF string
//	<container id>     value: per log file: UTF file name, UTF decimal length,
//	                   then that many bytes of content; repeated to the end.

// Reserved keys of the aggregated log format.
const (
	keyVersion = "VERSION"
	keyACL     = "APPLICATION_ACL"
	keyOwner   = "APPLICATION_OWNER"
)

// AggregatedInfo is what an aggregated log file says about the application
// besides the logs.
type AggregatedInfo struct {
	// Version is the aggregated log format version (1), 0 if absent.
	Version int32
	// Owner is the application's user, "" if absent.
	Owner string
	// ACLs maps access types (VIEW_APP, MODIFY_APP) to ACL strings.
	ACLs map[string]string
	// Compression is the TFile codec: "none" or "gz".
	Compression string
}

// LogFile is one log file of one container, as ReadAggregated and Fetcher
// hand it out. Content is valid only during the callback that receives it.
type LogFile struct {
	// Container is the container id, e.g. container_1795211786074_0015_01_000001.
	Container string
	// Node is the NodeManager that ran the container ("host:port"), when known.
	Node string
	// Name is the log file name, e.g. "stdout".
	Name string
	// Length is the file's length in bytes as recorded when it was read or
	// aggregated; Content yields exactly that many bytes.
	Length int64
	// Content reads the file's bytes.
	Content io.Reader
}

// ReadAggregated reads an aggregated log file in YARN's default TFile format,
// calling fn for every container log file in the order stored. fn need not
// consume Content; what it leaves is skipped. An error returned by fn stops
// the reading and is returned as is.
//
// Files in the IndexedFormat give an error matching ErrIndexedFormat, data
// that is no TFile at all one matching ErrNotTFile.
func ReadAggregated(r io.ReaderAt, size int64, fn func(*LogFile) error) (*AggregatedInfo, error) {
	t, err := openTFile(r, size)
	if err != nil {
		return nil, err
	}
	info := &AggregatedInfo{Compression: t.codec}
	err = t.scan(func(rec record) error {
		key, err := decodeUTFKey(rec.key)
		if err != nil {
			return err
		}
		switch key {
		case keyVersion:
			var b [4]byte
			if _, err := io.ReadFull(rec.value, b[:]); err != nil {
				return fmt.Errorf("%s: %w", keyVersion, eofCorrupt(err))
			}
			info.Version = int32(binary.BigEndian.Uint32(b[:]))
			return nil
		case keyOwner:
			owner, err := readUTF(bufio.NewReaderSize(rec.value, 512))
			if err != nil {
				return fmt.Errorf("%s: %w", keyOwner, eofCorrupt(err))
			}
			info.Owner = owner
			return nil
		case keyACL:
			acls, err := readACLs(rec.value)
			if err != nil {
				return fmt.Errorf("%s: %w", keyACL, err)
			}
			info.ACLs = acls
			return nil
		}
		if err := readContainerValue(key, rec.value, fn); err != nil {
			var s stoppedError
			if errors.As(err, &s) {
				return err
			}
			return fmt.Errorf("container %s: %w", key, err)
		}
		return nil
	})
	if err != nil {
		var s stoppedError
		if errors.As(err, &s) {
			return info, s.err
		}
		return info, err
	}
	return info, nil
}

// stoppedError carries an error returned by the caller's callback through
// the reader unchanged.
type stoppedError struct{ err error }

// Error returns the callback's message.
func (s stoppedError) Error() string { return s.err.Error() }

// readContainerValue splits one container's value into its log files.
func readContainerValue(container string, v io.Reader, fn func(*LogFile) error) error {
	br := bufio.NewReaderSize(v, 32<<10)
	for {
		if _, err := br.Peek(1); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		name, err := readUTF(br)
		if err != nil {
			return fmt.Errorf("log file name: %w", eofCorrupt(err))
		}
		lenStr, err := readUTF(br)
		if err != nil {
			return fmt.Errorf("log file %q: length: %w", name, eofCorrupt(err))
		}
		length, err := strconv.ParseInt(lenStr, 10, 64)
		if err != nil || length < 0 {
			return corrupt("log file %q: length %q is not a byte count", name, lenStr)
		}
		content := &exactReader{r: br, left: length, what: fmt.Sprintf("log file %s of %s (%d bytes)", name, container, length)}
		if err := fn(&LogFile{Container: container, Name: name, Length: length, Content: content}); err != nil {
			return stoppedError{err}
		}
		if _, err := io.Copy(io.Discard, content); err != nil {
			return fmt.Errorf("log file %q: %w", name, err)
		}
	}
}

// readACLs decodes the APPLICATION_ACL value.
func readACLs(v io.Reader) (map[string]string, error) {
	br := bufio.NewReaderSize(v, 512)
	acls := map[string]string{}
	for {
		if _, err := br.Peek(1); errors.Is(err, io.EOF) {
			return acls, nil
		} else if err != nil {
			return nil, err
		}
		typ, err := readUTF(br)
		if err != nil {
			return nil, eofCorrupt(err)
		}
		acl, err := readUTF(br)
		if err != nil {
			return nil, eofCorrupt(err)
		}
		acls[typ] = acl
	}
}

// decodeUTFKey decodes a record key that holds exactly one writeUTF string.
func decodeUTFKey(key []byte) (string, error) {
	if len(key) < 2 {
		return "", corrupt("record key of %d bytes", len(key))
	}
	n := int(binary.BigEndian.Uint16(key))
	if n != len(key)-2 {
		return "", corrupt("record key says %d bytes but holds %d", n, len(key)-2)
	}
	return decodeModifiedUTF8(key[2:])
}

// readUTF reads a Java writeUTF string.
func readUTF(r io.Reader) (string, error) {
	var l [2]byte
	if _, err := io.ReadFull(r, l[:]); err != nil {
		return "", err
	}
	b := make([]byte, binary.BigEndian.Uint16(l[:]))
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	return decodeModifiedUTF8(b)
}

// decodeModifiedUTF8 decodes Java's modified UTF-8: UTF-16 code units in one
// to three bytes each (NUL as 0xC0 0x80, supplementary characters as two
// encoded surrogates).
func decodeModifiedUTF8(b []byte) (string, error) {
	ascii := true
	for _, c := range b {
		if c == 0 || c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b), nil
	}
	units := make([]uint16, 0, len(b))
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c != 0 && c < 0x80:
			units = append(units, uint16(c))
			i++
		case c&0xE0 == 0xC0 && i+1 < len(b) && b[i+1]&0xC0 == 0x80:
			units = append(units, uint16(c&0x1F)<<6|uint16(b[i+1]&0x3F))
			i += 2
		case c&0xF0 == 0xE0 && i+2 < len(b) && b[i+1]&0xC0 == 0x80 && b[i+2]&0xC0 == 0x80:
			units = append(units, uint16(c&0x0F)<<12|uint16(b[i+1]&0x3F)<<6|uint16(b[i+2]&0x3F))
			i += 3
		default:
			return "", corrupt("malformed modified UTF-8 at byte %d", i)
		}
	}
	s := string(utf16.Decode(units))
	if !utf8.ValidString(s) {
		return "", corrupt("malformed modified UTF-8")
	}
	return s, nil
}

// ErrIndexedFormat is matched (errors.Is) by the error for aggregated logs
// written in YARN's IndexedFormat (LogAggregationIndexedFileController),
// which spindle does not read.
var ErrIndexedFormat = errors.New("aggregated logs in the IndexedFormat are not supported (spindle reads the default TFile format; see yarn.log-aggregation.file-formats)")

// Format is the on-disk format of an aggregated log file.
type Format int

// Aggregated log file formats.
const (
	// FormatUnknown is neither of the known formats.
	FormatUnknown Format = iota
	// FormatTFile is the default TFile format (LogAggregationTFileController).
	FormatTFile
	// FormatIndexed is the IndexedFormat (LogAggregationIndexedFileController).
	FormatIndexed
)

// String names the format as yarn.log-aggregation.file-formats does.
func (f Format) String() string {
	switch f {
	case FormatTFile:
		return "TFile"
	case FormatIndexed:
		return "IndexedFormat"
	}
	return "unknown"
}

// DetectFormat tells the format of an aggregated log file of application
// appID from its first bytes: a TFile starts with the BCFile magic number, an
// IndexedFormat file with the SHA-256 digest of the application id.
func DetectFormat(r io.ReaderAt, size int64, appID string) (Format, error) {
	n := int(min(size, sha256.Size))
	head, err := readAt(r, 0, n)
	if err != nil {
		return FormatUnknown, fmt.Errorf("read the file header: %w", err)
	}
	if len(head) >= magicLen && string(head[:magicLen]) == bcfileMagic {
		return FormatTFile, nil
	}
	sum := sha256.Sum256([]byte(appID))
	if len(head) == sha256.Size && bytes.Equal(head, sum[:]) {
		return FormatIndexed, nil
	}
	return FormatUnknown, nil
}
