package client

import (
	"context"
	"net/url"
	"time"

	"github.com/spindle-yarn/spindle/client/logs"
)

// Logs reads application logs from this cluster; warn receives problems that
// do not stop the reading (nil: dropped).
func (c *Cluster) Logs(warn func(msg string)) *LogReader {
	f := &logs.Fetcher{RM: c.rm, Conf: c.conf, NM: logs.NewNMClient(c.conf.WebAppScheme()), Warn: warn,
		AcceptedWait: logs.DefaultAcceptedWait, AM: c.viewerClient}
	if c.id.Kerberos() {
		f.OpenFS = func(ctx context.Context, u *url.URL) (logs.FS, error) {
			return logs.OpenFSAs(ctx, c.conf, u, c.id.Session)
		}
	}
	return &LogReader{f: f}
}

// LogReader reads an application's container logs: from the NodeManagers
// while it runs, from the aggregated logs once it has finished.
type LogReader struct{ f *logs.Fetcher }

// Fetch hands every log file of the application that opts selects to fn.
func (r *LogReader) Fetch(ctx context.Context, id ApplicationID, opts logs.Options, fn func(*logs.LogFile) error) (*logs.Result, error) {
	return r.f.Fetch(ctx, id.yarn(), opts, fn)
}

// Follow hands new output of the application's log files that opts selects
// to fn until the application ends: streamed by its ApplicationMaster while
// it runs (see logs.Fetcher.Follow), from the NodeManagers every interval
// where that is not possible.
func (r *LogReader) Follow(ctx context.Context, id ApplicationID, opts logs.Options, interval time.Duration, fn func(*logs.Chunk) error) (*logs.Result, error) {
	return r.f.Follow(ctx, id.yarn(), opts, interval, fn)
}
