package container

import (
	"encoding/json"
	"net/url"
	"path"
	"strings"
	"testing"
	"time"
)

func TestValidateKVKey(t *testing.T) {
	for _, k := range []string{
		"a", "driver/addr", "shuffle/3/done", "A-Z_0.9", "a.b", "...", ".a/..b/c..", "-", strings.Repeat("x", MaxKVKeyLen),
	} {
		if err := ValidateKVKey(k); err != nil {
			t.Errorf("ValidateKVKey(%q) = %v, want nil", k, err)
		}
	}
	for _, k := range []string{
		"", "/", "/a", "a/", "a//b", ".", "..", "a/./b", "a/../b", "./a", "a/..",
		"a b", "a?b", "a#b", "a%2Fb", "a\\b", "a:b", "café", "a\x00b", "a\nb",
		strings.Repeat("x", MaxKVKeyLen+1),
	} {
		if err := ValidateKVKey(k); err == nil {
			t.Errorf("ValidateKVKey(%q) = nil, want an error", k)
		}
	}
}

// FuzzValidateKVKey checks that every accepted key is short, survives a
// trip through a URL unchanged, and is not rewritten by path cleaning.
func FuzzValidateKVKey(f *testing.F) {
	for _, s := range []string{"a", "a/b", "a//b", "../x", "a/.", "x y", "%41", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if ValidateKVKey(key) != nil {
			return
		}
		if len(key) == 0 || len(key) > MaxKVKeyLen {
			t.Fatalf("accepted key of %d bytes", len(key))
		}
		p := "/api/v1/kv/" + key
		if path.Clean(p) != p {
			t.Fatalf("accepted key %q is changed by path cleaning to %q", key, path.Clean(p))
		}
		u, err := url.Parse("http://am:1" + p)
		if err != nil || u.Path != p || u.RawQuery != "" || u.Fragment != "" {
			t.Fatalf("accepted key %q does not survive a URL: %v %+v", key, err, u)
		}
	})
}

func TestWireJSON(t *testing.T) {
	b, err := json.Marshal(AppInfo{ID: "app", Name: "n", Mode: "cluster", State: "running", TargetExecutors: 4})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "name", "mode", "state", "numExecutors", "diagnostics"} {
		if _, ok := m[k]; !ok {
			t.Errorf("AppInfo JSON %s lacks %q", b, k)
		}
	}

	b, err = json.Marshal(ExecutorInfo{ID: "1", State: ExecutorRequested})
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	if strings.Contains(got, "startedAt") || strings.Contains(got, "finishedAt") || !strings.Contains(got, `"exitStatus":null`) {
		t.Errorf("fresh ExecutorInfo JSON = %s", got)
	}
	code := 137
	in := ExecutorInfo{ID: "1", Host: "h", State: ExecutorKilled, ContainerID: "c", LogURL: "http://h/logs", ExitStatus: &code,
		Diagnostics: "d", StartedAt: time.Unix(1, 0).UTC(), FinishedAt: time.Unix(2, 0).UTC()}
	b, _ = json.Marshal(in)
	var out ExecutorInfo
	if err := json.Unmarshal(b, &out); err != nil || out.ExitStatus == nil || *out.ExitStatus != 137 || !out.FinishedAt.Equal(in.FinishedAt) || out.ContainerID != "c" {
		t.Errorf("round trip of %s = %+v, %v", b, out, err)
	}
	for _, k := range []string{`"containerId"`, `"logUrl"`, `"exitStatus"`, `"startedAt"`, `"finishedAt"`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("ExecutorInfo JSON %s lacks %s", b, k)
		}
	}

	b, _ = json.Marshal(ScaleRequest{Executors: 3})
	if string(b) != `{"executors":3}` {
		t.Errorf("ScaleRequest JSON = %s", b)
	}
	b, _ = json.Marshal(DriverFinish{ExitCode: 1, Diagnostics: "x"})
	if string(b) != `{"exitCode":1,"diagnostics":"x"}` {
		t.Errorf("DriverFinish JSON = %s", b)
	}
}
