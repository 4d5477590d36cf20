package console

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/client"
	"github.com/spindle-yarn/spindle/container"
)

// --json writes one JSON object per line for each kind of event, and the
// driver's output as output events with --json-output.
func TestJSONEventsParse(t *testing.T) {
	var stdout, stderr bytes.Buffer
	log := logrus.New()
	log.SetOutput(&stderr)
	var cfg client.RunConfig
	j := WireJSON(log, &cfg, &stdout, true)
	j.Emit(JSONEvent{Type: "submitted", App: "application_1_0001", Queue: "default"})
	cfg.OnReport(&client.Report{ID: "application_1_0001", State: "RUNNING"})
	code := 137
	for _, e := range []container.Event{{Type: container.EventAttemptStarted, Container: "container_1_0001_01_000001"},
		{Type: container.EventExecutorStarted, Executor: "1"},
		{Type: container.EventExecutorFailed, Executor: "1", ExitStatus: &code, Message: "killed for memory"},
		{Type: container.EventExecutorReplaced, Executor: "2", Replaces: "1"}} {
		cfg.OnAMEvent(e)
	}
	cfg.Stdout.Write([]byte("line with \"quotes\"\n"))
	log.Info("a log line")
	rep := &client.Report{ID: "application_1_0001", State: "FINISHED", FinalStatus: "FAILED"}
	id, err := client.ParseApplicationID("application_1_0001")
	if err != nil {
		t.Fatal(err)
	}
	j.Emit(FinishedEvent(&client.Outcome{ID: id, Report: rep, Diagnostics: "the driver exited with code 7"}))

	var types []string
	sc := bufio.NewScanner(&stdout)
	var last map[string]any
	for sc.Scan() {
		last = nil
		if err := json.Unmarshal(sc.Bytes(), &last); err != nil {
			t.Fatalf("not JSON: %q: %v", sc.Text(), err)
		}
		if last["app"] != "application_1_0001" {
			t.Errorf("no app id in %v", last)
		}
		types = append(types, last["type"].(string))
	}
	want := "submitted state attempt-started executor-started executor-failed executor-replaced output finished"
	if strings.Join(types, " ") != want {
		t.Errorf("types %v, want %s", types, want)
	}
	if last["finalStatus"] != "FAILED" || last["exitCode"] != float64(1) {
		t.Errorf("finished: %v", last)
	}
	var logLine map[string]any
	if err := json.Unmarshal(stderr.Bytes(), &logLine); err != nil || logLine["msg"] != "a log line" {
		t.Errorf("the log is not JSON with --json: %q %v", stderr.String(), err)
	}
}
