package spec

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/spindle-yarn/spindle/container"
)

// Link names of what Spindle itself puts into every container, besides the
// application's own files. FileName (the spec) is the third.
const (
	// BinaryLink is the spindle binary, which is the AM and the executor launcher.
	BinaryLink = "spindle"
	// ConfLink is the Hadoop configuration the client ships, an archive YARN
	// extracts into a directory of that name.
	ConfLink = "__spindle_conf__"
)

// IsReserved reports whether name is one of Spindle's own link names, which
// the application's files may not use.
func IsReserved(name string) bool {
	return name == BinaryLink || name == ConfLink || name == FileName || name == ExecutorFileName || name == TasksLink ||
		name == KeytabLink || name == KRB5ConfLink
}

// Environment variables of the contract besides the SDK's (package container).
const (
	// EnvHadoopConfDir points Hadoop clients (and the AM) at the configuration.
	EnvHadoopConfDir = "HADOOP_CONF_DIR"
	// EnvHadoopUser is the user the AM acts as with SIMPLE authentication.
	EnvHadoopUser = "HADOOP_USER_NAME"
)

// ContainerPWD is the NodeManager's marker for the container's working
// directory in a launch context's environment and command.
const ContainerPWD = "{{PWD}}"

// ModeLocal: no cluster; the AM API is served by the spindle process and the
// driver and executors are local processes. It is never written to a spec file.
const ModeLocal Mode = "local"

// Aliases of the API secrets in Hadoop credentials (ContainerLaunchContext.tokens).
const (
	// SecretAlias carries the application's (the driver's) secret: the client
	// creates it and only the AM container gets it.
	SecretAlias = "spindle.secret"
	// ExecutorSecretAlias carries the executors' secret (see ExecutorSecret):
	// executor containers get this one only.
	ExecutorSecretAlias = "spindle.executor.secret"
)

// NewSecret returns a fresh random application secret.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate the application secret: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// ExecutorSecret derives the executors' secret from the application secret
// (HMAC-SHA256 with a fixed label), so that every AM attempt and local mode
// compute the same one and nothing needs storing, while an executor holding it
// cannot recover the application secret. The AM API gives it fewer rights: no
// finishing the application, no driver heartbeats, no scaling.
func ExecutorSecret(appSecret string) string {
	return deriveSecret(appSecret, "spindle executor secret v1")
}

// deriveSecret derives a secret for label from the application secret
// (HMAC-SHA256), one-way.
func deriveSecret(appSecret, label string) string {
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write([]byte(label))
	return hex.EncodeToString(m.Sum(nil))
}

// AMCommand is the command of the AM container, run in its working directory.
func AMCommand() []string { return []string{"./" + BinaryLink, "am", "--spec", FileName} }

// ExecutorCommand is the command of a YARN executor container, the same for
// every application: the launcher, which reads what to run from the launch
// file (ExecutorFileName), puts the executor secret from the container's
// credentials into SPINDLE_SECRET and runs it under supervision.
func ExecutorCommand() []string {
	return []string{"./" + BinaryLink, "executor", "--launch", ExecutorFileName}
}

// AgentCommand is what the executors of a shell session run on YARN (from
// the launch file, like any executor command).
func AgentCommand() []string { return []string{"./" + BinaryLink, "agent"} }

// AMEnv is the environment of the AM container: the shipped configuration and
// the user. Everything else the AM needs is in the spec file.
func AMEnv(user string) map[string]string {
	return map[string]string{
		EnvHadoopConfDir: ConfDir(ContainerPWD),
		EnvHadoopUser:    user,
	}
}

// ConfDir is HADOOP_CONF_DIR in a container whose working directory is pwd.
func ConfDir(pwd string) string { return pwd + "/" + ConfLink }

// RoleEnv is the environment a driver or executor gets on top of what it
// inherits, in every mode (a YARN executor's launch context gets it with no
// user variables: the launcher adds those from the launch file, see
// LauncherEnv): the user's variables (--env), then HADOOP_CONF_DIR
// when it runs in a YARN container whose working directory is pwd ("" when it
// does not: client and local mode), then the Spindle variables of its role,
// which win. An empty role.Secret is left out: a YARN executor's launcher
// reads it from the container's credentials.
func RoleEnv(user map[string]string, pwd string, role container.Env) map[string]string {
	env := make(map[string]string, len(user)+6)
	for k, v := range user {
		env[k] = v
	}
	if pwd != "" {
		env[EnvHadoopConfDir] = ConfDir(pwd)
	}
	for k, v := range role.Vars() {
		env[k] = v
	}
	return env
}

// TasksLink is the link name of the tasks file of a job array (`spindle
// submit --tasks FILE`) in the AM's container: one task per line.
const TasksLink = "__spindle_tasks__"

// LauncherEnv is the environment of an executor started by the YARN executor
// launcher, whose own environment is base: the user's variables (from the
// launch file) over base, then base's HADOOP_CONF_DIR and Spindle variables
// again, which win as in RoleEnv. Each key appears once.
func LauncherEnv(base []string, user map[string]string) []string {
	contract := map[string]bool{EnvHadoopConfDir: true}
	for k := range (container.Env{Role: "x", AppID: "x", ExecutorID: "x", AMURL: "x", Secret: "x"}).Vars() {
		contract[k] = true
	}
	out := make([]string, 0, len(base)+len(user))
	seen := map[string]bool{}
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if _, overridden := user[k]; overridden && !contract[k] {
			continue
		}
		seen[k] = true
		out = append(out, kv)
	}
	keys := make([]string, 0, len(user))
	for k := range user {
		if !contract[k] || !seen[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, k+"="+user[k])
	}
	return out
}
