package spec

import (
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// FileName is the link name of the spec file in the ApplicationMaster's container.
const FileName = "spindle-spec.json"

// Mode says what the ApplicationMaster does besides managing executors.
type Mode string

const (
	// ModeCluster: the AM runs the driver as a child process; its exit code decides the outcome.
	ModeCluster Mode = "cluster"
	// ModeClient: the driver runs on the submitting machine; the AM only launches executors
	// and watches the driver's heartbeats.
	ModeClient Mode = "client"
)

// Process describes one kind of process the AM starts: the driver or an executor.
type Process struct {
	// Command is the program and its arguments, relative to the container's working directory.
	Command []string `json:"command"`
	// Env is extra environment for the process.
	Env map[string]string `json:"env,omitempty"`
	// MemoryMB and Cores are the container size YARN is asked for.
	MemoryMB int64 `json:"memoryMB"`
	Cores    int32 `json:"cores"`
	// NodeLabel is a YARN node-label expression, empty for none.
	NodeLabel string `json:"nodeLabel,omitempty"`
	// ResourceAmounts are the resource types besides memory and vcores.
	ResourceAmounts []ResourceAmount `json:"resourceAmounts,omitempty"`
}

// App is everything the client tells the ApplicationMaster about an application.
type App struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Mode       Mode   `json:"mode"`
	User       string `json:"user"`
	StagingDir string `json:"stagingDir"` // fully qualified URI; empty when nothing was staged
	Queue      string `json:"queue"`

	Driver Process `json:"driver"` // cluster mode only
	// Executor is what each executor runs; executors read its Command and Env
	// from the launch file (ExecutorFileName) among Resources.
	Executor Process `json:"executor"`
	// Placement says where executors go (node, rack, constraints).
	Placement Placement `json:"placement"`

	NumExecutors int `json:"numExecutors"`
	// MaxExecutorFailures is the failure budget: executor failures that count
	// (not preemptions or kills by the framework) beyond which the application fails.
	MaxExecutorFailures int `json:"maxExecutorFailures"`
	// MaxAttempts is the number of AM attempts YARN will make; the AM cleans the staging
	// directory on success or on its last attempt.
	MaxAttempts int `json:"maxAttempts"`
	// DriverTimeout is how long a client-mode AM waits without a driver heartbeat
	// before it declares the driver gone.
	DriverTimeout Duration `json:"driverTimeout,omitempty"`

	// Recovery holds what keeps the application going through failures.
	Recovery Recovery `json:"recovery,omitzero"`
	// AMPort is the port or range the AM's API listens on ("40000-40100";
	// empty or "0" for any port), as internal/portrange parses it.
	AMPort string `json:"amPort,omitempty"`

	// Resources are localized into every executor container (the AM's own container
	// gets them from the launch context).
	Resources []Resource `json:"resources"`

	// DynamicAllocation holds the spindle.dynamicAllocation.* keys the user
	// set (the AM parses them with dynalloc.ParseConfig); empty when none.
	DynamicAllocation map[string]string `json:"dynamicAllocation,omitempty"`
	// Tasks, when set, makes the application a job array: the link name
	// (TasksLink) of a file in the AM's container with one task per line,
	// which the AM enqueues; executors run Executor.Command once per task
	// (spec.Launch.Tasks) and the application succeeds when every task did.
	Tasks string `json:"tasks,omitempty"`
	// NodeLocal are the local: files the AM links into its working directory
	// (executors get them from the launch file).
	NodeLocal []Link `json:"nodeLocal,omitempty"`
	// Kerberos is set on a secured cluster (hadoop.security.authentication=kerberos).
	Kerberos *Kerberos `json:"kerberos,omitempty"`
}

// Recovery is how the ApplicationMaster rides out failures.
type Recovery struct {
	// HadoopConf are Hadoop configuration overrides (spindle.hadoop.*) on
	// top of the shipped configuration, e.g.
	// yarn.resourcemanager.connect.max-wait.ms.
	HadoopConf map[string]string `json:"hadoopConf,omitempty"`
	// ExcludeNodes are nodes (host or host:port) executors never run on
	// (spindle.yarn.exclude.nodes).
	ExcludeNodes []string `json:"excludeNodes,omitempty"`
	// MaxFailedExecutorsPerNode executor failures on one node exclude it
	// for ExcludeTimeout; 0 turns exclusion on failure off.
	MaxFailedExecutorsPerNode int      `json:"maxFailedExecutorsPerNode,omitempty"`
	ExcludeTimeout            Duration `json:"excludeTimeout,omitempty"`
	// FailuresValidity is how long an executor failure counts against the
	// budget; 0 means for ever.
	FailuresValidity Duration `json:"failuresValidity,omitempty"`
}

// Duration is a time.Duration that reads and writes as a Go duration string in JSON.
type Duration time.Duration

// MarshalJSON writes the duration as a string such as "30s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a duration string such as "30s".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Marshal encodes the spec as indented JSON.
func (a *App) Marshal() ([]byte, error) { return json.MarshalIndent(a, "", "  ") }

// AMRunsDriver reports whether the ApplicationMaster runs the driver itself
// (cluster mode with a driver command, not a job array), so that there is a
// driver output for a client to follow.
func (a *App) AMRunsDriver() bool {
	return a.Tasks == "" && a.Mode != ModeClient && len(a.Driver.Command) > 0
}

// SpecSecretAlias is the alias under which the client puts the spec into
// the AM container's credentials, so that submitting writes no file for it;
// Read's file is the fallback.
const SpecSecretAlias = "spindle.spec"

// Read loads a spec written by Marshal.
func Read(path string) (*App, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read application spec: %w", err)
	}
	return Parse(b, path)
}

// Parse decodes a spec written by Marshal; from names where it came from.
func Parse(b []byte, from string) (*App, error) {
	var a App
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("parse application spec %s: %w", from, err)
	}
	if a.ID == "" || (a.Mode != ModeCluster && a.Mode != ModeClient) {
		return nil, fmt.Errorf("application spec %s: missing id or unknown mode %q", from, a.Mode)
	}
	return &a, nil
}
