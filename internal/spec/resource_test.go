package spec

import "testing"

func TestSplitURL(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want URLParts
	}{
		{"hdfs://nn:8020/p", URLParts{Scheme: "hdfs", Host: "nn", Port: 8020, File: "/p"}},
		{"hdfs://ns/p", URLParts{Scheme: "hdfs", Host: "ns", Port: -1, File: "/p"}},
		{"file:///home/a/x.zip", URLParts{Scheme: "file", Port: -1, File: "/home/a/x.zip"}},
		{"hdfs://ns/a%20b#frag", URLParts{Scheme: "hdfs", Host: "ns", Port: -1, File: "/a b#frag"}},
		{"hdfs://[::1]:9000/p", URLParts{Scheme: "hdfs", Host: "[::1]", Port: 9000, File: "/p"}},
		{"hdfs://u@nn/p", URLParts{Scheme: "hdfs", Host: "nn", Port: -1, File: "/p", UserInfo: "u"}},
	} {
		got, err := SplitURL(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("SplitURL(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "/no/scheme", "hdfs:relative", "hdfs://nn", "hdfs://nn:99999/p"} {
		if _, err := SplitURL(bad); err == nil {
			t.Errorf("SplitURL(%q): no error", bad)
		}
	}
}

func TestResourceValidate(t *testing.T) {
	ok := Resource{Name: "x", URL: "hdfs://ns/x", Size: 1, Timestamp: 2, Type: TypeFile, Visibility: VisibilityApplication}
	if err := ok.Validate(); err != nil {
		t.Error(err)
	}
	for _, mod := range []func(*Resource){
		func(r *Resource) { r.Name = "a/b" },
		func(r *Resource) { r.Name = ".." },
		func(r *Resource) { r.Type = "pattern" },
		func(r *Resource) { r.Visibility = "" },
		func(r *Resource) { r.URL = "/x" },
		func(r *Resource) { r.Size = -1 },
	} {
		r := ok
		mod(&r)
		if err := r.Validate(); err == nil {
			t.Errorf("%+v: no error", r)
		}
	}
}
