package hadoopconf

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestGetInt(t *testing.T) {
	c := NewDefault(hermetic(nil))
	c.Set("dec", " 42 ")
	c.Set("neg", "-7")
	c.Set("hex", "0x1F")
	c.Set("neghex", "-0X10")
	c.Set("octal.looking", "010")
	c.Set("blank", "  ")
	c.Set("bad", "12abc")
	c.Set("ref", "${dec}")
	c.Set("big", "9223372036854775807")
	tests := []struct {
		key     string
		want    int64
		wantErr bool
	}{
		{"dec", 42, false}, {"neg", -7, false}, {"hex", 31, false}, {"neghex", -16, false},
		{"octal.looking", 10, false}, {"blank", 99, false}, {"unset", 99, false},
		{"bad", 99, true}, {"ref", 42, false}, {"big", 9223372036854775807, false},
	}
	for _, tt := range tests {
		got, err := c.GetInt64(tt.key, 99)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("GetInt64(%q) = %d, %v; want %d, err %v", tt.key, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), tt.key) {
			t.Errorf("error %q does not name the key", err)
		}
	}
	if n, err := c.GetInt("yarn.resourcemanager.am.max-attempts", 0); n != 2 || err != nil {
		t.Errorf("GetInt(am.max-attempts) = %d, %v", n, err)
	}
}

func TestGetBool(t *testing.T) {
	c := NewDefault(hermetic(nil))
	c.Set("t", " TRUE ")
	c.Set("f", "false")
	c.Set("bad", "yes")
	for _, tt := range []struct {
		key     string
		def     bool
		want    bool
		wantErr bool
	}{
		{"t", false, true, false}, {"f", true, false, false}, {"unset", true, true, false}, {"bad", true, true, true},
	} {
		got, err := c.GetBool(tt.key, tt.def)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("GetBool(%q) = %v, %v", tt.key, got, err)
		}
	}
}

func TestGetDuration(t *testing.T) {
	c := NewDefault(hermetic(nil))
	tests := []struct {
		value   string
		unit    time.Duration
		want    time.Duration
		wantErr bool
	}{
		{"1500", time.Millisecond, 1500 * time.Millisecond, false},
		{"30", time.Second, 30 * time.Second, false},
		{"10ms", time.Second, 10 * time.Millisecond, false},
		{"10s", time.Millisecond, 10 * time.Second, false},
		{"5m", time.Millisecond, 5 * time.Minute, false},
		{"2h", time.Millisecond, 2 * time.Hour, false},
		{"1d", time.Millisecond, 24 * time.Hour, false},
		{"7 S", time.Millisecond, 7 * time.Second, false},
		{"3us", time.Second, 3 * time.Microsecond, false},
		{"4ns", time.Second, 4, false},
		{"-1", time.Millisecond, -time.Millisecond, false},
		{"", time.Millisecond, 123, false}, // blank: default
		{"1.5s", time.Millisecond, 123, true},
		{"s", time.Millisecond, 123, true},
		{"10 minutes", time.Millisecond, 123, true},
		{"99999999999d", time.Millisecond, 123, true},
	}
	for _, tt := range tests {
		c.Set("d", tt.value)
		got, err := c.GetDuration("d", tt.unit, 123)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("GetDuration(%q, %v) = %v, %v; want %v, err %v", tt.value, tt.unit, got, err, tt.want, tt.wantErr)
		}
	}
	if d, err := c.GetDuration("ipc.ping.interval", time.Millisecond, 0); d != time.Minute || err != nil {
		t.Errorf("ipc.ping.interval = %v, %v", d, err)
	}
}

func TestGetStrings(t *testing.T) {
	c := NewDefault(hermetic(nil))
	c.Set("list", " a, b ,,c ,")
	c.Set("blank", " ")
	wantStrings(t, "GetStrings(list)", c.GetStrings("list"), []string{"a", "b", "c"})
	wantStrings(t, "GetStrings(blank)", c.GetStrings("blank"), nil)
	wantStrings(t, "GetStrings(unset)", c.GetStrings("unset"), nil)
}

func TestSetUnsetKeysClone(t *testing.T) {
	c := NewDefault(hermetic(nil))
	c.Set("spindle.test", "1")
	if c.Source("spindle.test") != SourceProgrammatic {
		t.Errorf("Source = %q", c.Source("spindle.test"))
	}
	clone := c.Clone()
	c.Set("spindle.test", "2")
	c.Unset(KeyRMHostname)
	wantGet(t, clone, "spindle.test", "1")
	wantGet(t, clone, KeyRMHostname, "0.0.0.0")
	if _, ok := c.Lookup(KeyRMHostname); ok {
		t.Error("Unset key still set")
	}
	// The default address now refers to an unset key; it stays as written.
	wantGet(t, c, KeyRMAddress, "${yarn.resourcemanager.hostname}:8032")
	keys := c.Keys()
	for i := 1; i < len(keys); i++ {
		if keys[i-1] >= keys[i] {
			t.Fatalf("Keys() not sorted: %q", keys)
		}
	}
	if len(clone.Keys()) != len(keys)+1 {
		t.Errorf("len(clone.Keys()) = %d, len(Keys()) = %d", len(clone.Keys()), len(keys))
	}
}

func TestConcurrentUse(t *testing.T) {
	c := NewDefault(hermetic(nil))
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				c.Set(fmt.Sprintf("k%d", i), fmt.Sprintf("${yarn.resourcemanager.hostname}-%d", j))
				_ = c.Get(fmt.Sprintf("k%d", (i+1)%8))
				if _, err := c.RMAddresses(); err != nil {
					t.Error(err)
					return
				}
			}
		}(i)
	}
	wg.Wait()
}
