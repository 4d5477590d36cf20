package staging

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spindle-yarn/spindle/internal/spec"
)

// archiveBytes returns a valid archive of the kind name's extension says,
// holding one file with data.
func archiveBytes(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	n := strings.ToLower(name)
	if strings.HasSuffix(n, ".zip") || strings.HasSuffix(n, ".jar") {
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("data")
		w.Write(data)
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	tw.WriteHeader(&tar.Header{Name: "data", Mode: 0o644, Size: int64(len(data))})
	tw.Write(data)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(n, ".tar") {
		return tarBuf.Bytes()
	}
	gz := gzip.NewWriter(&buf)
	gz.Write(tarBuf.Bytes())
	gz.Close()
	return buf.Bytes()
}

func TestCheckArchive(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.zip", "a.jar", "a.tar", "a.tar.gz", "a.TGZ"} {
		p := filepath.Join(dir, n)
		os.WriteFile(p, archiveBytes(t, n, []byte("x")), 0o644)
		if err := CheckArchive(p); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	for n, want := range map[string]string{"b.zip": "not a valid zip", "b.jar": "not a valid zip", "b.tar": "not a valid tar",
		"b.tgz": "not a valid gzip-compressed tar", "b.tar.gz": "not a valid gzip-compressed tar"} {
		p := filepath.Join(dir, n)
		os.WriteFile(p, bytes.Repeat([]byte("garbage!"), 200), 0o644)
		if err := CheckArchive(p); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", n, err, want)
		}
	}
	// A gzip file that holds no tar.
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	gz.Write([]byte("just text, not a tar"))
	gz.Close()
	p := filepath.Join(dir, "c.tgz")
	os.WriteFile(p, buf.Bytes(), 0o644)
	if err := CheckArchive(p); err == nil {
		t.Error("gzip without tar accepted")
	}
}

// TestPlanStagedNames: files are staged under their own name, made safe and
// distinct, whatever their link names; archives keep their extension.
func TestPlanStagedNames(t *testing.T) {
	src := t.TempDir()
	items := []Item{
		{Source: writeFile(t, src, "x.tgz", 3) + "#alias", Type: spec.TypeArchive},
		{Source: writeFile(t, src, "d1/a b$(c).txt", 3) + "#a b (c).txt"},
		{Source: writeFile(t, src, "d2/a b$(c).txt", 3) + "#other"},
		{Source: writeFile(t, src, "spindle-spec.json", 3) + "#s"},
	}
	var s Stager
	plan, err := s.Plan(items)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range plan.Items {
		got = append(got, it.Name+"="+it.StagedName)
	}
	want := "alias=x.tgz|a b (c).txt=a_b__c_.txt|other=1-a_b__c_.txt|s=1-spindle-spec.json"
	if strings.Join(got, "|") != want {
		t.Errorf("names %q, want %q", strings.Join(got, "|"), want)
	}
	if _, err := s.Plan([]Item{{Source: writeFile(t, src, "e.txt", 1) + "#$(touch x)"}}); err == nil || !strings.Contains(err.Error(), "#alias") {
		t.Errorf("unsafe link name: %v", err)
	}
	if _, err := s.Plan([]Item{{Source: "hdfs://ns/data/a$b.txt#ok"}}); err == nil || !strings.Contains(err.Error(), "rename") {
		t.Errorf("unsafe cluster file name: %v", err)
	}
	bad := filepath.Join(src, "bad.zip")
	os.WriteFile(bad, []byte("not a zip"), 0o644)
	if _, err := s.Plan([]Item{{Source: bad, Type: spec.TypeArchive}}); err == nil || !strings.Contains(err.Error(), "not a valid zip") {
		t.Errorf("invalid archive: %v", err)
	}
}
