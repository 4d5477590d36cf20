package hadoopconf

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestExpandKeysAndSystemProperties(t *testing.T) {
	c := NewDefault(hermetic(map[string]string{
		"HOME":       "/ignored/because/HomeDir/is/set",
		"SPINDLE_X":  "xval",
		"EMPTY":      "",
		"PATH_LIKE":  "${a}", // environment values are expanded too, as in Hadoop
		"NOT_EXPAND": "plain",
	}))
	c.Set("a", "A")
	c.Set("b", "${a}-B")
	c.Set("c", "${b}/${a}")
	c.Set("user.name", "conf-user") // system properties win over keys of the same name
	c.Set("env.UNSET_VAR", "from-conf")
	c.Set("x.A", "nested-name")
	tests := []struct{ in, want string }{
		{"${a}", "A"},
		{"${c}", "A-B/A"},
		{"x${a}y${a}z", "xAyAz"},
		{"${user.name}", "alice"},
		{"${user.home}/.spindle", "/home/alice/.spindle"},
		{"${java.io.tmpdir}", "/tmp"},
		{"${env.SPINDLE_X}", "xval"},
		{"${env.MISSING}", "${env.MISSING}"},
		{"${env.MISSING:-def}", "def"},
		{"${env.EMPTY:-def}", "def"},
		{"${env.EMPTY-def}", ""},
		{"${env.MISSING-def}", "def"},
		{"${env.SPINDLE_X:-def}", "xval"},
		{"${env.MISSING:-${a}}", "A"},
		{"${env.MISSING:-${undefined}}", "${env.MISSING:-${undefined}}"}, // as Hadoop
		{"${${b}}", "${A-B}"},
		{"${a}}", "A}"},
		{"${a ${a}", "${a A"},
		{"${x.${a}}", "nested-name"},
		{"${env.PATH_LIKE}", "A"},
		{"${env.UNSET_VAR}", "from-conf"},
		{"${env.}", "${env.}"},
		{"${undefined}/${a}", "${undefined}/A"},
		{"${}", "${}"},
		{"${ a}", "${ a}"},
		{"${a", "${a"},
		{"$a {a} $", "$a {a} $"},
		{"${a${a}}", "${aA}"},
		{"${${a}}", "${A}"},
		{"no refs", "no refs"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := c.Expand(tt.in); got != tt.want {
			t.Errorf("Expand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	wantGet(t, c, "c", "A-B/A")
	if got := c.GetRaw("c"); got != "${b}/${a}" {
		t.Errorf("GetRaw = %q", got)
	}
	wantGet(t, c, "hadoop.tmp.dir", "/tmp/hadoop-alice")
	wantGet(t, c, "yarn.nodemanager.local-dirs", "/tmp/hadoop-alice/nm-local-dir")
}

func TestUserName(t *testing.T) {
	c := NewDefault(Options{LookupEnv: envOf(map[string]string{"HADOOP_USER_NAME": "hdfs-user"}), HomeDir: "/h"})
	if c.User() != "hdfs-user" {
		t.Errorf("User() = %q, want HADOOP_USER_NAME", c.User())
	}
	wantGet(t, c, "hadoop.tmp.dir", "/tmp/hadoop-hdfs-user")

	c = NewDefault(Options{LookupEnv: envOf(map[string]string{"HADOOP_USER_NAME": "hdfs-user"}), User: "explicit"})
	if c.User() != "explicit" {
		t.Errorf("User() = %q, want Options.User", c.User())
	}

	c = NewDefault(Options{LookupEnv: envOf(map[string]string{"HOME": "/home/from-env"}), User: "x"})
	if got := c.Expand("${user.home}"); got != "/home/from-env" {
		t.Errorf("${user.home} = %q, want HOME", got)
	}

	// Without HADOOP_USER_NAME the OS user is used; we cannot know it here,
	// only that it is resolved.
	c = NewDefault(Options{LookupEnv: envOf(map[string]string{"USER": "fallback"})})
	if c.User() == "" {
		t.Error("User() is empty without HADOOP_USER_NAME")
	}
}

func TestExpandCyclesTerminate(t *testing.T) {
	c := NewDefault(hermetic(nil))
	c.Set("self", "x${self}y")
	c.Set("a", "${b}")
	c.Set("b", "${a}")
	c.Set("p", "${q}")
	c.Set("q", "${r}")
	c.Set("r", "${p} and ${ok}")
	c.Set("ok", "fine")
	c.Set("uses.cycle", "[${a}] ${ok}")
	c.Set("double", "${self}${self}")

	done := make(chan struct{})
	go func() {
		defer close(done)
		wantGet(t, c, "self", "x${self}y")
		wantGet(t, c, "a", "${b}") // like Hadoop: a looping reference stays unexpanded
		wantGet(t, c, "b", "${a}")
		wantGet(t, c, "p", "${q}")
		wantGet(t, c, "uses.cycle", "[${a}] fine")
		wantGet(t, c, "double", "${self}${self}")
		if got := c.Expand("${r}"); got != "${r}" {
			t.Errorf("Expand(${r}) = %q", got)
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("expansion of cyclic references did not terminate")
	}
}

func TestExpandDepthLimit(t *testing.T) {
	chain := func(n int) *Conf {
		c := NewDefault(hermetic(nil))
		for i := 0; i < n; i++ {
			c.Set(fmt.Sprintf("k%d", i), fmt.Sprintf("${k%d}", i+1))
		}
		c.Set(fmt.Sprintf("k%d", n), "end")
		return c
	}
	// k0 -> k1 -> ... -> k20 = "end": 20 nested references resolve.
	wantGet(t, chain(20), "k0", "end")
	// One more level: the 21st reference is left as written.
	wantGet(t, chain(21), "k0", "${k21}")
	wantGet(t, chain(50), "k0", "${k21}")
	wantGet(t, chain(50), "k29", "${k50}")
	wantGet(t, chain(50), "k30", "end")
}

func TestExpandExponentialFanOutIsBounded(t *testing.T) {
	c := NewDefault(hermetic(nil))
	for i := 0; i < 30; i++ {
		c.Set(fmt.Sprintf("f%d", i), strings.Repeat(fmt.Sprintf("${f%d}", i+1), 8))
	}
	c.Set("f30", strings.Repeat("x", 100))
	start := time.Now()
	v := c.Get("f0")
	if len(v) > 2*maxExpandedLen {
		t.Errorf("expanded length %d exceeds the bound", len(v))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("expansion took %v", d)
	}
}

func TestSystemPropertyFallsBackToKey(t *testing.T) {
	c := NewDefault(Options{LookupEnv: envOf(nil), User: "u", HomeDir: ""})
	c.home = "" // no home directory known at all
	c.Set("user.home", "/from/conf")
	if got := c.Expand("${user.home}"); got != "/from/conf" {
		t.Errorf("${user.home} = %q, want the configuration key's value", got)
	}
}
