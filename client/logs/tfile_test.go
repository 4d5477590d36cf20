package logs

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"strings"
	"testing"
)

// realLog is an aggregated log file written by the test cluster's Hadoop
// 3.2.2 NodeManager for a run of examples/pi with two executors (TFile,
// compression none).
const realLog = "testdata/application_1795211786074_0015_localhost_18045.tfile"

// readAll collects every log file of an aggregated log as
// "container/name" -> content.
func readAll(t testing.TB, data []byte) (map[string]string, []string, *AggregatedInfo, error) {
	t.Helper()
	got := map[string]string{}
	var order []string
	info, err := ReadAggregated(bytes.NewReader(data), int64(len(data)), func(lf *LogFile) error {
		b, err := io.ReadAll(lf.Content)
		if err != nil {
			return err
		}
		if int64(len(b)) != lf.Length {
			t.Errorf("%s/%s: read %d bytes, length says %d", lf.Container, lf.Name, len(b), lf.Length)
		}
		k := lf.Container + "/" + lf.Name
		got[k] = string(b)
		order = append(order, k)
		return nil
	})
	return got, order, info, err
}

func TestReadRealAggregatedLog(t *testing.T) {
	data, err := os.ReadFile(realLog)
	if err != nil {
		t.Fatal(err)
	}
	got, order, info, err := readAll(t, data)
	if err != nil {
		t.Fatalf("ReadAggregated: %v", err)
	}
	if info.Version != 1 || info.Owner != "root" || info.Compression != "none" {
		t.Errorf("info = %+v", info)
	}
	const driver = "container_1795211786074_0015_01_000001"
	if out := got[driver+"/stdout"]; !strings.Contains(out, "Pi is roughly 3.154000 (2000 samples from 2 executors)") {
		t.Errorf("driver stdout = %q", out)
	}
	if out := got["container_1795211786074_0015_01_000002/stdout"]; out != "executor 1: 783 of 1000 inside\n" {
		t.Errorf("executor 1 stdout = %q", out)
	}
	if !strings.HasPrefix(got[driver+"/launch_container.sh"], "#!/bin/bash") {
		t.Errorf("launch_container.sh = %.40q", got[driver+"/launch_container.sh"])
	}
	if len(order) != 18 || order[0] != "container_1795211786074_0015_01_000003/directory.info" {
		t.Errorf("order = %v", order)
	}
}

func TestReadRealAggregatedLogStopAndSkip(t *testing.T) {
	data, err := os.ReadFile(realLog)
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("enough")
	n := 0
	_, err = ReadAggregated(bytes.NewReader(data), int64(len(data)), func(lf *LogFile) error {
		n++
		if lf.Name == "stdout" {
			return stop
		}
		return nil // content left unread: skipped
	})
	if err != stop || n != 6 {
		t.Fatalf("err = %v after %d files, want the callback's error after 6", err, n)
	}
}

func TestBuiltTFiles(t *testing.T) {
	app := "1700000000000_0007"
	want := map[string]string{}
	for _, c := range sampleContainers(app) {
		for _, f := range c.files {
			want[c.id+"/"+f.name] = f.content
		}
	}
	big := strings.Repeat("0123456789abcdef", 5000) // 80000 bytes, spans chunks
	bigID := "container_" + app + "_01_000004"
	want[bigID+"/stdout"] = big
	recs := aggLog("alice", append(sampleContainers(app), containerSpec{bigID, []logFileSpec{{"stdout", big}}})...)
	for name, tb := range map[string]tfBuilder{
		"none":              {},
		"none blocks":       {blockRecords: 2},
		"none chunks":       {chunk: 7},
		"gz":                {codec: codecGz},
		"gz blocks chunks":  {codec: codecGz, blockRecords: 1, chunk: 1000},
		"gz split streams":  {codec: codecGz, blockRecords: 3, splitZlib: true},
		"gz one-byte chunk": {codec: codecGz, chunk: 1},
	} {
		t.Run(name, func(t *testing.T) {
			data := tb.build(recs)
			got, _, info, err := readAll(t, data)
			if err != nil {
				t.Fatalf("ReadAggregated: %v", err)
			}
			if info.Owner != "alice" || info.Version != 1 || info.ACLs["VIEW_APP"] != "alice " {
				t.Errorf("info = %+v", info)
			}
			if len(got) != len(want) {
				t.Errorf("got %d files, want %d", len(got), len(want))
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s = %.30q..., want %.30q...", k, got[k], v)
				}
			}
		})
	}
}

func TestEmptyTFile(t *testing.T) {
	data := tfBuilder{}.build(nil)
	got, _, info, err := readAll(t, data)
	if err != nil || len(got) != 0 || info.Owner != "" {
		t.Fatalf("got %v, %+v, %v", got, info, err)
	}
}

func TestVLong(t *testing.T) {
	cases := []struct {
		n   int64
		enc []byte
	}{
		{0, []byte{0}},
		{-32, []byte{0xe0}},
		{127, []byte{0x7f}},
		{128, []byte{0xcc, 0x80}},  // 128>>8 - 52 = -52
		{-33, []byte{0xcb, 0xdf}},  // -1 - 52 = -53
		{5119, []byte{0xdf, 0xff}}, // 19 - 52
		{5120, []byte{0xa8, 0x14, 0x00}},
		{7541, []byte{0xa8, 0x1d, 0x75}},          // seen in the real file
		{1 << 20, []byte{0x90, 0x10, 0x00, 0x00}}, // 0 - 112
		{1<<27 - 1, []byte{0x97, 0xff, 0xff, 0xff}},
		{1 << 27, []byte{0x83, 0x08, 0x00, 0x00, 0x00}},
		{-1 << 27, []byte{0x88, 0x00, 0x00, 0x00}},
		{math.MaxInt32, []byte{0x83, 0x7f, 0xff, 0xff, 0xff}},
		{math.MinInt32, []byte{0x83, 0x80, 0x00, 0x00, 0x00}},
		{1 << 40, []byte{0x85, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00}}, // 6 bytes: 6 - 129
		{math.MaxInt64, []byte{0x87, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{math.MinInt64, []byte{0x87, 0x80, 0, 0, 0, 0, 0, 0, 0}},
	}
	for _, c := range cases {
		var b bytes.Buffer
		putVLong(&b, c.n)
		if !bytes.Equal(b.Bytes(), c.enc) {
			t.Errorf("encode %d = % x, want % x", c.n, b.Bytes(), c.enc)
		}
		got, err := readVLong(bytes.NewReader(c.enc))
		if err != nil || got != c.n {
			t.Errorf("decode % x = %d, %v; want %d", c.enc, got, err, c.n)
		}
	}
	for _, bad := range [][]byte{{}, {0x80}, {0x81, 1, 2}, {0x82, 1, 2, 3}, {0xcc}, {0x83, 1, 2}} {
		if v, err := readVLong(bytes.NewReader(bad)); err == nil {
			t.Errorf("decode % x = %d, want an error", bad, v)
		}
	}
	if _, err := readVInt(bytes.NewReader([]byte{0x84, 1, 0, 0, 0, 0})); err == nil {
		t.Error("readVInt accepted a value beyond int32")
	}
	// Round trips over the encoding's boundaries.
	for _, base := range []int64{0, 1 << 7, 20 << 8, 16 << 16, 8 << 24, 1 << 31, 1 << 39, 1 << 47, 1 << 55} {
		for _, n := range []int64{base - 1, base, base + 1, -base - 1, -base, -base + 1} {
			var b bytes.Buffer
			putVLong(&b, n)
			if got, err := readVLong(bytes.NewReader(b.Bytes())); err != nil || got != n {
				t.Errorf("round trip %d: % x -> %d, %v", n, b.Bytes(), got, err)
			}
		}
	}
}

func TestModifiedUTF8(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                    "plain",
		"\xc0\x80":                 "\x00",
		"caf\xc3\xa9":              "café",
		"\xed\xa0\xbd\xed\xb8\x80": "😀", // surrogate pair, 3 bytes each
		"\xe2\x82\xac":             "€",
	} {
		got, err := decodeModifiedUTF8([]byte(in))
		if err != nil || got != want {
			t.Errorf("decode %q = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"\x00", "\xc3", "\xe2\x82", "\xff"} {
		if got, err := decodeModifiedUTF8([]byte(bad)); err == nil {
			t.Errorf("decode %q = %q, want an error", bad, got)
		}
	}
}

// expectError checks that reading data fails (without panicking) and that
// the message mentions want.
func expectError(t *testing.T, name string, data []byte, want string) {
	t.Helper()
	_, _, _, err := readAll(t, data)
	if err == nil {
		t.Errorf("%s: no error", name)
		return
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("%s: error %q does not mention %q", name, err, want)
	}
}

func TestMalformedTFiles(t *testing.T) {
	good := tfBuilder{codec: codecGz, blockRecords: 2}.build(aggLog("bob", sampleContainers("1_0001")...))
	if _, _, _, err := readAll(t, good); err != nil {
		t.Fatal(err)
	}
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	trailer := len(good) - trailerLen
	metaOff := int(binary.BigEndian.Uint64(good[trailer:]))

	expectError(t, "empty", nil, "too short")
	expectError(t, "not a tfile", []byte(strings.Repeat("hello world! ", 10)), "not a TFile")
	expectError(t, "truncated tail", good[:len(good)-1], "no BCFile magic number at the end")
	expectError(t, "bcfile version", mod(func(b []byte) []byte { b[trailer+8] = 2; return b }), "unsupported BCFile version")
	expectError(t, "meta offset past end", mod(func(b []byte) []byte {
		binary.BigEndian.PutUint64(b[trailer:], uint64(len(b)))
		return b
	}), "meta index offset")
	expectError(t, "meta offset negative", mod(func(b []byte) []byte {
		binary.BigEndian.PutUint64(b[trailer:], 1<<63)
		return b
	}), "meta index offset")
	expectError(t, "meta count huge", mod(func(b []byte) []byte { b[metaOff] = 0x7f; return b }), "corrupt TFile")
	expectError(t, "meta name prefix", mod(func(b []byte) []byte { b[metaOff+2] = 'X'; return b }), "lacks the \"data:\" prefix")

	// A file whose data index claims a region past the meta index.
	var di bytes.Buffer
	putString(&di, codecNone)
	putVLong(&di, 1)
	putRegion(&di, 16, 1<<40, 1<<40)
	expectError(t, "data region out of range", withMeta(t, metaDataIndex, di.Bytes()), "outside the data area")
	di.Reset()
	putString(&di, codecNone)
	putVLong(&di, math.MaxInt32)
	expectError(t, "block count huge", withMeta(t, metaDataIndex, di.Bytes()), "do not fit")
	di.Reset()
	putString(&di, "lzo")
	putVLong(&di, 0)
	expectError(t, "lzo", withMeta(t, metaDataIndex, di.Bytes()), "not supported")

	// TFile.meta with a wrong version.
	expectError(t, "tfile version", withMeta(t, metaTFileMeta, []byte{0, 2, 0, 0, 0, 0}), "unsupported TFile version")

	// Records that lie about their lengths.
	rec := func(raw []byte) []byte { return rawBlockFile(raw) }
	var r bytes.Buffer
	putVLong(&r, 70000)
	expectError(t, "key too long", rec(r.Bytes()), "key length 70000 out of range")
	r.Reset()
	putVLong(&r, 5)
	r.WriteString("ab")
	expectError(t, "key truncated", rec(r.Bytes()), "data ends early")
	r.Reset()
	putVLong(&r, 9)
	putUTF(&r, "VERSION")
	putVLong(&r, 1000)
	r.WriteString("xx")
	expectError(t, "chunk past block", rec(r.Bytes()), "data ends early")
	r.Reset()
	putVLong(&r, 5)
	putUTF(&r, "abc")
	putVLong(&r, -3)
	r.WriteString("xyz")
	expectError(t, "missing last chunk", rec(r.Bytes()), "data ends early")
	r.Reset()
	putVLong(&r, 4)
	putUTF(&r, "abcdef")
	expectError(t, "key utf length", rec(r.Bytes()), "record key says")
	// A container value whose length field is not a number, or too long.
	for name, v := range map[string][]byte{
		"length not a number": append(append(utf("stdout"), utf("12x")...), "x"...),
		"length past value":   append(append(utf("stdout"), utf("100")...), "short"...),
		"length past value 2": append(append(utf("stdout"), utf("3")...), "toolong"...),
		"name truncated":      {0, 9, 's'},
	} {
		var b bytes.Buffer
		id := utf("container_1_0001_01_000001")
		putVLong(&b, int64(len(id)))
		b.Write(id)
		putVLong(&b, int64(len(v)))
		b.Write(v)
		expectError(t, name, rec(b.Bytes()), "container_1_0001_01_000001")
	}
}

// utf encodes a writeUTF string.
func utf(s string) []byte {
	var b bytes.Buffer
	putUTF(&b, s)
	return b.Bytes()
}

// rawBlockFile builds a TFile (codec none) whose single data block is raw.
func rawBlockFile(raw []byte) []byte {
	var file bytes.Buffer
	file.WriteString(bcfileMagic)
	file.Write(raw)
	var di bytes.Buffer
	putString(&di, codecNone)
	putVLong(&di, 1)
	putRegion(&di, magicLen, len(raw), len(raw))
	return appendMetas(file, map[string][]byte{metaDataIndex: di.Bytes(), metaTFileMeta: {0, 1, 0, 0, 1, 0}})
}

// withMeta builds a record-less TFile whose named meta block is replaced.
func withMeta(t *testing.T, name string, content []byte) []byte {
	t.Helper()
	var di bytes.Buffer
	putString(&di, codecNone)
	putVLong(&di, 0)
	metas := map[string][]byte{metaDataIndex: di.Bytes(), metaTFileMeta: {0, 1, 0, 0, 0, 0}}
	metas[name] = content
	var file bytes.Buffer
	file.WriteString(bcfileMagic)
	return appendMetas(file, metas)
}

// appendMetas writes meta blocks (codec none), the meta index and the
// trailer after file's content.
func appendMetas(file bytes.Buffer, metas map[string][]byte) []byte {
	type at struct{ off, n int }
	where := map[string]at{}
	for _, name := range []string{metaDataIndex, metaTFileMeta} {
		if c, ok := metas[name]; ok {
			where[name] = at{file.Len(), len(c)}
			file.Write(c)
		}
	}
	metaOff := file.Len()
	var mi bytes.Buffer
	putVLong(&mi, int64(len(where)))
	for _, name := range []string{metaDataIndex, metaTFileMeta} {
		if w, ok := where[name]; ok {
			putString(&mi, metaPrefix+name)
			putString(&mi, codecNone)
			putRegion(&mi, w.off, w.n, w.n)
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

func TestTruncatedRealFile(t *testing.T) {
	data, err := os.ReadFile(realLog)
	if err != nil {
		t.Fatal(err)
	}
	// Every proper prefix fails cleanly (the trailer is gone).
	for n := 0; n < len(data); n += 97 {
		if _, _, _, err := readAll(t, data[:n]); err == nil {
			t.Fatalf("prefix of %d bytes: no error", n)
		}
	}
	// Flipping bytes anywhere never panics.
	for i := 0; i < len(data); i += 13 {
		b := append([]byte(nil), data...)
		b[i] ^= 0xa5
		readAll(t, b)
	}
}

func TestDetectFormat(t *testing.T) {
	app := "application_1795211786074_0015"
	data, err := os.ReadFile(realLog)
	if err != nil {
		t.Fatal(err)
	}
	if f, err := DetectFormat(bytes.NewReader(data), int64(len(data)), app); err != nil || f != FormatTFile {
		t.Errorf("real file: %v, %v", f, err)
	}
	sum := sha256.Sum256([]byte(app))
	indexed := append(sum[:], "some indexed format content"...)
	if f, err := DetectFormat(bytes.NewReader(indexed), int64(len(indexed)), app); err != nil || f != FormatIndexed {
		t.Errorf("indexed file: %v, %v", f, err)
	}
	if f, _ := DetectFormat(bytes.NewReader(indexed), int64(len(indexed)), "application_1_0002"); f != FormatUnknown {
		t.Errorf("indexed file of another app: %v", f)
	}
	if f, err := DetectFormat(bytes.NewReader(nil), 0, app); err != nil || f != FormatUnknown {
		t.Errorf("empty file: %v, %v", f, err)
	}
	if FormatIndexed.String() != "IndexedFormat" || FormatTFile.String() != "TFile" || FormatUnknown.String() != "unknown" {
		t.Error("Format.String")
	}
}

func FuzzReadAggregated(f *testing.F) {
	if data, err := os.ReadFile(realLog); err == nil {
		f.Add(data)
	}
	recs := aggLog("carol", sampleContainers("1_0001")...)
	f.Add(tfBuilder{}.build(recs))
	f.Add(tfBuilder{codec: codecGz, blockRecords: 2, chunk: 5}.build(recs))
	f.Add(tfBuilder{codec: codecGz, splitZlib: true}.build(recs))
	f.Add(tfBuilder{}.build(nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		var total int64
		ReadAggregated(bytes.NewReader(data), int64(len(data)), func(lf *LogFile) error {
			n, _ := io.Copy(io.Discard, io.LimitReader(lf.Content, 1<<20))
			total += n
			if total > 64<<20 {
				return errors.New("too much output for a fuzz input")
			}
			return nil
		})
	})
}

// FuzzRecords fuzzes the content of a data block (records, chunked values and
// the aggregated log format inside), which random changes to a whole file
// rarely reach past the TFile's indexes.
func FuzzRecords(f *testing.F) {
	recs := aggLog("dave", sampleContainers("1_0001")...)
	for _, tb := range []tfBuilder{{}, {chunk: 3}} {
		data := tb.build(recs)
		// The single data block lies right after the magic number; its
		// length is in the data index, but the records end where the
		// first meta block (TFile.meta, 6 bytes + record count) begins.
		t, err := openTFile(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			f.Fatal(err)
		}
		b := t.blocks[0]
		f.Add(data[b.offset : b.offset+b.compressed])
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, block []byte) {
		data := rawBlockFile(block)
		ReadAggregated(bytes.NewReader(data), int64(len(data)), func(lf *LogFile) error {
			_, err := io.Copy(io.Discard, lf.Content)
			return err
		})
	})
}

func TestCorruptErrorsSayItOnce(t *testing.T) {
	data := tfBuilder{}.build(aggLog("erin", sampleContainers("1_0001")...))
	metaOff := int(binary.BigEndian.Uint64(data[len(data)-trailerLen:]))
	data[metaOff+1] = 0x7f // first meta name: length far past the index
	_, err := ReadAggregated(bytes.NewReader(data), int64(len(data)), func(*LogFile) error { return nil })
	if !errors.Is(err, ErrCorrupt) || strings.Count(err.Error(), "corrupt TFile") != 1 {
		t.Errorf("err = %v", err)
	}
}
