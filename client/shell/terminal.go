package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"

	"golang.org/x/term"
)

// Control characters the terminal handles itself.
const (
	keyCtrlC = 3
	// clearAndEnter is what Ctrl-C at the prompt becomes for the line editor:
	// Ctrl-E (end of line), Ctrl-U (erase to the start), Enter. The line
	// editor then returns an empty line and shows a new prompt.
	clearAndEnter = "\x05\x15\r"
)

// maxHistory is how many lines the terminal's history keeps.
const maxHistory = 500

// Terminal is the input of an interactive session: stdin in raw mode with line
// editing and history (golang.org/x/term). It reads stdin all the time, so that
// Ctrl-C reaches the session while a command runs: then it interrupts the
// command; at the prompt it discards the line. Write output through the
// Terminal (it turns "\n" into "\r\n" and keeps the prompt intact). Close
// restores the terminal.
type Terminal struct {
	in    *os.File
	out   *os.File
	old   *term.State
	t     *term.Terminal
	hist  *history
	winch chan os.Signal

	mu          sync.Mutex
	buf         []byte        // bytes read from stdin, not yet given to the line editor
	readErr     error         // why reading stdin stopped
	more        chan struct{} // signalled when buf or readErr change
	readCtx     context.Context
	onInterrupt func() bool
	promptShown bool // the last ReadLine failed with its prompt still on the screen

	closeOnce sync.Once
}

// IsTerminal reports whether both in and out are terminals, so that a session
// can be interactive.
func IsTerminal(in, out *os.File) bool {
	return term.IsTerminal(int(in.Fd())) && term.IsTerminal(int(out.Fd()))
}

// OpenTerminal puts in (a terminal) into raw mode and returns a Terminal that
// reads lines from it and writes to out, showing prompt. Call Close when done,
// on every path: it restores the terminal's mode.
func OpenTerminal(in, out *os.File, prompt string) (*Terminal, error) {
	old, err := term.MakeRaw(int(in.Fd()))
	if err != nil {
		return nil, fmt.Errorf("put the terminal into raw mode: %w", err)
	}
	t := &Terminal{in: in, out: out, old: old, more: make(chan struct{}, 1), winch: make(chan os.Signal, 1)}
	t.t = term.NewTerminal(ioPair{t}, prompt)
	t.hist = &history{max: maxHistory}
	t.t.History = t.hist
	t.t.AutoCompleteCallback = (&lineKeys{hist: t.hist}).key
	t.resize()
	notifyResize(t.winch)
	go func() {
		for range t.winch {
			t.resize()
		}
	}()
	go t.readStdin()
	return t, nil
}

// LoadHistory reads the history kept in the file at path (created at the
// first line typed) and saves every line typed there from now on, so that
// the Up arrow and Ctrl-R find the lines of earlier sessions. Call it before
// the first ReadLine.
func (t *Terminal) LoadHistory(path string) error {
	return t.hist.load(path)
}

// HistoryError says why saving the history stopped, if it did.
func (t *Terminal) HistoryError() error {
	return t.hist.saveErr
}

// OnInterrupt sets what Ctrl-C does while no line is being edited: f is called,
// and if it returns false (nothing to interrupt) the Ctrl-C discards the line
// being typed instead.
func (t *Terminal) OnInterrupt(f func() bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.onInterrupt = f
}

// Close ends the prompt's line if one is left on the screen and restores the
// terminal's mode. It is safe to call more than once.
func (t *Terminal) Close() error {
	var err error
	t.closeOnce.Do(func() {
		t.mu.Lock()
		shown := t.promptShown
		t.mu.Unlock()
		if shown { // leave the prompt's line, straight to the terminal (the line editor would redraw it)
			_, _ = t.out.Write([]byte("\r\n"))
		}
		signal.Stop(t.winch)
		close(t.winch)
		if rerr := term.Restore(int(t.in.Fd()), t.old); rerr != nil {
			err = fmt.Errorf("restore the terminal: %w", rerr)
		}
	})
	return err
}

// Write writes output above the prompt, with "\r\n" line endings.
func (t *Terminal) Write(p []byte) (int, error) {
	return t.t.Write(p)
}

// ReadLine implements Input: it shows the prompt and returns the line typed,
// io.EOF on Ctrl-D at an empty line.
func (t *Terminal) ReadLine(ctx context.Context) (string, error) {
	t.mu.Lock()
	t.readCtx = ctx
	t.mu.Unlock()
	line, err := t.t.ReadLine()
	if errors.Is(err, term.ErrPasteIndicator) {
		err = nil
	}
	t.mu.Lock()
	t.promptShown = err != nil
	t.mu.Unlock()
	if err != nil && ctx.Err() != nil {
		return "", ctx.Err()
	}
	return line, err
}

func (t *Terminal) resize() {
	// A pseudo-terminal nobody sized reports 0x0: keep the line editor's 80x24 then.
	if w, h, err := term.GetSize(int(t.out.Fd())); err == nil && w > 0 && h > 0 {
		_ = t.t.SetSize(w, h)
	}
}

// readStdin copies stdin into buf until it fails, turning each Ctrl-C into an
// interrupt of the running operation or, when there is none, into clearAndEnter.
func (t *Terminal) readStdin() {
	p := make([]byte, 256)
	for {
		n, err := t.in.Read(p)
		add := translateInput(p[:n], func() bool {
			t.mu.Lock()
			f := t.onInterrupt
			t.mu.Unlock()
			return f != nil && f()
		})
		t.mu.Lock()
		t.buf = append(t.buf, add...)
		if err != nil {
			t.readErr = err
		}
		t.mu.Unlock()
		select {
		case t.more <- struct{}{}:
		default:
		}
		if err != nil {
			return
		}
	}
}

// translateInput returns what the line editor gets for the bytes typed: each
// Ctrl-C is dropped when interrupt reports that it interrupted something, and
// becomes clearAndEnter otherwise.
func translateInput(typed []byte, interrupt func() bool) []byte {
	var out []byte
	for _, c := range typed {
		switch {
		case c != keyCtrlC:
			out = append(out, c)
		case interrupt():
		default:
			out = append(out, clearAndEnter...)
		}
	}
	return out
}

// read gives the line editor what stdin has delivered, waiting for more while
// the current ReadLine's context lasts.
func (t *Terminal) read(p []byte) (int, error) {
	for {
		t.mu.Lock()
		if len(t.buf) > 0 {
			n := copy(p, t.buf)
			t.buf = t.buf[n:]
			t.mu.Unlock()
			return n, nil
		}
		err, ctx := t.readErr, t.readCtx
		t.mu.Unlock()
		if err != nil {
			return 0, err
		}
		var done <-chan struct{}
		if ctx != nil {
			done = ctx.Done()
		}
		select {
		case <-t.more:
		case <-done:
			return 0, ctx.Err()
		}
	}
}

// ioPair is the line editor's view of the terminal.
type ioPair struct{ t *Terminal }

func (p ioPair) Read(b []byte) (int, error)  { return p.t.read(b) }
func (p ioPair) Write(b []byte) (int, error) { return p.t.out.Write(b) }

// history is the line editor's history: it skips empty lines and repeats,
// and, once load has named its file, saves every entry there.
type history struct {
	max     int
	entries []string // oldest first
	file    string   // where entries are saved ("" for nowhere)
	saved   int      // entries appended to file since it was last rewritten
	saveErr error    // why saving stopped
}

// Add implements term.History.
func (h *history) Add(entry string) {
	if h.remember(entry) {
		h.save(entry)
	}
}

// remember adds entry unless it is empty or repeats the newest one, and
// reports whether it did.
func (h *history) remember(entry string) bool {
	if strings.TrimSpace(entry) == "" || (len(h.entries) > 0 && h.entries[len(h.entries)-1] == entry) {
		return false
	}
	h.entries = append(h.entries, entry)
	if len(h.entries) > h.max {
		h.entries = h.entries[len(h.entries)-h.max:]
	}
	return true
}

// Len implements term.History.
func (h *history) Len() int { return len(h.entries) }

// At implements term.History: 0 is the newest entry.
func (h *history) At(i int) string { return h.entries[len(h.entries)-1-i] }

var _ io.ReadWriter = ioPair{}
