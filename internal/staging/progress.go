package staging

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// EventKind says what a progress Event reports.
type EventKind int

const (
	// EventStart announces an item that is about to be staged. Total is the
	// number of bytes that may have to be uploaded (0 for items already on
	// the cluster). Stage announces all its items before uploading any.
	EventStart EventKind = iota
	// EventBytes reports upload progress: Bytes of Total uploaded so far.
	EventBytes
	// EventDone ends an item: Report is set on success, Err on failure.
	EventDone
)

// Event is one progress report about one item, identified by ID (unique per
// Stager).
type Event struct {
	// Kind is what happened.
	Kind EventKind
	// ID identifies the item across its events.
	ID int64
	// Name is the item's link name; Source its source as given.
	Name, Source string
	// Bytes is the number of bytes uploaded so far (EventBytes, EventDone).
	Bytes int64
	// Total is the number of bytes the item may upload.
	Total int64
	// Report describes the finished item (EventDone on success).
	Report *Report
	// Err is why the item failed (EventDone on failure).
	Err error
}

// ProgressFunc receives progress events. See Stager.Progress.
type ProgressFunc func(Event)

// IsTerminal reports whether w is a terminal: an *os.File whose mode is a
// character device.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// NewProgress picks a progress reporter for w: one line per file when
// verbose, a progress bar when w is a terminal, otherwise none (nil).
func NewProgress(w io.Writer, verbose bool) ProgressFunc {
	switch {
	case verbose:
		return NewLineReporter(w)
	case IsTerminal(w):
		return NewBarReporter(w)
	}
	return nil
}

// NewLineReporter returns a reporter writing one line per finished item,
// e.g.
//
//	uploaded  spindle            12.3 MiB  hdfs://ns/user/alice/.spindle/cache/<sha>/spindle
//	cached    spindle            12.3 MiB  hdfs://...
//	in place  data.zip            1.0 GiB  hdfs://ns/data/data.zip
//	FAILED    conf.zip: <error>
//
// Write errors are ignored.
func NewLineReporter(w io.Writer) ProgressFunc {
	return func(e Event) {
		if e.Kind != EventDone {
			return
		}
		if e.Err != nil || e.Report == nil {
			fmt.Fprintf(w, "%-9s %s: %v\n", "FAILED", e.Name, e.Err)
			return
		}
		r := e.Report
		what := "uploaded"
		switch r.Outcome {
		case Cached:
			what = "cached"
		case OnCluster:
			what = "in place"
		}
		fmt.Fprintf(w, "%-9s %-20s %10s  %s\n", what, r.Name, humanBytes(r.Size), r.URL)
	}
}

// barState tracks the items a bar is showing.
type barState struct {
	total, done  int64 // bytes
	files, ended int
	items        map[int64]*barItem
}

type barItem struct {
	total, bytes int64
	ended        bool
}

// barWidth is the number of cells in the bar.
const barWidth = 30

// NewBarReporter returns a reporter drawing one self-overwriting line,
//
//	staging [##########..........]  33%  12.3 MiB/37.0 MiB  1/3 files
//
// redrawn at most every 100 ms and whenever an item ends, and finished with a
// newline when every announced item has ended. Meant for terminals (see
// IsTerminal). Write errors are ignored.
func NewBarReporter(w io.Writer) ProgressFunc {
	return newBar(w, time.Now)
}

func newBar(w io.Writer, now func() time.Time) ProgressFunc {
	st := &barState{items: map[int64]*barItem{}}
	var last time.Time
	return func(e Event) {
		it := st.items[e.ID]
		switch e.Kind {
		case EventStart:
			if it != nil {
				return
			}
			st.items[e.ID] = &barItem{total: e.Total}
			st.total += e.Total
			st.files++
		case EventBytes:
			if it == nil || it.ended {
				return
			}
			b := min(e.Bytes, it.total)
			st.done += b - it.bytes
			it.bytes = b
		case EventDone:
			if it == nil || it.ended {
				return
			}
			it.ended = true
			st.done += it.total - it.bytes // a failed, cached or in-place item counts as processed
			it.bytes = it.total
			st.ended++
		}
		t := now()
		finished := st.files > 0 && st.ended == st.files
		if e.Kind != EventDone && t.Sub(last) < 100*time.Millisecond {
			return
		}
		last = t
		fmt.Fprintf(w, "\r%s\x1b[K", st.line())
		if finished {
			fmt.Fprint(w, "\n")
			*st = barState{items: map[int64]*barItem{}}
		}
	}
}

// line renders the bar.
func (b *barState) line() string {
	frac := 1.0
	if b.total > 0 {
		frac = float64(b.done) / float64(b.total)
	}
	frac = max(0, min(frac, 1))
	filled := int(frac * barWidth)
	return fmt.Sprintf("staging [%s%s] %3d%%  %s/%s  %d/%d files",
		strings.Repeat("#", filled), strings.Repeat(".", barWidth-filled),
		int(frac*100), humanBytes(b.done), humanBytes(b.total), b.ended, b.files)
}

// humanBytes formats n with a binary unit (B, KiB, MiB, GiB, TiB).
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, exp := float64(n)/unit, 0
	for v >= unit && exp < 3 {
		v /= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGT"[exp])
}
