package am

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spindle-yarn/spindle/am/httpapi"
	"github.com/spindle-yarn/spindle/am/workqueue"
	"github.com/spindle-yarn/spindle/container"
)

// maxFailedTasksShown bounds the failed tasks named in the diagnostics.
const maxFailedTasksShown = 10

// initTasks creates the work queue and, when the spec turns it on, dynamic
// allocation, and makes every executor's end reach the queue (its leases
// are handed out again).
func (m *master) initTasks() error {
	q, err := workqueue.New(workqueue.Options{})
	if err != nil {
		return err
	}
	m.queue = q
	m.pool.onEnd = append(m.pool.onEnd, func(id string, taskFault bool) {
		if ended := q.ExecutorLost(id, taskFault); len(ended) > 0 {
			m.log.Infof("executor %s ended holding tasks %v: they are queued again", id, ended)
		}
	})
	cfg, enabled, err := dynamicConfig(m.spec.DynamicAllocation)
	if err != nil || !enabled {
		return err
	}
	if m.scaler, err = newScaler(m, cfg); err != nil {
		return err
	}
	m.pool.Retarget(m.scaler.policy.Target())
	return nil
}

// runScaler runs dynamic allocation, if on, until ctx ends.
func (m *master) runScaler(ctx context.Context) {
	if m.scaler != nil {
		m.scaler.run(ctx)
	}
}

// closeQueue ends the queue's long-polls (AM shutdown).
func (m *master) closeQueue() {
	if m.queue != nil {
		m.queue.Close()
	}
}

// tasksOption mounts the work queue in the API.
func (m *master) tasksOption() httpapi.Option {
	if m.queue == nil {
		return nil
	}
	return httpapi.WithTasks(httpapi.Tasks{Queue: m.queue, Executor: m.pool.StopSignal, Events: m.scales.list})
}

// queueCounts converts the queue's counts for the API.
func (m *master) queueCounts() container.QueueCounts {
	if m.queue == nil {
		return container.QueueCounts{}
	}
	c := m.queue.Counts()
	return container.QueueCounts{Queued: c.Queued, Leased: c.Leased, Done: c.Done, Failed: c.Failed,
		Total: c.Total, Bytes: c.Bytes, Sealed: c.Sealed, Finished: c.Finished}
}

// progress is the application's progress for the ResourceManager: the share
// of finished tasks once there are any.
func (m *master) progress() float32 {
	c := m.queueCounts()
	if c.Total == 0 {
		return 0.1
	}
	return 0.1 + 0.9*float32(c.Done+c.Failed)/float32(c.Total)
}

// withActivity adds each live executor's use of the queue to the table.
func (m *master) withActivity(infos []container.ExecutorInfo) []container.ExecutorInfo {
	if m.queue == nil {
		return infos
	}
	acts := map[string]workqueue.Activity{}
	for _, a := range m.queue.Executors() {
		acts[a.ID] = a
	}
	for i := range infos {
		in := &infos[i]
		if in.State != stateStarting && in.State != stateRunning {
			continue
		}
		stop, _ := m.pool.StopSignal(in.ID)
		a, seen := acts[in.ID]
		switch {
		case isDone(stop):
			in.Activity = container.ActivityStopping
		case a.Busy():
			in.Activity = container.ActivityBusy
		default:
			in.Activity = container.ActivityIdle
			in.IdleSince = in.StartedAt
			if seen {
				in.IdleSince = a.IdleSince
			}
		}
		in.Leases = a.Leases
	}
	return infos
}

// isDone reports whether ch is closed.
func isDone(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// runTasks is a job array's driver: it enqueues one task per line of the
// tasks file (keyed by its line number; blank lines are skipped), seals the
// queue, waits for every task to finish and ends the application with the
// outcome: succeeded when every task did, else failed naming the failed
// tasks.
func (m *master) runTasks(ctx context.Context, path string) {
	n, err := m.enqueueFile(path)
	if err != nil {
		m.finish(failed(err.Error()))
		return
	}
	m.queue.Seal()
	m.log.Infof("job array: %d tasks from %s enqueued", n, path)
	c, err := m.queue.WaitAll(ctx)
	if err != nil {
		return // the application ends otherwise
	}
	if c.Failed == 0 {
		m.finish(succeeded(fmt.Sprintf("all %d tasks succeeded", c.Done)))
		return
	}
	m.finish(failed(m.failedTasks(c)))
}

// enqueueFile enqueues the lines of the tasks file.
func (m *master) enqueueFile(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("job array: reading the tasks file: %w", err)
	}
	lines := bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
	var tasks []workqueue.NewTask
	for i, line := range lines {
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		tasks = append(tasks, workqueue.NewTask{Key: strconv.Itoa(i + 1), Body: line})
	}
	if len(tasks) == 0 {
		return 0, fmt.Errorf("job array: the tasks file has no tasks: give one task per line")
	}
	if _, err := m.queue.Enqueue(tasks...); err != nil {
		return 0, fmt.Errorf("job array: %w", err)
	}
	return len(tasks), nil
}

// failedTasks describes the failed tasks for the diagnostics.
func (m *master) failedTasks(c workqueue.Counts) string {
	list, _ := m.queue.List(workqueue.Failed, 0, maxFailedTasksShown)
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d tasks failed:", c.Failed, c.Total)
	for _, t := range list {
		fmt.Fprintf(&b, " task %s failed %d times, last: %s;", t.Key, t.Failures, oneLine(t.LastError))
	}
	if c.Failed > len(list) {
		fmt.Fprintf(&b, " and %d more (see the AM's log)", c.Failed-len(list))
	}
	return strings.TrimSuffix(b.String(), ";")
}

// oneLine joins the lines of s with " | ".
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " | ")), " ")
}
