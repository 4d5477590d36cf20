package client

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spindle-yarn/spindle/container"
)

// Live following of a running application through its AM's API: how long
// one long-poll lasts, the pause after a page of output (which caps the
// requests while the driver prints to about 1/outputPause per second), the
// pause before retrying a failed request, and how often the status is polled
// when RunConfig.OnAppInfo is set.
const (
	livePoll        = 25 * time.Second
	outputPause     = 100 * time.Millisecond
	liveRetry       = time.Second
	appInfoInterval = 2 * time.Second
	// endGrace bounds the wait, once YARN reports the end, for the rest of
	// the driver's output from the AM (which waits for us a little longer).
	endGrace = 8 * time.Second
)

// watcher follows a running application through its AM's API: the event
// log, the cluster-mode driver's output (written to the RunConfig's Stdout
// and Stderr as it comes, resuming after a failed request without loss or
// duplication) and, when asked, its status.
type watcher struct {
	cfg    RunConfig
	appID  string
	secret string
	pin    string // the AM's TLS public key (SHA-256), "" for plain HTTP
	output bool   // follow the driver's output (cluster mode, not Quiet)

	addr     chan string // the AM's API address of each attempt
	requests atomic.Int64
	pause    time.Duration // after a page of output (outputPause)
	retryIn  time.Duration // before retrying a failed request (liveRetry)
	// ended is set once YARN has reported the end: an AM that does not
	// answer then is gone, and the rest of the output is in its logs.
	ended atomic.Bool

	mu        sync.Mutex
	outClosed bool             // the current attempt's output was read to its end
	offsets   map[string]int64 // next byte of each stream's log file read
	tail      lineTail         // the last lines of the driver's stderr
	amCont    string           // the current attempt's AM container
	driverEnd *int             // the driver's exit code, from its event
	evClosed  bool             // the current attempt's finishing event was seen
	done      chan struct{}    // closed when the current attempt's loops ended
	attempts  map[string]bool  // the AM addresses seen
}

func newWatcher(cfg RunConfig, app *Application, output bool) *watcher {
	return &watcher{cfg: cfg, appID: app.ID.String(), secret: app.Secret, pin: app.AMPubKeySHA256, output: output,
		addr: make(chan string, 4), pause: outputPause, retryIn: liveRetry, offsets: map[string]int64{}, tail: lineTail{max: tailLines},
		done: make(chan struct{}), attempts: map[string]bool{}}
}

// onReport passes the AM's address of a running attempt on to the watcher.
func (w *watcher) onReport(r *Report) {
	addr, ok := r.amAddress()
	if !ok {
		return
	}
	w.mu.Lock()
	_, seen := w.attempts[addr]
	w.attempts[addr] = true
	w.mu.Unlock()
	if !seen {
		select {
		case w.addr <- addr:
		default:
		}
	}
}

// run follows each attempt the reports announce until ctx ends.
func (w *watcher) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case addr := <-w.addr:
			w.follow(ctx, addr)
		}
	}
}

// follow follows one attempt's AM until its loops end or a later attempt
// shows up (ctx ends then too).
func (w *watcher) follow(ctx context.Context, addr string) {
	sdk, err := container.Connect(container.Env{Role: container.RoleDriver, AppID: w.appID, Secret: w.secret, AMURL: amURL(addr, w.pin), AMPubKeySHA256: w.pin})
	if err != nil {
		w.cfg.Log.WithError(err).Debug("cannot follow the ApplicationMaster")
		return
	}
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	w.mu.Lock()
	w.outClosed, w.evClosed, w.offsets = !w.output, false, map[string]int64{}
	done := make(chan struct{})
	w.done = done
	w.mu.Unlock()
	var wg sync.WaitGroup
	loops := []func(context.Context, *container.Client){w.events}
	if w.output {
		loops = append(loops, w.driverOutput)
	}
	if w.cfg.OnAppInfo != nil {
		loops = append(loops, w.appInfo)
	}
	for _, loop := range loops {
		wg.Add(1)
		go func() { defer wg.Done(); loop(actx, sdk) }()
	}
	go func() {
		select {
		case next := <-w.addr: // a new attempt: stop following this one
			cancel()
			w.addr <- next
		case <-actx.Done():
		}
	}()
	wg.Wait()
	close(done)
	// Whatever ended the loops, a new attempt may come: keep listening.
	if ctx.Err() == nil {
		<-actx.Done()
	}
}

// events follows the event log until the finishing event or ctx ends.
func (w *watcher) events(ctx context.Context, sdk *container.Client) {
	var next int64 = 1
	for ctx.Err() == nil {
		w.requests.Add(1)
		page, err := sdk.Events(ctx, next, livePoll)
		if err != nil {
			if !w.retry(ctx, err) {
				return
			}
			continue
		}
		next = page.Next
		for _, e := range page.Events {
			w.noteEvent(e)
			if w.cfg.OnAMEvent != nil {
				w.cfg.OnAMEvent(e)
			}
			if e.Type == container.EventFinishing {
				w.mu.Lock()
				w.evClosed = true
				w.mu.Unlock()
				return
			}
		}
	}
}

// noteEvent keeps what the end needs from an event.
func (w *watcher) noteEvent(e container.Event) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch e.Type {
	case container.EventAttemptStarted:
		w.amCont = e.Container
	case container.EventDriverExited:
		w.driverEnd = e.ExitStatus
	}
}

// driverOutput copies the driver's output to Stdout and Stderr until its
// end or ctx ends. A failed request is retried from the same chunk.
func (w *watcher) driverOutput(ctx context.Context, sdk *container.Client) {
	var next int64 = 1
	for ctx.Err() == nil {
		w.requests.Add(1)
		page, err := sdk.DriverOutput(ctx, next, livePoll)
		if se := (*container.StatusError)(nil); errors.As(err, &se) && se.StatusCode == http.StatusNotFound {
			w.mu.Lock()
			w.outClosed = true // the AM runs no driver: there is no output to read, here or in its logs
			w.mu.Unlock()
			return
		}
		if err != nil {
			if !w.retry(ctx, err) {
				return
			}
			continue
		}
		if page.Dropped > 0 {
			w.cfg.Log.Warnf("%d chunks of the driver's output were too many to keep; they are in its log files (spindle logs %s)", page.Dropped, w.appID)
		}
		for _, c := range page.Chunks {
			w.writeChunk(c)
		}
		next = page.Next
		if page.Closed {
			w.mu.Lock()
			w.outClosed = true
			w.mu.Unlock()
			return
		}
		if len(page.Chunks) > 0 {
			sleepCtx(ctx, w.pause)
		}
	}
}

// writeChunk writes one chunk of output to its stream.
func (w *watcher) writeChunk(c container.OutputChunk) {
	dst := w.cfg.Stdout
	if c.Stream == container.StreamStderr {
		dst = w.cfg.Stderr
	}
	_, _ = dst.Write(c.Data)
	w.mu.Lock()
	w.offsets[c.Stream] = c.FileOffset + int64(len(c.Data))
	if c.Stream == container.StreamStderr {
		w.tail.write(c.Data)
	}
	w.mu.Unlock()
}

// appInfo polls the AM's status for RunConfig.OnAppInfo.
func (w *watcher) appInfo(ctx context.Context, sdk *container.Client) {
	for ctx.Err() == nil {
		w.requests.Add(1)
		info, err := sdk.App(ctx)
		if err == nil {
			w.cfg.OnAppInfo(info)
		} else if !w.retry(ctx, err) {
			return
		}
		w.mu.Lock()
		ended := w.evClosed
		w.mu.Unlock()
		if ended {
			return
		}
		sleepCtx(ctx, appInfoInterval)
	}
}

// retry waits before another try after err; it returns false when there
// is no point: ctx ended, or the AM refuses us for good.
func (w *watcher) retry(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var se *container.StatusError
	if errors.As(err, &se) && (se.StatusCode == 401 || se.StatusCode == 403 || se.StatusCode == 404) {
		w.cfg.Log.WithError(err).Debug("the ApplicationMaster does not serve live output")
		return false
	}
	if w.ended.Load() && !errors.As(err, &se) {
		// No HTTP answer at all after the end: the AM process is gone.
		w.cfg.Log.WithError(err).Debug("the application has ended and its ApplicationMaster does not answer: no more retries")
		return false
	}
	w.cfg.Log.WithError(err).Debug("following the ApplicationMaster: retrying")
	sleepCtx(ctx, w.retryIn)
	return ctx.Err() == nil
}

// wait waits, at most endGrace (or until ctx ends), for the current
// attempt's output and events to have been read to their end; YARN has
// reported the end, so an AM that no longer answers at all ends the wait.
func (w *watcher) wait(ctx context.Context) {
	w.ended.Store(true)
	w.mu.Lock()
	done := w.done
	started := len(w.attempts) > 0
	w.mu.Unlock()
	if !started {
		return
	}
	t := time.NewTimer(endGrace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	case <-ctx.Done():
	}
}

// state is what the watcher knows at the end.
func (w *watcher) state() (amContainer string, outputComplete bool, offsets map[string]int64, tail []string, driverExit *int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	offs := make(map[string]int64, len(w.offsets))
	for k, v := range w.offsets {
		offs[k] = v
	}
	return w.amCont, w.outClosed, offs, w.tail.lines(), w.driverEnd
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
