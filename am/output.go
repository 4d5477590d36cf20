package am

import (
	"io"
	"sync"

	"github.com/spindle-yarn/spindle/container"
)

// maxOutputBytes bounds the driver output the AM keeps for the client; what
// falls out is still in the container's log files.
const maxOutputBytes = 4 << 20

// outputRing keeps the cluster-mode driver's latest output, in the order
// it was written, as numbered chunks for the output endpoint.
type outputRing struct {
	mu      sync.Mutex
	chunks  []container.OutputChunk
	bytes   int
	next    int64 // Seq of the next chunk
	closed  bool
	changed chan struct{}
	readTo  int64 // the highest from a reader asked for
	readers int   // requests so far
}

func newOutputRing() *outputRing {
	return &outputRing{next: 1, changed: make(chan struct{})}
}

func (r *outputRing) notifyLocked() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// add appends a copy of p, written to stream at offset off of its log file.
func (r *outputRing) add(stream string, off int64, p []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.chunks = append(r.chunks, container.OutputChunk{Seq: r.next, Stream: stream, FileOffset: off, Data: append([]byte(nil), p...)})
	r.next++
	r.bytes += len(p)
	for r.bytes > maxOutputBytes && len(r.chunks) > 1 {
		r.bytes -= len(r.chunks[0].Data)
		r.chunks[0] = container.OutputChunk{}
		r.chunks = r.chunks[1:]
	}
	r.notifyLocked()
}

// close records that the driver's output has ended.
func (r *outputRing) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed {
		r.closed = true
		r.notifyLocked()
	}
}

// since returns the chunks from Seq from on (at most maxBytes of data,
// at least one chunk) and a channel closed at the next change.
func (r *outputRing) since(from int64, maxBytes int) (container.OutputPage, <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.readers++
	r.readTo = max(r.readTo, from)
	p := container.OutputPage{Chunks: []container.OutputChunk{}, Next: min(max(from, 1), r.next)}
	if len(r.chunks) > 0 && p.Next < r.chunks[0].Seq {
		p.Dropped = r.chunks[0].Seq - p.Next
		p.Next = r.chunks[0].Seq
	}
	size := 0
	for _, c := range r.chunks {
		if c.Seq < p.Next {
			continue
		}
		if size > 0 && size+len(c.Data) > maxBytes {
			break
		}
		p.Chunks = append(p.Chunks, c)
		size += len(c.Data)
	}
	if n := len(p.Chunks); n > 0 {
		p.Next = p.Chunks[n-1].Seq + 1
	}
	p.Closed = r.closed && p.Next == r.next
	return p, r.changed
}

// drained reports whether no reader ever asked, or a reader has asked for
// everything after the end of the output (it has read it all).
func (r *outputRing) drained() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.readers == 0 || (r.closed && r.readTo >= r.next)
}

// fileWriter counts what is written to one of the AM's log files, so that
// the driver's chunks know their offset in it. The AM's own log lines and the
// driver's stderr share one fileWriter.
type fileWriter struct {
	mu      sync.Mutex
	w       io.Writer
	off     int64
	changed chan struct{} // closed at the next write; nil while nobody waits
}

// Write writes p to the file.
func (f *fileWriter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.w.Write(p)
	f.wroteLocked(n)
	return n, err
}

// wroteLocked records n bytes written and wakes who waits for a write.
func (f *fileWriter) wroteLocked(n int) {
	f.off += int64(n)
	if n > 0 && f.changed != nil {
		close(f.changed)
		f.changed = nil
	}
}

// Changed returns a channel closed at the next write.
func (f *fileWriter) Changed() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.changed == nil {
		f.changed = make(chan struct{})
	}
	return f.changed
}

// tee writes to the file and, with the offset it wrote at, to the ring.
type tee struct {
	file   *fileWriter
	ring   *outputRing
	stream string
}

// Write writes p to the log file and records it in the ring, in one step so
// that the ring's order is the file's.
func (t tee) Write(p []byte) (int, error) {
	t.file.mu.Lock()
	defer t.file.mu.Unlock()
	off := t.file.off
	n, err := t.file.w.Write(p)
	t.file.wroteLocked(n)
	if n > 0 {
		t.ring.add(t.stream, off, p[:n])
	}
	return n, err
}
