package spec

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sampleApp() *App {
	return &App{
		ID: "application_1700000000000_0042", Name: "pi", Mode: ModeCluster, User: "alice",
		StagingDir: "hdfs://ns/user/alice/.spindle/staging/application_1700000000000_0042", Queue: "default",
		Driver:              Process{Command: []string{"./pi", "1000"}, Env: map[string]string{"K": "V"}, MemoryMB: 1024, Cores: 1},
		Executor:            Process{Command: []string{"./pi", "1000"}, MemoryMB: 2048, Cores: 2, NodeLabel: "gpu"},
		NumExecutors:        3,
		MaxExecutorFailures: 6,
		MaxAttempts:         2,
		DriverTimeout:       Duration(90 * time.Second),
		Resources: []Resource{{Name: "pi", URL: "hdfs://ns/user/alice/.spindle/staging/application_1700000000000_0042/pi",
			Size: 123, Timestamp: 1700000000123, Type: TypeFile, Visibility: VisibilityApplication}},
	}
}

func writeSpec(t *testing.T, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAppMarshalReadRoundTrip(t *testing.T) {
	for _, mode := range []Mode{ModeCluster, ModeClient} {
		a := sampleApp()
		a.Mode = mode
		b, err := a.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "\n  \"id\"") {
			t.Errorf("Marshal is not indented: %s", b)
		}
		if !strings.Contains(string(b), `"driverTimeout": "1m30s"`) {
			t.Errorf("driverTimeout not written as a duration string: %s", b)
		}
		got, err := Read(writeSpec(t, b))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, a) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, a)
		}
	}
}

func TestReadRejects(t *testing.T) {
	for name, body := range map[string]string{
		"unknown mode": `{"id":"application_1_0001","mode":"local"}`,
		"no mode":      `{"id":"application_1_0001"}`,
		"missing id":   `{"mode":"cluster"}`,
		"not json":     `{"id":`,
		"bad duration": `{"id":"application_1_0001","mode":"cluster","driverTimeout":"soon"}`,
		"number dur":   `{"id":"application_1_0001","mode":"cluster","driverTimeout":30}`,
	} {
		p := writeSpec(t, []byte(body))
		_, err := Read(p)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %q does not name the file", name, err)
		}
	}
	_, err := Read(filepath.Join(t.TempDir(), "absent.json"))
	if err == nil || !strings.Contains(err.Error(), "read application spec") {
		t.Errorf("absent file: err = %v", err)
	}
}

func TestReadMinimal(t *testing.T) {
	a, err := Read(writeSpec(t, []byte(`{"id":"application_1_0001","mode":"client"}`)))
	if err != nil {
		t.Fatal(err)
	}
	if a.Mode != ModeClient || a.DriverTimeout != 0 || a.Resources != nil {
		t.Errorf("minimal spec = %+v", a)
	}
}

func TestDurationJSON(t *testing.T) {
	for _, d := range []time.Duration{0, time.Millisecond, 30 * time.Second, 90 * time.Minute} {
		b, err := json.Marshal(Duration(d))
		if err != nil {
			t.Fatal(err)
		}
		if want := `"` + d.String() + `"`; string(b) != want {
			t.Errorf("Marshal(%v) = %s, want %s", d, b, want)
		}
		var got Duration
		if err := json.Unmarshal(b, &got); err != nil || time.Duration(got) != d {
			t.Errorf("Unmarshal(%s) = %v, %v", b, time.Duration(got), err)
		}
	}
	var d Duration
	if err := json.Unmarshal([]byte(`"2m"`), &d); err != nil || time.Duration(d) != 2*time.Minute {
		t.Errorf(`"2m" = %v, %v`, time.Duration(d), err)
	}
	for _, bad := range []string{`"abc"`, `12`, `"5"`, `""`} {
		var d Duration
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("Unmarshal(%s): no error", bad)
		}
	}
	// A zero timeout is left out of the spec (omitempty) and reads back as zero.
	a := sampleApp()
	a.DriverTimeout = 0
	b, err := a.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "driverTimeout") {
		t.Errorf("zero driverTimeout written: %s", b)
	}
}

// Only a cluster-mode application with a driver command has its driver run
// by the AM (and so a driver output to follow).
func TestAMRunsDriver(t *testing.T) {
	cmd := Process{Command: []string{"./app"}}
	for _, c := range []struct {
		app  App
		want bool
	}{
		{App{Mode: ModeCluster, Driver: cmd}, true},
		{App{Mode: ModeClient, Driver: cmd}, false},
		{App{Mode: ModeCluster}, false},
		{App{Mode: ModeCluster, Driver: cmd, Tasks: TasksLink}, false},
	} {
		if got := c.app.AMRunsDriver(); got != c.want {
			t.Errorf("%+v: AMRunsDriver() = %v, want %v", c.app, got, c.want)
		}
	}
}
