package logs

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// This file reads Hadoop's TFile container format (org.apache.hadoop.io.file.tfile),
// the default format of aggregated YARN logs. A TFile is a BCFile ("block
// compressed file"):
//
//	magic (16 bytes)
//	data block 0, data block 1, ...        each compressed with the file's codec
//	meta blocks ("TFile.meta", "TFile.index", "BCFile.index")
//	meta index                             uncompressed
//	offset of the meta index (int64 BE), version (2 x int16 BE), magic (16 bytes)
//
// The meta index lists every meta block as name ("data:" + name), codec name
// and region (offset, compressed size, raw size as VLongs). The meta block
// "BCFile.index" lists the data blocks: the default codec name, a VInt count
// and that many regions. "TFile.meta" holds the TFile version, the record
// count and the key comparator name.
//
// A data block is a sequence of records, none split across blocks:
//
//	VInt key length, key bytes,
//	value as chunks: VInt n; n < 0 means a chunk of -n bytes followed by more
//	chunks, n >= 0 the last chunk of n bytes.
//
// Integers use TFile's own variable-length encoding (readVLong), strings are a
// VInt length followed by that many UTF-8 bytes.

// bcfileMagic starts and ends every BCFile.
const bcfileMagic = "\xd1\x11\xd3\x68\x91\xb5\xd7\xb6\x39\xdf\x41\x40\x92\xba\xe1\x50"

// Sizes of the fixed parts and limits on what a well-formed file holds.
const (
	magicLen     = 16
	trailerLen   = 8 + 4 + magicLen // meta index offset, version, magic
	minTFileSize = magicLen + trailerLen

	// maxMetaString bounds meta block names and codec/comparator names.
	maxMetaString = 64 << 10
	// maxKeyLen is TFile's key size limit (64 KiB).
	maxKeyLen = 64 << 10
	// maxMetaBlock bounds the raw size of a meta block read into memory.
	maxMetaBlock = 16 << 20

	bcfileMajor = 1
	tfileMajor  = 1

	metaPrefix      = "data:"
	metaDataIndex   = "BCFile.index"
	metaTFileMeta   = "TFile.meta"
	codecNone       = "none"
	codecGz         = "gz"
	errCorruptIntro = "corrupt TFile"
)

// ErrNotTFile is matched (errors.Is) by errors for data that does not carry
// the BCFile magic number, i.e. is not a TFile at all.
var ErrNotTFile = errors.New("not a TFile (no BCFile magic number)")

// ErrCorrupt is matched (errors.Is) by errors for malformed TFile or
// aggregated log data.
var ErrCorrupt = errors.New(errCorruptIntro)

// corrupt builds an error describing malformed TFile data; the description
// of an inner corruption error in args is not repeated.
func corrupt(format string, args ...any) error {
	msg := strings.ReplaceAll(fmt.Sprintf(format, args...), errCorruptIntro+": ", "")
	return fmt.Errorf("%w: %s", ErrCorrupt, msg)
}

// region is where a block lies in the file.
type region struct {
	offset, compressed, raw int64
}

// metaEntry is one meta index entry.
type metaEntry struct {
	codec string
	reg   region
}

// tfile is an opened TFile: its codec, data blocks and meta blocks.
type tfile struct {
	r          io.ReaderAt
	size       int64
	metaEnd    int64 // where the meta index starts; blocks lie before it
	codec      string
	blocks     []region
	meta       map[string]metaEntry
	records    int64
	comparator string
}

// openTFile reads the trailer, the meta index, the data block index and
// TFile.meta of the size-byte TFile r.
func openTFile(r io.ReaderAt, size int64) (*tfile, error) {
	if size < minTFileSize {
		if size >= magicLen {
			if head, err := readAt(r, 0, magicLen); err == nil && string(head) != bcfileMagic {
				return nil, ErrNotTFile
			}
		}
		return nil, corrupt("%d bytes is too short for a TFile", size)
	}
	head, err := readAt(r, 0, magicLen)
	if err != nil {
		return nil, fmt.Errorf("read the TFile header: %w", err)
	}
	if string(head) != bcfileMagic {
		return nil, ErrNotTFile
	}
	tail, err := readAt(r, size-trailerLen, trailerLen)
	if err != nil {
		return nil, fmt.Errorf("read the TFile trailer: %w", err)
	}
	if string(tail[12:]) != bcfileMagic {
		return nil, corrupt("no BCFile magic number at the end (the file may be incomplete, still being written)")
	}
	metaOff := int64(binary.BigEndian.Uint64(tail[:8]))
	major, minor := int16(binary.BigEndian.Uint16(tail[8:10])), int16(binary.BigEndian.Uint16(tail[10:12]))
	if major != bcfileMajor {
		return nil, corrupt("unsupported BCFile version %d.%d (want %d.x)", major, minor, bcfileMajor)
	}
	end := size - trailerLen
	if metaOff < magicLen || metaOff >= end {
		return nil, corrupt("meta index offset %d outside the file (%d bytes)", metaOff, size)
	}
	if end-metaOff > maxMetaBlock {
		return nil, corrupt("meta index of %d bytes is too large", end-metaOff)
	}
	idx, err := readAt(r, metaOff, int(end-metaOff))
	if err != nil {
		return nil, fmt.Errorf("read the TFile meta index: %w", err)
	}
	t := &tfile{r: r, size: size, metaEnd: metaOff}
	if t.meta, err = parseMetaIndex(idx, metaOff); err != nil {
		return nil, err
	}
	if err := t.readDataIndex(); err != nil {
		return nil, err
	}
	if err := t.readTFileMeta(); err != nil {
		return nil, err
	}
	return t, nil
}

// readAt reads exactly n bytes at off.
func readAt(r io.ReaderAt, off int64, n int) ([]byte, error) {
	buf := make([]byte, n)
	got, err := r.ReadAt(buf, off)
	if got == n {
		return buf, nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return nil, err
}

// parseMetaIndex decodes the meta index; every region must lie between the
// header magic and limit (the meta index's own offset).
func parseMetaIndex(b []byte, limit int64) (map[string]metaEntry, error) {
	br := bytes.NewReader(b)
	n, err := readVInt(br)
	if err != nil {
		return nil, corrupt("meta index: %v", err)
	}
	if n < 0 {
		return nil, corrupt("meta index: negative entry count %d", n)
	}
	out := make(map[string]metaEntry, min(int(n), 16))
	for i := int32(0); i < n; i++ {
		name, err := readString(br, maxMetaString)
		if err != nil {
			return nil, corrupt("meta index entry %d: name: %v", i, err)
		}
		short, ok := strings.CutPrefix(name, metaPrefix)
		if !ok {
			return nil, corrupt("meta index entry %d: name %q lacks the %q prefix", i, name, metaPrefix)
		}
		codec, err := readString(br, maxMetaString)
		if err != nil {
			return nil, corrupt("meta block %q: codec: %v", short, err)
		}
		reg, err := readRegion(br, limit)
		if err != nil {
			return nil, corrupt("meta block %q: %v", short, err)
		}
		out[short] = metaEntry{codec: codec, reg: reg}
	}
	return out, nil
}

// readRegion decodes a block region and checks it lies within [magic, limit).
func readRegion(br io.ByteReader, limit int64) (region, error) {
	var reg region
	var err error
	if reg.offset, err = readVLong(br); err != nil {
		return reg, fmt.Errorf("region offset: %w", err)
	}
	if reg.compressed, err = readVLong(br); err != nil {
		return reg, fmt.Errorf("region size: %w", err)
	}
	if reg.raw, err = readVLong(br); err != nil {
		return reg, fmt.Errorf("region raw size: %w", err)
	}
	if reg.offset < magicLen || reg.compressed < 0 || reg.raw < 0 ||
		reg.offset > limit || reg.compressed > limit-reg.offset {
		return reg, fmt.Errorf("region (offset %d, size %d, raw size %d) outside the data area [%d, %d)",
			reg.offset, reg.compressed, reg.raw, magicLen, limit)
	}
	return reg, nil
}

// metaBlock returns the raw content of the named meta block.
func (t *tfile) metaBlock(name string) ([]byte, error) {
	e, ok := t.meta[name]
	if !ok {
		return nil, corrupt("no %q meta block", name)
	}
	if e.reg.raw > maxMetaBlock {
		return nil, corrupt("meta block %q of %d bytes is too large", name, e.reg.raw)
	}
	rc, err := t.blockReader(e.codec, e.reg)
	if err != nil {
		return nil, fmt.Errorf("meta block %q: %w", name, err)
	}
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("meta block %q: %w", name, err)
	}
	return b, nil
}

// readDataIndex decodes the BCFile.index meta block: codec and data blocks.
func (t *tfile) readDataIndex() error {
	b, err := t.metaBlock(metaDataIndex)
	if err != nil {
		return err
	}
	br := bytes.NewReader(b)
	if t.codec, err = readString(br, maxMetaString); err != nil {
		return corrupt("data index: codec: %v", err)
	}
	if err := checkCodec(t.codec); err != nil {
		return err
	}
	n, err := readVInt(br)
	if err != nil {
		return corrupt("data index: block count: %v", err)
	}
	if n < 0 {
		return corrupt("data index: negative block count %d", n)
	}
	// Each region takes at least 3 bytes, which bounds a corrupt count.
	if int64(n) > int64(br.Len())/3 {
		return corrupt("data index: %d blocks do not fit in %d bytes", n, br.Len())
	}
	t.blocks = make([]region, 0, n)
	for i := int32(0); i < n; i++ {
		reg, err := readRegion(br, t.metaEnd)
		if err != nil {
			return corrupt("data block %d: %v", i, err)
		}
		t.blocks = append(t.blocks, reg)
	}
	return nil
}

// readTFileMeta decodes the TFile.meta meta block.
func (t *tfile) readTFileMeta() error {
	b, err := t.metaBlock(metaTFileMeta)
	if err != nil {
		return err
	}
	br := bytes.NewReader(b)
	var ver [4]byte
	if _, err := io.ReadFull(br, ver[:]); err != nil {
		return corrupt("TFile.meta: version: %v", err)
	}
	if major := int16(binary.BigEndian.Uint16(ver[:2])); major != tfileMajor {
		return corrupt("unsupported TFile version %d.%d (want %d.x)", major, int16(binary.BigEndian.Uint16(ver[2:])), tfileMajor)
	}
	if t.records, err = readVLong(br); err != nil {
		return corrupt("TFile.meta: record count: %v", err)
	}
	if t.records < 0 {
		return corrupt("TFile.meta: negative record count %d", t.records)
	}
	if t.comparator, err = readString(br, maxMetaString); err != nil {
		return corrupt("TFile.meta: comparator: %v", err)
	}
	return nil
}

// blockReader returns the decompressed content of a block, exactly reg.raw
// bytes (reading fails if the data decompresses to fewer; more is ignored
// only after an error is reported).
func (t *tfile) blockReader(codec string, reg region) (io.Reader, error) {
	if err := checkCodec(codec); err != nil {
		return nil, err
	}
	sec := io.NewSectionReader(t.r, reg.offset, reg.compressed)
	switch codec {
	case codecNone:
		if reg.raw != reg.compressed {
			return nil, corrupt("uncompressed block with raw size %d but stored size %d", reg.raw, reg.compressed)
		}
		return &exactReader{r: sec, left: reg.raw}, nil
	default: // gz
		return &exactReader{r: &zlibStreams{src: bufio.NewReader(sec)}, left: reg.raw}, nil
	}
}

// checkCodec accepts the compression names spindle decodes.
func checkCodec(codec string) error {
	switch codec {
	case codecNone, codecGz:
		return nil
	case "lzo", "snappy", "zstd", "lz4", "bzip2":
		return fmt.Errorf("TFile compression %q is not supported (spindle reads %q and %q; see yarn.nodemanager.log-aggregation.compression-type)", codec, codecNone, codecGz)
	}
	return corrupt("unknown compression %q", codec)
}

// exactReader yields exactly left bytes of r, failing with a corruption
// error if r ends early.
type exactReader struct {
	r    io.Reader
	left int64
	what string // what is read, for the error ("" = a block)
}

// Read reads up to the remaining count.
func (e *exactReader) Read(p []byte) (int, error) {
	if e.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if errors.Is(err, io.EOF) {
		if e.left > 0 {
			what := e.what
			if what == "" {
				what = "block"
			}
			return n, corrupt("%s ends %d bytes early", what, e.left)
		}
		err = nil
	}
	return n, err
}

// zlibStreams decompresses one or more concatenated zlib streams (Hadoop's
// "gz" TFile codec is DefaultCodec, i.e. zlib, and its decompressing stream
// continues with the next stream when one ends before the input does).
type zlibStreams struct {
	src *bufio.Reader
	z   io.ReadCloser
	err error
}

// Read decompresses, moving on to the next zlib stream at the end of one.
func (s *zlibStreams) Read(p []byte) (int, error) {
	for s.err == nil {
		if s.z == nil {
			if _, err := s.src.Peek(1); err != nil {
				s.err = io.EOF
				if !errors.Is(err, io.EOF) {
					s.err = err
				}
				break
			}
			z, err := zlib.NewReader(s.src)
			if err != nil {
				s.err = corrupt("gz block: %v", err)
				break
			}
			s.z = z
		}
		n, err := s.z.Read(p)
		if errors.Is(err, io.EOF) {
			s.z = nil
			err = nil
		}
		if err != nil {
			s.err = corrupt("gz block: %v", err)
		}
		if n > 0 || len(p) == 0 {
			return n, nil
		}
	}
	return 0, s.err
}

// record is one key/value pair of a TFile.
type record struct {
	key   []byte
	value *chunkReader
}

// scan calls fn for every record of every data block in order. fn may read
// the value or leave it; scan skips what it leaves.
func (t *tfile) scan(fn func(rec record) error) error {
	for i, reg := range t.blocks {
		raw, err := t.blockReader(t.codec, reg)
		if err != nil {
			return fmt.Errorf("data block %d: %w", i, err)
		}
		br := bufio.NewReaderSize(raw, 64<<10)
		for n := 0; ; n++ {
			if _, err := br.Peek(1); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return fmt.Errorf("data block %d: %w", i, err)
			}
			klen, err := readVInt(br)
			if err != nil {
				return fmt.Errorf("data block %d record %d: key length: %w", i, n, err)
			}
			if klen < 0 || klen > maxKeyLen {
				return corrupt("data block %d record %d: key length %d out of range", i, n, klen)
			}
			key := make([]byte, klen)
			if _, err := io.ReadFull(br, key); err != nil {
				return fmt.Errorf("data block %d record %d: key: %w", i, n, eofCorrupt(err))
			}
			v := &chunkReader{r: br}
			if err := fn(record{key: key, value: v}); err != nil {
				return err
			}
			if err := v.drain(); err != nil {
				return fmt.Errorf("data block %d record %d: value: %w", i, n, err)
			}
		}
	}
	return nil
}

// eofCorrupt turns an unexpected end of data into a corruption error.
func eofCorrupt(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return corrupt("data ends early")
	}
	return err
}

// chunkReader reads one chunk-encoded value.
type chunkReader struct {
	r      *bufio.Reader
	remain int64 // bytes left in the current chunk
	last   bool  // the current chunk is the last one
	err    error
}

// Read reads the value's bytes across chunks.
func (c *chunkReader) Read(p []byte) (int, error) {
	for c.remain == 0 {
		if err := c.next(); err != nil {
			return 0, err
		}
	}
	if int64(len(p)) > c.remain {
		p = p[:c.remain]
	}
	n, err := c.r.Read(p)
	c.remain -= int64(n)
	if err != nil && n == 0 {
		c.err = eofCorrupt(err)
		return 0, c.err
	}
	return n, nil
}

// next reads the next chunk's length; it returns io.EOF after the last
// chunk.
func (c *chunkReader) next() error {
	if c.err != nil {
		return c.err
	}
	if c.last {
		c.err = io.EOF
		return c.err
	}
	n, err := readVInt(c.r)
	if err != nil {
		c.err = eofCorrupt(err)
		return c.err
	}
	if n >= 0 {
		c.last = true
		c.remain = int64(n)
	} else {
		// Only the last chunk may be empty; -MinInt32 fits an int64.
		c.remain = -int64(n)
	}
	return nil
}

// drain skips the rest of the value.
func (c *chunkReader) drain() error {
	for {
		for c.remain > 0 {
			n, err := c.r.Discard(int(min(c.remain, math.MaxInt32)))
			c.remain -= int64(n)
			if err != nil {
				c.err = eofCorrupt(err)
				return c.err
			}
		}
		if err := c.next(); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// readVLong decodes TFile's variable-length integer (Utils.readVLong): a
// first byte FB >= -32 is the value itself; FB in [-72, -33] is followed by
// one byte, value (FB+52)<<8 | b; FB in [-104, -73] by two bytes, value
// (FB+88)<<16 | u16; FB in [-120, -105] by three, value (FB+112)<<24 | u24;
// FB in [-128, -121] by FB+129 bytes (4 to 8) holding the value as a signed
// big-endian integer.
func readVLong(r io.ByteReader) (int64, error) {
	b, err := r.ReadByte()
	if err != nil {
		return 0, eofCorrupt(err)
	}
	fb := int64(int8(b))
	var extra int
	switch {
	case fb >= -32:
		return fb, nil
	case fb >= -72:
		fb, extra = fb+52, 1
	case fb >= -104:
		fb, extra = fb+88, 2
	case fb >= -120:
		fb, extra = fb+112, 3
	default:
		n := int(fb + 129)
		if n < 4 {
			return 0, corrupt("VLong with %d-byte body", n)
		}
		first, err := r.ReadByte()
		if err != nil {
			return 0, eofCorrupt(err)
		}
		fb, extra = int64(int8(first)), n-1
	}
	v := fb
	for i := 0; i < extra; i++ {
		b, err := r.ReadByte()
		if err != nil {
			return 0, eofCorrupt(err)
		}
		v = v<<8 | int64(b)
	}
	return v, nil
}

// readVInt is readVLong restricted to the int32 range.
func readVInt(r io.ByteReader) (int32, error) {
	v, err := readVLong(r)
	if err != nil {
		return 0, err
	}
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, corrupt("VInt %d out of range", v)
	}
	return int32(v), nil
}

// byteReader is what the string readers need.
type byteReader interface {
	io.Reader
	io.ByteReader
}

// readString decodes a TFile string: VInt length (-1 for null, read as "")
// and that many bytes, at most limit.
func readString(r byteReader, limit int) (string, error) {
	n, err := readVInt(r)
	if err != nil {
		return "", err
	}
	if n == -1 {
		return "", nil
	}
	if n < 0 || int(n) > limit {
		return "", corrupt("string length %d out of range", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", eofCorrupt(err)
	}
	return string(b), nil
}
