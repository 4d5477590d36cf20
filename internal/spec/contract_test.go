package spec

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spindle-yarn/spindle/container"
)

func TestRoleEnv(t *testing.T) {
	user := map[string]string{"K": "V", container.EnvRole: "spoofed"}
	exec := container.Env{Role: container.RoleExecutor, AppID: "application_1_0001", ExecutorID: "3", AMURL: "http://h:1"}
	got := RoleEnv(user, ContainerPWD, exec)
	want := map[string]string{"K": "V", EnvHadoopConfDir: "{{PWD}}/__spindle_conf__",
		container.EnvRole: container.RoleExecutor, container.EnvAppID: "application_1_0001",
		container.EnvExecutorID: "3", container.EnvAMURL: "http://h:1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("YARN executor:\n got %v\nwant %v", got, want)
	}
	if user[container.EnvRole] != "spoofed" {
		t.Error("RoleEnv changed the user's map")
	}
	drv := container.Env{Role: container.RoleDriver, AppID: "local-1", AMURL: "http://127.0.0.1:2", Secret: "s"}
	got = RoleEnv(nil, "", drv)
	if _, ok := got[EnvHadoopConfDir]; ok || got[container.EnvSecret] != "s" || len(got) != 4 {
		t.Errorf("local driver: %v", got)
	}
}

func TestCommandsAndEnv(t *testing.T) {
	if got := strings.Join(AMCommand(), " "); got != "./spindle am --spec spindle-spec.json" {
		t.Errorf("AMCommand = %q", got)
	}
	if got := strings.Join(ExecutorCommand(), " "); got != "./spindle executor --launch spindle-executor.json" {
		t.Errorf("ExecutorCommand = %q", got)
	}
	if got := strings.Join(AgentCommand(), " "); got != "./spindle agent" {
		t.Errorf("AgentCommand = %q", got)
	}
	env := AMEnv("alice")
	if env[EnvHadoopConfDir] != "{{PWD}}/__spindle_conf__" || env[EnvHadoopUser] != "alice" || len(env) != 2 {
		t.Errorf("AMEnv = %v", env)
	}
	for _, n := range []string{"spindle", "__spindle_conf__", "spindle-spec.json", "spindle-executor.json"} {
		if !IsReserved(n) {
			t.Errorf("%s is not reserved", n)
		}
	}
	if IsReserved("pi") {
		t.Error("pi is reserved")
	}
}

func TestSecrets(t *testing.T) {
	a, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewSecret()
	if len(a) != 64 || a == b {
		t.Errorf("NewSecret = %q, %q", a, b)
	}
	e := ExecutorSecret(a)
	if len(e) != 64 || e == a || e != ExecutorSecret(a) || e == ExecutorSecret(b) {
		t.Errorf("ExecutorSecret(%q) = %q: want 64 hex digits, stable, unlike the app secret and per application", a, e)
	}
}

// TestLauncherEnv: the user's variables override the container's own, except
// the contract's (HADOOP_CONF_DIR, SPINDLE_*), and each key appears once.
func TestLauncherEnv(t *testing.T) {
	base := []string{"PATH=/bin", "HOME=/h", "HADOOP_CONF_DIR=/c", "SPINDLE_ROLE=executor", "SPINDLE_SECRET=s"}
	user := map[string]string{"HOME": "$(x) \"q\"", "SPINDLE_ROLE": "driver", "NEW": "a\nb", "HADOOP_CONF_DIR": "/mine"}
	got := strings.Join(LauncherEnv(base, user), "|")
	want := "PATH=/bin|HADOOP_CONF_DIR=/c|SPINDLE_ROLE=executor|SPINDLE_SECRET=s|HOME=$(x) \"q\"|NEW=a\nb"
	if got != want {
		t.Errorf("LauncherEnv =\n%q\nwant\n%q", got, want)
	}
}

func TestCheckLinkName(t *testing.T) {
	for _, ok := range []string{"a b", "it's", "*", "ü.txt", "a;b&c", "x(1)"} {
		if err := CheckLinkName(ok); err != nil {
			t.Errorf("CheckLinkName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "a/b", "$(x)", "a`b`", "a\"b", "a\\b", "a\nb"} {
		err := CheckLinkName(bad)
		if err == nil || !strings.Contains(err.Error(), "#") {
			t.Errorf("CheckLinkName(%q) = %v, want an error naming the #alias fix", bad, err)
		}
	}
	if got := SafeName("my \"data\" $v.tar.gz"); got != "my__data___v.tar.gz" {
		t.Errorf("SafeName = %q", got)
	}
}

func TestDriverExitMarker(t *testing.T) {
	if c, ok := ParseDriverExit("the driver exited with code 3 " + DriverExitMarker(3)); !ok || c != 3 {
		t.Errorf("ParseDriverExit = %d, %v", c, ok)
	}
	if c, ok := ParseDriverExit("x " + DriverExitMarker(143) + "\nmore"); !ok || c != 143 {
		t.Errorf("ParseDriverExit = %d, %v", c, ok)
	}
	if _, ok := ParseDriverExit("AM container exited with exitCode: -1000"); ok {
		t.Error("a marker found where there is none")
	}
}
