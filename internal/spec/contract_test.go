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
	if got := strings.Join(ExecutorCommand([]string{"./pi", "10"}), " "); got != "./spindle executor -- ./pi 10" {
		t.Errorf("ExecutorCommand = %q", got)
	}
	if got := strings.Join(AgentCommand(), " "); got != "./spindle agent" {
		t.Errorf("AgentCommand = %q", got)
	}
	env := AMEnv("alice", "/opt/x#x")
	if env[EnvHadoopConfDir] != "{{PWD}}/__spindle_conf__" || env[EnvHadoopUser] != "alice" || env[EnvNodeLocalLinks] != "/opt/x#x" {
		t.Errorf("AMEnv = %v", env)
	}
	if _, ok := AMEnv("alice", "")[EnvNodeLocalLinks]; ok {
		t.Error("AMEnv without node-local files sets their variable")
	}
	for _, n := range []string{"spindle", "__spindle_conf__", "spindle-spec.json"} {
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
