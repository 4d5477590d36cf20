package shell

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"
)

// Keys the line editor passes to lineKeys (golang.org/x/term handles the rest).
const (
	keyTab   = '\t'
	keyCtrlR = 18
)

// colonCommands are the session's commands that Tab completes (see Help).
func colonCommands() []string {
	return []string{":executors", ":help", ":logs", ":on", ":quit", ":scale"}
}

// lineKeys adds Tab completion of colon commands and Ctrl-R search of the
// history to the line editor, as its AutoCompleteCallback.
type lineKeys struct {
	hist  term.History
	query string // what was on the line at the first Ctrl-R
	next  int    // the history index the next Ctrl-R searches from
	shown string // the entry the last Ctrl-R put on the line
}

// key implements term.Terminal's AutoCompleteCallback.
func (k *lineKeys) key(line string, pos int, key rune) (string, int, bool) {
	switch key {
	case keyTab:
		return completeColon(line, pos)
	case keyCtrlR:
		return k.search(line)
	}
	return "", 0, false
}

// completeColon completes the colon command being typed at the start of the
// line: to the command when one matches, to what all matches share otherwise.
func completeColon(line string, pos int) (string, int, bool) {
	word := line[:pos]
	if !strings.HasPrefix(word, ":") || strings.ContainsAny(word, " \t") {
		return line, pos, true // nothing to complete; Tab inserts nothing
	}
	var matches []string
	for _, c := range colonCommands() {
		if strings.HasPrefix(c, word) {
			matches = append(matches, c)
		}
	}
	switch len(matches) {
	case 0:
		return line, pos, true
	case 1:
		done := matches[0] + " "
		rest := strings.TrimLeft(line[pos:], " ")
		return done + rest, len(done), true
	}
	common := matches[0]
	for _, m := range matches[1:] {
		for !strings.HasPrefix(m, common) {
			common = common[:len(common)-1]
		}
	}
	return common + line[pos:], len(common), true
}

// search is Ctrl-R: the newest history entry holding what was typed; each
// further Ctrl-R goes to the next older one. Typing anything else starts a
// new search at the next Ctrl-R.
func (k *lineKeys) search(line string) (string, int, bool) {
	if line != k.shown || k.shown == "" {
		k.query, k.next = line, 0
	}
	for i := k.next; i < k.hist.Len(); i++ {
		if e := k.hist.At(i); strings.Contains(e, k.query) && e != line {
			k.next, k.shown = i+1, e
			return e, len(e), true
		}
	}
	return line, len(line), true // no (older) match: the line stays
}

// load reads the history file at path into h (a missing file is an
// empty history) and makes h append every new entry to it.
func (h *history) load(path string) error {
	f, err := os.Open(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read the shell history %s: %w", path, err)
	}
	if err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
		for sc.Scan() {
			h.remember(sc.Text())
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("read the shell history %s: %w", path, err)
		}
	}
	h.file = path
	return nil
}

// save appends entry to the history file, which it shortens to the last
// max entries when it has grown to twice that. The first failure stops
// saving and is kept in saveErr.
func (h *history) save(entry string) {
	if h.file == "" || h.saveErr != nil {
		return
	}
	h.saved++
	if h.saved > h.max { // the file holds up to max old entries plus these
		h.saveErr = h.rewrite()
		h.saved = 0
		return
	}
	f, err := os.OpenFile(h.file, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err == nil {
		_, err = fmt.Fprintln(f, entry)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	h.saveErr = err
}

// rewrite replaces the history file with the entries kept.
func (h *history) rewrite() error {
	tmp := h.file + ".new"
	data := strings.Join(h.entries, "\n") + "\n"
	if err := os.WriteFile(tmp, []byte(data), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, h.file)
}
