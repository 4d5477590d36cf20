package logs

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"strconv"
)

// This file builds TFiles and aggregated log files for tests, following the
// format as tfile.go and aggregated.go describe it.

// putVLong appends n in TFile's variable-length encoding.
func putVLong(b *bytes.Buffer, n int64) {
	switch {
	case n >= -32 && n < 128:
		b.WriteByte(byte(n))
	case n >= -20<<8 && n < 20<<8:
		b.WriteByte(byte(n>>8 - 52))
		b.WriteByte(byte(n))
	case n >= -16<<16 && n < 16<<16:
		b.WriteByte(byte(n>>16 - 88))
		b.WriteByte(byte(n >> 8))
		b.WriteByte(byte(n))
	case n >= -8<<24 && n < 8<<24:
		b.WriteByte(byte(n>>24 - 112))
		b.WriteByte(byte(n >> 16))
		b.WriteByte(byte(n >> 8))
		b.WriteByte(byte(n))
	default:
		size := 4
		for size < 8 && (n < -(int64(1)<<(8*size-1)) || n >= int64(1)<<(8*size-1)) {
			size++
		}
		b.WriteByte(byte(size - 129))
		for i := size - 1; i >= 0; i-- {
			b.WriteByte(byte(n >> (8 * i)))
		}
	}
}

// putString appends a TFile string.
func putString(b *bytes.Buffer, s string) {
	putVLong(b, int64(len(s)))
	b.WriteString(s)
}

// putUTF appends a Java writeUTF string (ASCII only here).
func putUTF(b *bytes.Buffer, s string) {
	var l [2]byte
	binary.BigEndian.PutUint16(l[:], uint16(len(s)))
	b.Write(l[:])
	b.WriteString(s)
}

// kv is one TFile record.
type kv struct{ key, value []byte }

// tfBuilder describes how to lay out a TFile.
type tfBuilder struct {
	codec        string // "none" or "gz" ("" = none)
	blockRecords int    // records per data block (0 = all in one)
	chunk        int    // value chunk size (0 = one chunk per value)
	splitZlib    bool   // compress each gz block as two zlib streams
}

// region3 appends a block region.
func putRegion(b *bytes.Buffer, off, comp, raw int) {
	putVLong(b, int64(off))
	putVLong(b, int64(comp))
	putVLong(b, int64(raw))
}

// compress encodes a block with the builder's codec.
func (tb tfBuilder) compress(raw []byte) []byte {
	if tb.codec != codecGz {
		return raw
	}
	var out bytes.Buffer
	parts := [][]byte{raw}
	if tb.splitZlib && len(raw) > 1 {
		parts = [][]byte{raw[:len(raw)/2], raw[len(raw)/2:]}
	}
	for _, p := range parts {
		w := zlib.NewWriter(&out)
		w.Write(p)
		w.Close()
	}
	return out.Bytes()
}

// build lays out recs as a TFile.
func (tb tfBuilder) build(recs []kv) []byte {
	codec := tb.codec
	if codec == "" {
		codec = codecNone
	}
	var file bytes.Buffer
	file.WriteString(bcfileMagic)
	type blk struct{ off, comp, raw, n int }
	var blocks []blk
	var lastKeys [][]byte
	per := tb.blockRecords
	if per <= 0 {
		per = len(recs)
	}
	for start := 0; start < len(recs); start += per {
		end := min(start+per, len(recs))
		var raw bytes.Buffer
		for _, r := range recs[start:end] {
			putVLong(&raw, int64(len(r.key)))
			raw.Write(r.key)
			v := r.value
			if tb.chunk > 0 {
				for len(v) > tb.chunk {
					putVLong(&raw, -int64(tb.chunk))
					raw.Write(v[:tb.chunk])
					v = v[tb.chunk:]
				}
			}
			putVLong(&raw, int64(len(v)))
			raw.Write(v)
		}
		comp := tb.compress(raw.Bytes())
		blocks = append(blocks, blk{off: file.Len(), comp: len(comp), raw: raw.Len(), n: end - start})
		lastKeys = append(lastKeys, recs[end-1].key)
		file.Write(comp)
	}
	type meta struct {
		name, codec  string
		off, comp, n int
	}
	var metas []meta
	addMeta := func(name, codec string, raw []byte) {
		c := raw
		if codec == codecGz {
			c = tb.compress(raw)
		}
		metas = append(metas, meta{name, codec, file.Len(), len(c), len(raw)})
		file.Write(c)
	}
	// TFile.meta: version 1.0, record count, comparator ("" = unsorted).
	var tm bytes.Buffer
	tm.Write([]byte{0, 1, 0, 0})
	putVLong(&tm, int64(len(recs)))
	putString(&tm, "")
	addMeta(metaTFileMeta, codecNone, tm.Bytes())
	// TFile.index: first key, then per block its last key and record count.
	var ti bytes.Buffer
	if len(recs) == 0 {
		putVLong(&ti, 0)
	} else {
		var e bytes.Buffer
		putVLong(&e, int64(len(recs[0].key)))
		e.Write(recs[0].key)
		putVLong(&ti, int64(e.Len()))
		ti.Write(e.Bytes())
		for i, b := range blocks {
			e.Reset()
			putVLong(&e, int64(len(lastKeys[i])))
			e.Write(lastKeys[i])
			putVLong(&e, int64(b.n))
			putVLong(&ti, int64(e.Len()))
			ti.Write(e.Bytes())
		}
	}
	addMeta("TFile.index", codec, ti.Bytes())
	// BCFile.index: codec and data block regions.
	var di bytes.Buffer
	putString(&di, codec)
	putVLong(&di, int64(len(blocks)))
	for _, b := range blocks {
		putRegion(&di, b.off, b.comp, b.raw)
	}
	addMeta(metaDataIndex, codec, di.Bytes())
	// Meta index (in name order, as Hadoop's TreeMap keeps it) and trailer.
	metaOff := file.Len()
	var mi bytes.Buffer
	putVLong(&mi, int64(len(metas)))
	for _, name := range []string{metaDataIndex, "TFile.index", metaTFileMeta} {
		for _, m := range metas {
			if m.name == name {
				putString(&mi, metaPrefix+m.name)
				putString(&mi, m.codec)
				putRegion(&mi, m.off, m.comp, m.n)
			}
		}
	}
	file.Write(mi.Bytes())
	var tr [12]byte
	binary.BigEndian.PutUint64(tr[:8], uint64(metaOff))
	binary.BigEndian.PutUint16(tr[8:], 1)
	file.Write(tr[:])
	file.WriteString(bcfileMagic)
	return file.Bytes()
}

// logFileSpec is one container log file for aggLog.
type logFileSpec struct{ name, content string }

// containerSpec is one container's logs for aggLog.
type containerSpec struct {
	id    string
	files []logFileSpec
}

// aggLog builds the records of an aggregated log file.
func aggLog(owner string, containers ...containerSpec) []kv {
	key := func(s string) []byte {
		var b bytes.Buffer
		putUTF(&b, s)
		return b.Bytes()
	}
	var ver, own, acl bytes.Buffer
	ver.Write([]byte{0, 0, 0, 1})
	putUTF(&own, owner)
	putUTF(&acl, "VIEW_APP")
	putUTF(&acl, owner+" ")
	putUTF(&acl, "MODIFY_APP")
	putUTF(&acl, owner+" ")
	recs := []kv{{key(keyVersion), ver.Bytes()}, {key(keyACL), acl.Bytes()}, {key(keyOwner), own.Bytes()}}
	for _, c := range containers {
		var v bytes.Buffer
		for _, f := range c.files {
			putUTF(&v, f.name)
			putUTF(&v, strconv.Itoa(len(f.content)))
			v.WriteString(f.content)
		}
		recs = append(recs, kv{key(c.id), v.Bytes()})
	}
	return recs
}

// sampleContainers is a small application's logs.
func sampleContainers(app string) []containerSpec {
	c := func(n int) string { return fmt.Sprintf("container_%s_01_%06d", app, n) }
	return []containerSpec{
		{c(1), []logFileSpec{{"stderr", "driver starting\n"}, {"stdout", "driver says hello\n"}}},
		{c(2), []logFileSpec{{"prelaunch.err", ""}, {"stdout", "executor 1\n"}}},
		{c(3), []logFileSpec{{"stdout", "executor 2 without newline"}}},
	}
}
