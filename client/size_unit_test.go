package client

import (
	"strings"
	"testing"
)

func TestParseMemoryMB(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"512m", 512},
		{"512M", 512},
		{"512mb", 512},
		{"512MB", 512},
		{"2g", 2048},
		{"2G", 2048},
		{"2gb", 2048},
		{"2 G", 2048},
		{" 3g ", 3072},
		{"1024", 1024},
		{"1", 1},
		{"1536k", 2}, // 1.5 MiB rounds up
		{"1024k", 1},
		{"1025kb", 2},
		{"1k", 1},
		{"1t", 1 << 20},
		{"1TB", 1 << 20},
	} {
		got, err := ParseMemoryMB(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseMemoryMB(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestParseMemoryMBErrors(t *testing.T) {
	for _, tc := range []struct{ in, msg string }{
		{"", "empty"},
		{"   ", "empty"},
		{"0", "positive whole number"},
		{"0g", "positive whole number"},
		{"-1", "positive whole number"},
		{"-1g", "positive whole number"},
		{"abc", "positive whole number"},
		{"1.5g", "positive whole number"},
		{"g", "positive whole number"},
		{"12x", "positive whole number"},
		{"99999999999999999999", "positive whole number"}, // beyond int64
		{"9999999999999t", "too large"},
		{"4611686018427387904", "too large"}, // 2^62 MiB
		{"4398046511105m", "too large"},      // one MiB over 2^62 bytes
	} {
		got, err := ParseMemoryMB(tc.in)
		if err == nil {
			t.Errorf("ParseMemoryMB(%q) = %d, want an error", tc.in, got)
			continue
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("ParseMemoryMB(%q): error %q does not contain %q", tc.in, err, tc.msg)
		}
	}
	// The limit is exact: 2^62 bytes is still accepted.
	if got, err := ParseMemoryMB("4194304t"); err != nil || got != 1<<42 {
		t.Errorf("ParseMemoryMB(4194304t) = %d, %v; want %d", got, err, int64(1)<<42)
	}
}
