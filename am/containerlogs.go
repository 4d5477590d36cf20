package am

import (
	"fmt"
	"os"

	"github.com/spindle-yarn/spindle/am/httpapi"
	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/ownlog"
)

// containerLogs is what the AM serves of running containers' stdout and
// stderr (httpapi.ContainerLogs): its own container's from its log files,
// the executors' through the relay from their launchers.
type containerLogs struct {
	own   map[string]ownStream // the AM container's streams that are files
	relay *logRelay
}

// ownStream is one of the AM container's log files: read back from the
// file, woken by the writer every write of the AM goes through.
type ownStream struct {
	file   *os.File
	writer *fileWriter
}

// openContainerLogs opens the AM container's own log files (a stream that
// is not a file, outside a container, is left out) for the writers that
// write them.
func openContainerLogs(relay *logRelay, stdout, stderr *fileWriter) *containerLogs {
	cl := &containerLogs{own: map[string]ownStream{}, relay: relay}
	for stream, w := range map[string]*fileWriter{ownlog.Stdout: stdout, ownlog.Stderr: stderr} {
		if f, err := ownlog.Open(stream); err == nil {
			cl.own[stream] = ownStream{file: f, writer: w}
		}
	}
	return cl
}

// ContainerLog implements httpapi.ContainerLogs.
func (m *master) ContainerLog(containerID, stream string, offset int64, maxBytes int) (container.LogPage, <-chan struct{}, error) {
	if m.logs == nil {
		return container.LogPage{}, nil, fmt.Errorf("%w: local mode streams no containers' logs", httpapi.ErrNoContainer)
	}
	if containerID == m.amContainer {
		return m.logs.readOwn(stream, offset, maxBytes)
	}
	id, live, ok := m.pool.containerExecutor(containerID)
	if !ok {
		return container.LogPage{}, nil, fmt.Errorf("%w: neither the ApplicationMaster's nor an executor's of this attempt", httpapi.ErrNoContainer)
	}
	page, changed := m.logs.relay.read(id, live, stream, offset, maxBytes)
	return page, changed, nil
}

// readOwn reads the AM container's stream from offset.
func (cl *containerLogs) readOwn(stream string, offset int64, maxBytes int) (container.LogPage, <-chan struct{}, error) {
	s, ok := cl.own[stream]
	if !ok {
		return container.LogPage{}, nil, fmt.Errorf("%w: the ApplicationMaster's %s is not a log file", httpapi.ErrNoContainer, stream)
	}
	changed := s.writer.Changed() // before reading: no write is missed
	data, err := ownlog.ReadAt(s.file, offset, maxBytes)
	if err != nil {
		return container.LogPage{}, nil, err
	}
	return container.LogPage{Offset: offset, Data: data}, changed, nil
}

// LogDemand implements httpapi.ContainerLogs.
func (m *master) LogDemand(executorID string) (container.LogDemand, <-chan struct{}, error) {
	if err := m.relayable(executorID); err != nil {
		return container.LogDemand{}, nil, err
	}
	d, changed := m.logs.relay.demand(executorID)
	return d, changed, nil
}

// PushLog implements httpapi.ContainerLogs.
func (m *master) PushLog(executorID, stream string, offset int64, data []byte) (container.LogDemand, error) {
	if err := m.relayable(executorID); err != nil {
		return container.LogDemand{}, err
	}
	return m.logs.relay.push(executorID, stream, offset, data), nil
}

// relayable checks that the executor's logs can be relayed: on YARN, a live executor.
func (m *master) relayable(executorID string) error {
	if m.logs == nil {
		return fmt.Errorf("%w: local mode relays no logs", httpapi.ErrNoContainer)
	}
	if _, live := m.pool.StopSignal(executorID); !live {
		return fmt.Errorf("%w: executor %s is not running", httpapi.ErrNoContainer, executorID)
	}
	return nil
}
