package am

import (
	"context"
	"errors"
	"net/http"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/ownlog"
)

// Pacing of the executor launcher's log pushes.
const (
	// logPushInterval is how often the launcher looks for new output in its
	// container's log files while a follower wants them: a local read;
	// nothing is sent when nothing is new.
	logPushInterval = 250 * time.Millisecond
	// logPushChunk is the most one push carries.
	logPushChunk = 256 << 10
	// finalPushWait bounds the pushing of the last output after the
	// executor's command has ended.
	finalPushWait = 3 * time.Second
	// demandRetry is the pause after a failed demand request.
	demandRetry = 5 * time.Second
	// demandDelay is how long an executor runs before its launcher first
	// asks whether anybody follows its logs: a short-lived executor never
	// talks to the AM for that (a follower gets its output from the
	// NodeManager), and a follower of a new executor waits at most this
	// long for its first output.
	demandDelay = 2 * time.Second
)

// logPusher sends the executor's stdout and stderr, read back from its
// container's log files, to the AM while somebody follows them (the AM's
// logRelay says who wants what in the demand).
type logPusher struct {
	c       *container.Client
	files   map[string]*os.File
	logf    func(format string, a ...any)
	delay   time.Duration // before the first demand request
	version atomic.Int64  // the latest demand version seen
}

// startLogPusher starts pushing the container's logs to the AM through c.
// stop pushes what is still wanted, within finalPushWait, and ends it.
// Outside a YARN container (stdout and stderr are not files) it does nothing.
func startLogPusher(ctx context.Context, c *container.Client, logf func(format string, a ...any)) (stop func()) {
	p := &logPusher{c: c, files: map[string]*os.File{}, logf: logf, delay: demandDelay}
	for _, s := range []string{ownlog.Stdout, ownlog.Stderr} {
		if f, err := ownlog.Open(s); err == nil {
			p.files[s] = f
		}
	}
	if len(p.files) == 0 {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	demands := make(chan container.LogDemand, 1)
	final := make(chan struct{})
	done := make(chan struct{})
	go p.watchDemand(ctx, demands)
	go func() {
		defer close(done)
		p.run(ctx, demands, final)
	}()
	return func() {
		close(final)
		select {
		case <-done:
		case <-time.After(finalPushWait):
		}
		cancel()
		<-done
		for _, f := range p.files {
			f.Close()
		}
	}
}

// run pushes what the demand asks for, as fast as the AM takes it while
// there is some, then looks again every logPushInterval; after final it
// returns once nothing is left to push.
func (p *logPusher) run(ctx context.Context, demands <-chan container.LogDemand, final <-chan struct{}) {
	var d container.LogDemand
	tick := time.NewTicker(logPushInterval)
	defer tick.Stop()
	finishing := false
	for ctx.Err() == nil {
		sent, err := p.pushOnce(ctx, &d)
		switch {
		case err != nil:
			d = container.LogDemand{Version: d.Version} // ask again
			if !sleepCtx(ctx, time.Second) || finishing {
				return
			}
			continue
		case sent:
			continue
		case finishing:
			return
		}
		var tickC <-chan time.Time
		if len(d.From) > 0 {
			tickC = tick.C
		}
		select {
		case nd := <-demands:
			d = nd
		case <-tickC:
		case <-final:
			finishing, final = true, nil
		case <-ctx.Done():
		}
	}
}

// pushOnce sends the next piece of one wanted stream that has new data and
// takes the AM's answer as the new demand.
func (p *logPusher) pushOnce(ctx context.Context, d *container.LogDemand) (bool, error) {
	streams := make([]string, 0, len(d.From))
	for s := range d.From {
		streams = append(streams, s)
	}
	slices.Sort(streams)
	for _, s := range streams {
		f := p.files[s]
		if f == nil {
			continue
		}
		data, err := ownlog.ReadAt(f, d.From[s], logPushChunk)
		if err != nil || len(data) == 0 {
			continue
		}
		nd, err := p.c.PushLog(ctx, s, d.From[s], data)
		if err != nil {
			return false, err
		}
		p.version.Store(nd.Version)
		*d = nd
		return true, nil
	}
	return false, nil
}

// watchDemand long-polls the AM for changes of the demand and hands the
// latest to run. It stops when the AM says the executor is not one it
// relays. It first waits p.delay.
func (p *logPusher) watchDemand(ctx context.Context, out chan container.LogDemand) {
	if !sleepCtx(ctx, p.delay) {
		return
	}
	failing := false
	for ctx.Err() == nil {
		v := p.version.Load()
		d, err := p.c.LogDemand(ctx, v, container.MaxLiveWait)
		if err != nil {
			var se *container.StatusError
			if errors.As(err, &se) && se.StatusCode == http.StatusNotFound {
				return
			}
			if !failing && ctx.Err() == nil {
				p.logf("the ApplicationMaster does not answer for log followers (will retry): %v", err)
			}
			failing = true
			sleepCtx(ctx, demandRetry)
			continue
		}
		failing = false
		if d.Version == v {
			continue
		}
		p.version.Store(d.Version)
		select {
		case <-out: // replace a demand run has not taken yet
		default:
		}
		out <- d
	}
}

// sleepCtx waits d or until ctx ends; it reports whether ctx is still alive.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
