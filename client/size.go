package client

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseMemoryMB parses a memory size as spark-submit does: a number with an optional
// unit suffix k, m, g, t (or kb, mb, gb, tb; any case). A bare number means MiB.
// The result is in MiB, rounded up.
func ParseMemoryMB(s string) (int64, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	if v == "" {
		return 0, fmt.Errorf("empty memory size")
	}
	unit := int64(1 << 20) // bytes per unit; bare numbers are MiB
	for _, u := range []struct {
		suffix string
		bytes  int64
	}{{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"tb", 1 << 40},
		{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"t", 1 << 40}} {
		if strings.HasSuffix(v, u.suffix) {
			v, unit = strings.TrimSpace(strings.TrimSuffix(v, u.suffix)), u.bytes
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("memory size %q: want a positive whole number with an optional unit, such as 512m, 2g or 1024 (MiB)", s)
	}
	if n > (1<<62)/unit {
		return 0, fmt.Errorf("memory size %q is too large", s)
	}
	bytes := n * unit
	return (bytes + (1<<20 - 1)) >> 20, nil
}
