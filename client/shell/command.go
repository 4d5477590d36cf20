package shell

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/container/agent"
)

// answer is what became of a command on one executor: its output, or why there is none.
type answer struct {
	out     *agent.Output
	problem string
}

// reply is an answer fetched from the key-value store.
type reply struct {
	id  string
	out *agent.Output
	err error
}

// runCommand runs command on every running executor with a ready agent (only =
// ""), or on executor only, prints the answers in executor order and reports
// whether every executor ran it with exit code 0.
func (s *Session) runCommand(ctx context.Context, only, command string) bool {
	targets, err := s.targets(ctx, only)
	if err != nil {
		fmt.Fprintln(s.cfg.Err, err)
		return false
	}
	seq := s.seq + 1
	cmd := agent.Command{Seq: seq, Command: command}
	for _, t := range targets {
		cmd.Targets = append(cmd.Targets, t.ID)
	}
	if s.cfg.CommandTimeout > 0 {
		cmd.TimeoutSeconds = int(max(s.cfg.CommandTimeout.Round(time.Second), time.Second) / time.Second)
	}
	b, err := json.Marshal(cmd)
	if err != nil {
		fmt.Fprintf(s.cfg.Err, "encode the command: %v\n", err)
		return false
	}
	if err := s.sdk.Put(ctx, agent.CommandKey(seq), b); err != nil {
		fmt.Fprintf(s.cfg.Err, "send the command: %v\n", err)
		return false
	}
	s.seq = seq
	if err := s.sdk.Put(ctx, agent.KeySeq, []byte(strconv.Itoa(seq))); err != nil {
		fmt.Fprintf(s.cfg.Err, "send the command: %v\n", err)
	}
	failed, canceled, unanswered := s.collect(ctx, seq, targets)
	s.forget(ctx, seq, targets, canceled && !unanswered)
	if failed > 0 && len(targets) > 1 {
		fmt.Fprintf(s.cfg.Err, "failed on %d of %d executors\n", failed, len(targets))
	}
	return failed == 0
}

// targets picks the executors for a command: running, with a ready agent, and
// (only != "") the one asked for.
func (s *Session) targets(ctx context.Context, only string) ([]container.ExecutorInfo, error) {
	execs, ready, err := s.readiness(ctx)
	if err != nil {
		return nil, fmt.Errorf("list the executors: %w", err)
	}
	var out []container.ExecutorInfo
	for _, e := range execs {
		if only != "" && e.ID != only {
			continue
		}
		_, isReady := ready[e.ID]
		switch {
		case e.State == container.ExecutorRunning && isReady:
			out = append(out, e)
		case only == "":
		case e.State == container.ExecutorRunning || e.State == container.ExecutorStarting:
			return nil, fmt.Errorf("executor %s is starting (its agent is not up yet): try again in a moment", only)
		default:
			return nil, fmt.Errorf("executor %s is %s, not running (see :executors)", only, e.State)
		}
	}
	if len(out) == 0 {
		if only != "" {
			return nil, fmt.Errorf("no executor %s (see :executors)", only)
		}
		return nil, errors.New("no executor is running (:scale N starts some; :executors lists them)")
	}
	return out, nil
}

// collect waits for every target's answer to command seq and prints the answers
// in the targets' order as soon as each and those before it are in. The first
// Interrupt asks the agents to stop the command, a second one stops waiting.
// Executors that stop running are reported lost. It returns how many targets
// failed, whether it asked the agents to stop the command, and whether it gave
// up on an answer.
func (s *Session) collect(ctx context.Context, seq int, targets []container.ExecutorInfo) (failed int, canceled, gaveUp bool) {
	intr := s.begin()
	defer s.end()
	index := make(map[string]int, len(targets))
	for i, t := range targets {
		index[t.ID] = i
	}
	answers := make([]answer, len(targets))
	have := make([]bool, len(targets))
	set := func(i int, a answer) {
		if !have[i] {
			answers[i], have[i] = a, true
		}
	}
	giveUp := func(why string) {
		gaveUp = true
		for i := range targets {
			set(i, answer{problem: why})
		}
	}

	wctx, stopWaits := context.WithCancel(ctx)
	defer stopWaits()
	replies := make(chan reply, len(targets))
	for _, t := range targets {
		go s.awaitOutput(wctx, seq, t.ID, replies)
	}

	var deadline <-chan time.Time
	if s.cfg.CommandTimeout > 0 {
		t := time.NewTimer(s.cfg.CommandTimeout + answerGrace)
		defer t.Stop()
		deadline = t.C
	}
	tick := time.NewTicker(s.cfg.PollInterval)
	defer tick.Stop()
	var grace <-chan time.Time
	next := 0 // the first target whose answer is not printed yet
	for next < len(targets) {
		select {
		case r := <-replies:
			if r.err != nil {
				set(index[r.id], answer{problem: r.err.Error()})
			} else {
				set(index[r.id], answer{out: r.out})
			}
		case <-intr:
			if canceled {
				giveUp("no answer: stopped waiting after the interrupt")
				break
			}
			canceled = true
			fmt.Fprintln(s.cfg.Err, "interrupting... (Ctrl-C again stops waiting)")
			s.cancel(ctx, seq)
			t := time.NewTimer(interruptGrace)
			defer t.Stop()
			grace = t.C
		case <-grace:
			giveUp(fmt.Sprintf("no answer within %v of the interrupt", interruptGrace))
		case <-deadline:
			giveUp(fmt.Sprintf("no answer within %v (the command timeout, %v, plus %v)", s.cfg.CommandTimeout+answerGrace, s.cfg.CommandTimeout, answerGrace))
		case <-tick.C:
			s.checkLost(ctx, seq, targets, have, set)
		case <-ctx.Done():
			canceled = true
			s.cancel(ctx, seq)
			giveUp("no answer: the session ended")
		}
		for next < len(targets) && have[next] {
			if !s.printAnswer(targets[next], answers[next]) {
				failed++
			}
			next++
		}
	}
	return failed, canceled, gaveUp
}

// awaitOutput waits for executor id's answer to command seq and sends it on
// replies, retrying failed waits until ctx ends.
func (s *Session) awaitOutput(ctx context.Context, seq int, id string, replies chan<- reply) {
	v, err := agent.WaitKey(ctx, s.sdk, agent.OutputKey(seq, id))
	if err != nil {
		return // ctx ended
	}
	var o agent.Output
	if err := json.Unmarshal(v, &o); err != nil {
		replies <- reply{id: id, err: fmt.Errorf("the agent's answer is not valid JSON: %w", err)}
		return
	}
	replies <- reply{id: id, out: &o}
}

// checkLost marks the targets that are no longer running, and did not answer, as lost.
func (s *Session) checkLost(ctx context.Context, seq int, targets []container.ExecutorInfo, have []bool, set func(int, answer)) {
	execs, err := s.sdk.Executors(ctx)
	if err != nil {
		return // the next tick tries again; the session's monitor notices an AM that is gone
	}
	state := make(map[string]container.ExecutorInfo, len(execs))
	for _, e := range execs {
		state[e.ID] = e
	}
	for i, t := range targets {
		e, ok := state[t.ID]
		if have[i] || (ok && e.State == container.ExecutorRunning) {
			continue
		}
		// It may have answered just before it ended.
		if v, err := s.sdk.Get(ctx, agent.OutputKey(seq, t.ID)); err == nil {
			var o agent.Output
			if json.Unmarshal(v, &o) == nil {
				set(i, answer{out: &o})
				continue
			}
		}
		why := "executor lost: it is " + e.State
		if !ok {
			why = "executor lost: the ApplicationMaster no longer lists it"
		}
		if e.Diagnostics != "" {
			why += ": " + firstLine(e.Diagnostics)
		}
		set(i, answer{problem: why})
	}
}

// cancel asks the agents to stop command seq.
func (s *Session) cancel(ctx context.Context, seq int) {
	cctx, done := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer done()
	if err := s.sdk.Put(cctx, agent.CancelKey(seq), []byte("1")); err != nil {
		fmt.Fprintf(s.cfg.Err, "could not interrupt the command: %v\n", err)
	}
}

// forget deletes command seq's keys, so that a long session does not fill the
// ApplicationMaster's store; the cancel key only when cancel is set (it must
// stay while an agent that did not answer may still be running the command).
// An agent that answers late leaves its answer behind.
func (s *Session) forget(ctx context.Context, seq int, targets []container.ExecutorInfo, cancel bool) {
	dctx, done := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer done()
	keys := []string{agent.CommandKey(seq)}
	if cancel {
		keys = append(keys, agent.CancelKey(seq))
	}
	for _, t := range targets {
		keys = append(keys, agent.OutputKey(seq, t.ID))
	}
	for _, k := range keys {
		if err := s.sdk.Delete(dctx, k); err != nil {
			return // the AM is unreachable: nothing to clean
		}
	}
}

// printAnswer prints one executor's answer and reports whether it succeeded.
func (s *Session) printAnswer(t container.ExecutorInfo, a answer) bool {
	host := t.Host
	if host == "" && a.out != nil {
		host = a.out.Host
	}
	prefix := "[" + t.ID + " " + orDash(host) + "] "
	if a.out == nil {
		fmt.Fprintf(s.cfg.Err, "%s%s\n", prefix, a.problem)
		return false
	}
	var buf strings.Builder
	text := a.out.Output
	for text != "" {
		line, rest, _ := strings.Cut(text, "\n")
		buf.WriteString(prefix)
		buf.WriteString(line)
		buf.WriteByte('\n')
		text = rest
	}
	fmt.Fprint(s.cfg.Out, buf.String())
	if a.out.Truncated {
		fmt.Fprintf(s.cfg.Err, "%s(output truncated to its first %d bytes)\n", prefix, len(a.out.Output))
	}
	if a.out.ExitCode == 0 && a.out.Error == "" {
		return true
	}
	msg := fmt.Sprintf("exit code %d", a.out.ExitCode)
	if a.out.Error != "" {
		msg += " (" + a.out.Error + ")"
	}
	fmt.Fprintf(s.cfg.Err, "%s%s\n", prefix, msg)
	return false
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
