package spec

import (
	"encoding/json"
	"fmt"
	"os"
)

// ExecutorFileName is the link name of the executors' launch file: what an
// executor runs, with its arguments and environment, localized into every
// executor container. Nothing the user gives travels on a container's
// command line or in its launch context's environment, which YARN's launch
// script passes through bash: the container runs the fixed ExecutorCommand,
// and the launcher reads the rest from this file and starts it without a shell.
const ExecutorFileName = "spindle-executor.json"

// Launch is what the executor launcher starts.
type Launch struct {
	// Command is the program and its arguments, relative to the container's
	// working directory.
	Command []string `json:"command"`
	// Env is the user's environment for it (--env).
	Env map[string]string `json:"env,omitempty"`
	// NodeLocal are the local: files to link into the working directory.
	NodeLocal []Link `json:"nodeLocal,omitempty"`
	// Tasks makes the executor a job array's: it runs Command once per task
	// it leases from the AM's work queue.
	Tasks bool `json:"tasks,omitempty"`
}

// Marshal encodes the launch file.
func (l *Launch) Marshal() ([]byte, error) { return json.MarshalIndent(l, "", "  ") }

// ReadLaunch loads a launch file written by Marshal.
func ReadLaunch(path string) (*Launch, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the executor launch file: %w", err)
	}
	var l Launch
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("parse the executor launch file %s: %w", path, err)
	}
	if len(l.Command) == 0 {
		return nil, fmt.Errorf("the executor launch file %s has no command", path)
	}
	return &l, nil
}
