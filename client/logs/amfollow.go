package logs

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/yarn"
)

// amReportEvery bounds how often the stream from the ApplicationMaster asks
// the ResourceManager whether the application has ended.
const amReportEvery = 5 * time.Second

// DefaultAMRetry is how long Follow polls the NodeManagers after the AM
// stopped answering (a busy or restarting AM, a network blip) before it
// asks the same AM again.
const DefaultAMRetry = 15 * time.Second

// amFollow streams the stdout and stderr of a running application's
// containers from its ApplicationMaster: one long-poll per followed file,
// answered as soon as there is new output, and one on the AM's events,
// which says when executors come and go. The NodeManagers are not asked.
type amFollow struct {
	f       *Fetcher
	c       *container.Client
	fl      *filter
	fn      func(*Chunk) error
	mu      sync.Mutex // guards what follows, and serializes fn
	offsets map[fileKey]int64
	nodes   map[string]string // node of each container seen
	active  map[fileKey]bool  // files being streamed
	done    map[fileKey]bool  // files the AM has no more of
	err     error             // the first error of fn
	cancel  func()            // ends the streams and the watch

	amRequests atomic.Int64
}

// followAM streams from the AM until the application ends, the AM cannot be
// reached or ctx ends; the caller then goes on from the NodeManagers with
// the offsets reached. answered says whether the AM answered at all (one
// that did may again). Only an error of fn is returned.
func (f *Fetcher) followAM(ctx context.Context, app yarn.ApplicationID, rep *yarnpb.ApplicationReportProto, fl *filter, offsets map[fileKey]int64, nodes map[string]string, res *Result, fn func(*Chunk) error) (answered bool, err error) {
	c, err := f.AM(ctx, app, rep)
	if err != nil {
		f.warn("following the logs from the NodeManagers: %v", err)
		return false, nil
	}
	sctx, cancel := context.WithCancel(ctx)
	s := &amFollow{f: f, c: c, fl: fl, fn: fn, offsets: offsets, nodes: nodes, active: map[fileKey]bool{}, done: map[fileKey]bool{}, cancel: cancel}
	var wg sync.WaitGroup
	answered = s.watch(sctx, app, &wg, res)
	cancel()
	wg.Wait()
	res.AMRequests += s.amRequests.Load()
	return answered, s.err
}

// watch starts the streams of the containers the AM names, again whenever
// its events say something happened, until the application ends or the AM
// does not answer; it reports whether the AM answered at all.
func (s *amFollow) watch(ctx context.Context, app yarn.ApplicationID, wg *sync.WaitGroup, res *Result) (answered bool) {
	var from int64
	lastReport := time.Now()
	for ctx.Err() == nil && s.failed() == nil {
		if !s.startStreams(ctx, wg) {
			return answered
		}
		answered, res.Streamed = true, true
		s.amRequests.Add(1)
		page, err := s.c.Events(ctx, from, container.MaxLiveWait)
		if err != nil {
			return answered
		}
		from = page.Next
		if time.Since(lastReport) < amReportEvery && len(page.Events) > 0 {
			continue
		}
		lastReport = time.Now()
		if rep, err := s.f.report(ctx, app); err == nil && yarn.IsTerminal(rep.GetYarnApplicationState()) {
			return answered
		}
	}
	return answered
}

// startStreams starts a stream for each selected file of the AM's container
// and of every live executor not streamed yet; false when the AM does not
// answer.
func (s *amFollow) startStreams(ctx context.Context, wg *sync.WaitGroup) bool {
	s.amRequests.Add(2)
	info, err := s.c.App(ctx)
	if err != nil {
		return false
	}
	execs, err := s.c.Executors(ctx)
	if err != nil {
		return false
	}
	containers := map[string]string{}
	if info.AMContainer != "" {
		containers[info.AMContainer] = ""
	}
	for _, e := range execs {
		if e.ContainerID != "" && (e.State == container.ExecutorStarting || e.State == container.ExecutorRunning) {
			containers[e.ContainerID] = e.Node
		}
	}
	for id, node := range containers {
		if !s.fl.container(id) {
			continue
		}
		for _, name := range []string{container.StreamStdout, container.StreamStderr} {
			if s.fl.file(name) && s.claim(fileKey{id, name}, node) {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s.stream(ctx, fileKey{id, name})
				}()
			}
		}
	}
	return true
}

// claim marks the file as streamed; false when it is, or is done.
func (s *amFollow) claim(k fileKey, node string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.nodes[k.container] == "" && node != "" {
		s.nodes[k.container] = node
	}
	if s.active[k] || s.done[k] {
		return false
	}
	s.active[k] = true
	return true
}

// stream long-polls the AM for the file's new output and hands it out, until
// the AM has no more of it or does not answer (the file is streamed again at
// the next start of streams, or read from the NodeManager at the end).
func (s *amFollow) stream(ctx context.Context, k fileKey) {
	finished := false
	defer func() {
		s.mu.Lock()
		delete(s.active, k)
		if finished {
			s.done[k] = true
		}
		s.mu.Unlock()
	}()
	for ctx.Err() == nil {
		s.mu.Lock()
		off := s.offsets[k]
		s.mu.Unlock()
		s.amRequests.Add(1)
		page, err := s.c.ContainerLog(ctx, k.container, k.name, off, container.MaxLiveWait)
		if err != nil {
			var se *container.StatusError
			finished = errors.As(err, &se) && se.StatusCode == http.StatusNotFound
			return
		}
		if len(page.Data) > 0 && !s.emit(k, off, page) {
			return
		}
		if page.Ended {
			finished = true
			return
		}
	}
}

// emit hands a page of the file to fn; false once fn has failed.
func (s *amFollow) emit(k fileKey, off int64, page container.LogPage) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return false
	}
	c := &Chunk{Container: k.container, Node: s.nodes[k.container], Name: k.name, Offset: page.Offset, Data: page.Data}
	if page.Offset > off {
		c.Skipped = page.Offset - off
	}
	s.offsets[k] = page.Offset + int64(len(page.Data))
	if err := s.fn(c); err != nil {
		s.err = err
		s.cancel()
		return false
	}
	return true
}

// failed returns the first error of fn.
func (s *amFollow) failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}
