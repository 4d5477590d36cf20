package logs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/yarn"
)

// maxFollowRead bounds what Follow reads of one file in one poll; a file that
// grew more than that between polls is shown from its last maxFollowRead
// bytes, with Chunk.Skipped saying how much was left out.
const maxFollowRead = 8 << 20

// followPiece is how much of a finished application's log Follow hands out
// per Chunk.
const followPiece = 64 << 10

// Chunk is output of one log file, as Follow hands it out.
type Chunk struct {
	// Container, Node and Name identify the file as in LogFile.
	Container, Node, Name string
	// Offset is where Data starts in the file.
	Offset int64
	// Skipped counts bytes before Offset that were not shown (the file grew
	// by more than Follow reads at once).
	Skipped int64
	// Data is the new content; empty for the first chunk of an empty file.
	Data []byte
}

// fileKey names one followed file.
type fileKey struct{ container, name string }

// Follow hands out a running application's logs like Fetch and then what
// is added to them, including the logs of containers that start later,
// until the application ends (it returns then, with the final state in the
// Result) or ctx ends. With AM, the containers' stdout and stderr are
// streamed from the ApplicationMaster as they are written (Result.Streamed)
// and the NodeManagers are asked again only at the end, for the rest; where
// the AM cannot be used, or stops answering, the NodeManagers are polled
// every interval (and the AM of the next attempt, or of an application
// that was not RUNNING yet, is tried once it runs; an AM that answered and
// then stopped is asked again every AMRetry). An application that has already ended gets its
// aggregated logs, as with Fetch. Output written in a container's last
// moments, after the final poll, shows only in the aggregated logs.
func (f *Fetcher) Follow(ctx context.Context, app yarn.ApplicationID, opts Options, interval time.Duration, fn func(*Chunk) error) (*Result, error) {
	if interval <= 0 {
		return nil, fmt.Errorf("follow interval %s: must be positive", interval)
	}
	fl, err := newFilter(opts)
	if err != nil {
		return nil, err
	}
	rep, err := f.report(ctx, app)
	if err != nil {
		return nil, err
	}
	if yarn.IsTerminal(rep.GetYarnApplicationState()) {
		return f.Fetch(ctx, app, opts, func(lf *LogFile) error { return pieces(lf, fn) })
	}
	res := &Result{Source: SourceNodeManagers, State: rep.GetYarnApplicationState().String()}
	nmBefore := f.nm().Requests()
	defer func() { res.NMRequests = f.nm().Requests() - nmBefore }()
	offsets := map[fileKey]int64{}
	nodes := map[string]string{} // each container's node, as the NodeManagers name it
	polled := func(c *Chunk) error {
		nodes[c.Container] = c.Node
		return fn(c)
	}
	am := amTries{retry: cmp.Or(f.AMRetry, DefaultAMRetry), attempt: -1}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	ended := false
	for {
		if f.AM != nil && am.due(rep) {
			if err := f.poll(ctx, app, fl, offsets, res, polled); err != nil {
				return res, err
			}
			answered, err := f.followAM(ctx, app, rep, fl, offsets, nodes, res, fn)
			if err != nil {
				return res, err
			}
			am.tried(rep, answered)
		}
		if err := f.poll(ctx, app, fl, offsets, res, polled); err != nil {
			return res, err
		}
		if ended {
			return res, nil
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-ticker.C:
		}
		next, err := f.report(ctx, app)
		if err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			f.warn("%v", err)
			continue
		}
		rep = next
		res.State = rep.GetYarnApplicationState().String()
		// One more poll after the end is seen, for the last output the
		// NodeManagers still serve.
		ended = yarn.IsTerminal(rep.GetYarnApplicationState())
	}
}

// pieces hands a whole log file to fn as chunks.
func pieces(lf *LogFile, fn func(*Chunk) error) error {
	buf := make([]byte, followPiece)
	var off int64
	for first := true; ; first = false {
		n, err := io.ReadFull(lf.Content, buf)
		if n > 0 || first {
			c := &Chunk{Container: lf.Container, Node: lf.Node, Name: lf.Name, Offset: off, Data: append([]byte(nil), buf[:n]...)}
			if ferr := fn(c); ferr != nil {
				return ferr
			}
			off += int64(n)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// poll hands out what was added to the application's log files since the
// offsets recorded, and records the new ones.
func (f *Fetcher) poll(ctx context.Context, app yarn.ApplicationID, fl *filter, offsets map[fileKey]int64, res *Result, fn func(*Chunk) error) error {
	nm := f.nm()
	for _, lc := range f.discover(ctx, app, nil) {
		if !fl.container(lc.id.String()) {
			continue
		}
		files, node, err := nm.LogFiles(ctx, lc.web, lc.id.String())
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !errors.Is(err, ErrGone) {
				f.warn("%v", err)
			}
			continue
		}
		if node != "" {
			lc.node = node
		}
		sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
		for _, fi := range files {
			if !fl.file(fi.Name) {
				continue
			}
			key := fileKey{lc.id.String(), fi.Name}
			off, known := offsets[key]
			if known && fi.Size <= off {
				if fi.Size < off {
					offsets[key] = fi.Size // truncated: follow from its new end
				}
				continue
			}
			c, err := f.readFrom(ctx, nm, lc, fi.Name, off, fi.Size)
			if errors.Is(err, ErrGone) {
				continue
			}
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				f.warn("%v", err)
				continue
			}
			offsets[key] = c.Offset + int64(len(c.Data))
			if !known {
				res.Files++
			}
			if len(c.Data) == 0 && known {
				continue
			}
			if err := fn(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// readFrom reads a log file from offset off, the file being about size
// bytes long, reading at most maxFollowRead bytes (its end).
func (f *Fetcher) readFrom(ctx context.Context, nm *NMClient, lc *liveContainer, name string, off, size int64) (*Chunk, error) {
	for try := 0; ; try++ {
		want := min(max(size-off, 0), maxFollowRead)
		var tail int64
		if off > 0 || want < size {
			tail = want
			if tail == 0 {
				tail = 1 // size 0 would mean the whole file
			}
		}
		l, err := nm.OpenLog(ctx, lc.web, lc.id.String(), name, tail)
		if err != nil {
			return nil, err
		}
		if l.FileLength < off {
			off = 0 // truncated or replaced: start over
		}
		if l.Start > off && size-off < maxFollowRead && l.FileLength-off <= maxFollowRead && try < 2 {
			// The file grew between listing and reading: ask for the
			// longer tail.
			l.Close()
			size = l.FileLength
			continue
		}
		skip := max(off-l.Start, 0)
		if _, err := io.CopyN(io.Discard, l.Content, skip); err != nil {
			l.Close()
			return nil, fmt.Errorf("read log %s of %s: %w", name, lc.id, err)
		}
		data, err := io.ReadAll(l.Content)
		l.Close()
		if err != nil {
			return nil, fmt.Errorf("read log %s of %s: %w", name, lc.id, err)
		}
		start := l.Start + skip
		return &Chunk{Container: lc.id.String(), Node: lc.node, Name: name, Offset: start,
			Skipped: max(start-off, 0), Data: data}, nil
	}
}

// amTries says when Follow asks an AM: each attempt's once it runs (at the
// start, once the application is RUNNING, after an AM restart), and again
// every retry while an AM that answered before no longer does.
type amTries struct {
	retry   time.Duration
	attempt int32     // the attempt whose AM was tried last
	again   time.Time // when to ask it again (zero: it never answered)
}

// due reports whether the AM of rep's attempt is to be asked now.
func (t *amTries) due(rep *yarnpb.ApplicationReportProto) bool {
	if rep.GetYarnApplicationState() != yarnpb.YarnApplicationStateProto_RUNNING {
		return false
	}
	if rep.GetCurrentApplicationAttemptId().GetAttemptId() != t.attempt {
		return true
	}
	return !t.again.IsZero() && !time.Now().Before(t.again)
}

// tried records that rep's AM was asked and whether it answered. An AM
// that never answered (no viewer file, another user's application) is not
// asked again; one that did is, until its attempt changes.
func (t *amTries) tried(rep *yarnpb.ApplicationReportProto, answered bool) {
	att := rep.GetCurrentApplicationAttemptId().GetAttemptId()
	answeredBefore := att == t.attempt && !t.again.IsZero()
	t.attempt, t.again = att, time.Time{}
	if answered || answeredBefore {
		t.again = time.Now().Add(t.retry)
	}
}
