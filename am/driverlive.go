package am

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/proc"
)

// drainWait bounds how long the AM, once unregistered, waits for a client
// that follows the driver's output to have read all of it.
const drainWait = 5 * time.Second

// startDriver starts the cluster-mode driver with its stdout and stderr
// going both to the container's log files (as before) and into the output
// ring the client follows; it records the driver's start and exit as events
// and finishes the application with the exit. It returns the function that
// stops the driver. The ring exists from the attempt's construction
// (newAttempt), before the API serves.
func (a *attempt) startDriver() (stop func()) {
	outW, outDone, err1 := pipeTo(tee{file: a.stdoutFile, ring: a.output, stream: container.StreamStdout})
	errW, errDone, err2 := pipeTo(tee{file: a.stderrFile, ring: a.output, stream: container.StreamStderr})
	if err := errors.Join(err1, err2); err != nil {
		a.finish(failed(fmt.Sprintf("start the driver: %v", err)))
		return func() {}
	}
	role := container.Env{Role: container.RoleDriver, AppID: a.spec.ID, AMURL: a.amURL, Secret: a.secret, AMPubKeySHA256: a.transport.pin}
	env, err := a.driverEnv(role)
	if err != nil {
		outW.Close()
		errW.Close()
		a.finish(failed(fmt.Sprintf("start the driver: %v", err)))
		return func() {}
	}
	r, err := proc.Start(proc.Process{Command: a.spec.Driver.Command, Supervisor: a.opts.Supervisor, Stdout: outW, Stderr: errW, Env: env})
	outW.Close() // the driver holds them now
	errW.Close()
	if err != nil {
		a.output.close()
		a.events.add(container.Event{Type: container.EventDriverExited, Message: fmt.Sprintf("the driver could not be started: %v", err)})
		a.finish(failed(fmt.Sprintf("start the driver: %v", err)))
		return func() {}
	}
	a.log.Infof("driver started: %s (pid %d)", a.spec.Driver.Command[0], r.Pid())
	a.events.add(container.Event{Type: container.EventDriverStarted, Container: a.amContainer, Host: a.host,
		Message: fmt.Sprintf("driver %s started (pid %d)", a.spec.Driver.Command[0], r.Pid())})
	go func() {
		<-r.Done()
		waitCopied(outDone, errDone)
		a.output.close()
		exit := r.Exit()
		code := exit.Code
		a.events.add(container.Event{Type: container.EventDriverExited, Container: a.amContainer, Host: a.host,
			ExitStatus: &code, Message: exit.Describe("the driver")})
		a.finish(driverResult(exit))
	}()
	return func() { r.Stop(proc.StopGrace) }
}

// end ends the attempt with r: records it, stops the executors and
// unregisters with a final tracking URL that outlives the AM (the AM
// container's logs, where the summary is), writes the summary into the
// container's log directory, and gives a client that follows the driver's
// output a few seconds to read the rest.
func (a *attempt) end(r result, trackingURL string) error {
	a.events.add(container.Event{Type: container.EventFinishing, Message: fmt.Sprintf("%s: %s", finalStatusName(r.status), r.diagnostics)})
	final := trackingURL
	if a.driverLogURL != "" {
		final = a.driverLogURL
	}
	target := a.pool.Target()
	err := a.shutdown(r, a.sched, final)
	if werr := a.writeSummary(r, target); werr != nil {
		a.log.WithError(werr).Warn("could not write the application summary")
	}
	if a.output != nil {
		ctx, cancel := context.WithTimeout(context.Background(), drainWait)
		defer cancel()
		for !a.output.drained() && ctx.Err() == nil {
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return err
}

// outputGrace bounds the wait, after the driver has exited, for the rest of
// its output (a child it left behind may hold its stdout open).
const outputGrace = 2 * time.Second

// pipeTo returns the write end of a pipe whose output is copied to w, and
// a channel closed when every holder of the write end has closed it. The
// driver gets the file itself, so its exit never waits for the copying.
func pipeTo(w io.Writer) (*os.File, <-chan struct{}, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("create a pipe for the driver's output: %w", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer pr.Close()
		_, _ = io.Copy(w, pr)
	}()
	return pw, done, nil
}

// waitCopied waits, at most outputGrace, until the copies are done.
func waitCopied(chans ...<-chan struct{}) {
	t := time.NewTimer(outputGrace)
	defer t.Stop()
	for _, c := range chans {
		select {
		case <-c:
		case <-t.C:
			return
		}
	}
}
