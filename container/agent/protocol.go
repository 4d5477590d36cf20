// Package agent is the executor side of `spindle shell`: a small loop that runs in
// every executor container (`spindle agent`), takes shell commands from the
// ApplicationMaster's key-value store, runs them with /bin/sh in the container's
// working directory and stores their output for the driver.
//
// The protocol uses only the AM's key-value store (container.Client):
//
//	shell/seq                  the number of the latest command (absent: 0)
//	shell/ready/<executor>     Ready: the agent is up and takes commands from Ready.From on
//	shell/cmd/<seq>            Command: what to run, and on which executors
//	shell/cancel/<seq>         present: interrupt command seq
//	shell/out/<seq>/<executor> Output: how command seq ended on that executor
//
// The driver stores shell/cmd/<seq> before it raises shell/seq to seq, and it names
// the executors a command is for explicitly: only running executors whose ready
// key it saw before it issued the command. An agent reads shell/seq once when it
// starts and announces From = that + 1, so from then on it sees every command in
// order and never misses one that names it; a command issued while it was starting
// does not name it, so nobody waits for it to answer. Once every executor named
// has answered (or is lost), the driver deletes the command's keys; an agent that
// waits for a command number at most shell/seq whose key is absent knows it was
// withdrawn and moves on.
package agent

import (
	"strconv"
)

// Keys of the shell protocol in the AM's key-value store.
const (
	// KeySeq holds the number of the latest command, in decimal.
	KeySeq = "shell/seq"
	// keyReady, keyCmd, keyCancel and keyOut are the prefixes of the other keys.
	keyReady  = "shell/ready/"
	keyCmd    = "shell/cmd/"
	keyCancel = "shell/cancel/"
	keyOut    = "shell/out/"
)

// ReadyPrefix is the prefix of every ready key (for listing them).
const ReadyPrefix = keyReady

// ReadyKey is where the agent of executor id announces that it is up.
func ReadyKey(id string) string { return keyReady + id }

// CommandKey is where command seq is stored.
func CommandKey(seq int) string { return keyCmd + strconv.Itoa(seq) }

// CancelKey is the key whose presence interrupts command seq.
func CancelKey(seq int) string { return keyCancel + strconv.Itoa(seq) }

// OutputKey is where executor id stores how command seq ended.
func OutputKey(seq int, id string) string { return keyOut + strconv.Itoa(seq) + "/" + id }

// Command is one shell command for some executors (JSON at CommandKey).
type Command struct {
	// Seq numbers the commands of a session from 1.
	Seq int `json:"seq"`
	// Targets are the ids of the executors that must run it; the others skip it.
	Targets []string `json:"targets"`
	// Command is run as /bin/sh -c Command.
	Command string `json:"command"`
	// TimeoutSeconds stops the command after that many seconds (0: no limit).
	TimeoutSeconds int `json:"timeoutSeconds,omitempty"`
}

// For reports whether executor id is one of c's targets.
func (c *Command) For(id string) bool {
	for _, t := range c.Targets {
		if t == id {
			return true
		}
	}
	return false
}

// Output is how a command ended on one executor (JSON at OutputKey).
type Output struct {
	// Executor is the executor's id.
	Executor string `json:"executor"`
	// Host is where the executor runs.
	Host string `json:"host"`
	// ExitCode is the command's exit code: 128+N when signal N ended it, -1 when
	// it could not be started.
	ExitCode int `json:"exitCode"`
	// Output is the command's standard output and standard error, interleaved.
	Output string `json:"output"`
	// Truncated is set when Output holds only the beginning of the output.
	Truncated bool `json:"truncated,omitempty"`
	// Error says why the command did not end on its own ("interrupted", "timed
	// out after 30m0s", ...); empty when it did.
	Error string `json:"error,omitempty"`
}

// Ready is the value of an agent's ready key.
type Ready struct {
	// Executor is the executor's id.
	Executor string `json:"executor"`
	// Host is where the executor runs.
	Host string `json:"host"`
	// From is the first command the agent takes: commands before it were issued
	// before the agent started.
	From int `json:"from"`
}
