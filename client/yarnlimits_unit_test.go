package client

import (
	"strings"
	"testing"
)

func TestTagsCheckedBeforeSubmission(t *testing.T) {
	for _, tc := range []struct {
		tags, want string
	}{
		{strings.Repeat("t", 101), "YARN allows at most 100"},
		{"a,b,c,d,e,f,g,h,i,j,k", "11 tags: YARN allows at most 10"},
		{"café", "non-ASCII"},
	} {
		_, err := ResolveOptions(map[string]string{KeyMaster: "yarn", KeyTags: tc.tags}, "app", nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), KeyTags) {
			t.Errorf("tags %.30q: %v; want an error naming %s and saying %q", tc.tags, err, KeyTags, tc.want)
		}
	}
	if _, err := ResolveOptions(map[string]string{KeyMaster: "yarn", KeyTags: strings.Repeat("t", 100) + ",b"}, "app", nil); err != nil {
		t.Errorf("a 100-character tag: %v", err)
	}
}

func TestStagingDirLocation(t *testing.T) {
	for _, tc := range []struct {
		in, fs, dir string
		ok          bool
	}{
		{"/tmp/staging", "", "/tmp/staging", true},
		{"hdfs:///tmp/staging", "", "/tmp/staging", true},
		{"hdfs://127.0.0.1:18020/tmp/st", "hdfs://127.0.0.1:18020/", "/tmp/st", true},
		{"relative/dir", "", "", false},
		{"hdfs://nn:8020", "", "", false},
	} {
		u, dir, ok := stagingLocation(tc.in)
		fs := ""
		if u != nil {
			fs = u.String()
		}
		if ok != tc.ok || ok && (fs != tc.fs || dir != tc.dir) {
			t.Errorf("stagingLocation(%q) = %q, %q, %v; want %q, %q, %v", tc.in, fs, dir, ok, tc.fs, tc.dir, tc.ok)
		}
	}
	_, err := ResolveOptions(map[string]string{KeyMaster: "yarn", KeyStagingDir: "relative/dir"}, "app", nil)
	if err == nil || !strings.Contains(err.Error(), KeyStagingDir) || !strings.Contains(err.Error(), "absolute path") {
		t.Errorf("a relative staging directory: %v", err)
	}
}
