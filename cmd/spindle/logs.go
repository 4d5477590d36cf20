package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/pflag"

	"github.com/spindle-yarn/spindle/client/logs"
	"github.com/spindle-yarn/spindle/internal/yarn"
)

func cmdLogs(ctx context.Context, env *cliEnv, args []string) error {
	fs := pflag.NewFlagSet("logs", pflag.ContinueOnError)
	containers := fs.StringSlice("container", nil, "only this container's logs (repeatable or comma-separated)")
	files := fs.StringSlice("file", nil, "only log files with this name or glob pattern, e.g. stdout, stderr, 'std*' (repeatable or comma-separated)")
	owner := fs.String("app-owner", "", "the application's user, to find the aggregated logs of an application the ResourceManager has forgotten (default: you)")
	follow := fs.Bool("follow", false, "keep printing new output of a running application's containers until it ends")
	interval := fs.Duration("interval", 2*time.Second, "with --follow, how often to check for new output")
	fs.Usage = func() {
		fmt.Fprintln(env.stderr, `Usage: spindle logs APPID [--container ID] [--file NAME] [--follow]

Prints an application's container logs, like 'yarn logs -applicationId': read from
the NodeManagers while the application runs, from the aggregated logs once it has
finished (yarn.log-aggregation-enable). Each file starts with a header
"== CONTAINER on NODE (FILE) ==".`)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	app, err := yarn.ParseApplicationID(fs.Arg(0))
	if err != nil {
		return err
	}
	if *interval <= 0 {
		return fmt.Errorf("--interval must be positive, not %s", *interval)
	}
	cl, err := connectCluster(env)
	if err != nil {
		return err
	}
	defer cl.Close()
	f := &logs.Fetcher{RM: cl.RM, Conf: cl.Conf, NM: logs.NewNMClient(cl.Conf.WebAppScheme()),
		Warn: func(msg string) { env.log.Warn(msg) }}
	opts := logs.Options{Containers: *containers, Files: *files, Owner: *owner}
	out := bufio.NewWriterSize(env.stdout, 64<<10)
	p := &logPrinter{w: out}
	if *follow {
		var res *logs.Result
		res, err = f.Follow(ctx, app, opts, *interval, func(c *logs.Chunk) error {
			if err := p.chunk(c); err != nil {
				return err
			}
			return out.Flush()
		})
		if err == nil && res.Source == logs.SourceNodeManagers {
			env.log.Infof("%s is %s; its complete logs are in the aggregated logs (spindle logs %[1]s)", app, res.State)
		}
	} else {
		_, err = f.Fetch(ctx, app, opts, p.file)
	}
	if ferr := out.Flush(); err == nil && ferr != nil {
		err = ferr
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return exitError{code: 130}
	}
	return err
}

// logPrinter writes log files under "== container on node (file) ==" headers,
// separated by blank lines, each ending in a newline.
type logPrinter struct {
	w       io.Writer
	started bool
	lastNL  bool   // the last byte written was a newline
	current string // header of the file being continued (follow mode)
}

func (p *logPrinter) header(container, node, name string) error {
	if node == "" {
		node = "an unknown node"
	}
	h := fmt.Sprintf("== %s on %s (%s) ==\n", container, node, name)
	if p.started {
		if !p.lastNL {
			h = "\n" + h
		}
		h = "\n" + h
	}
	p.started, p.lastNL, p.current = true, true, h
	_, err := io.WriteString(p.w, h)
	return err
}

func (p *logPrinter) body(r io.Reader) error {
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if _, werr := p.w.Write(buf[:n]); werr != nil {
				return werr
			}
			p.lastNL = buf[n-1] == '\n'
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// file prints a whole log file.
func (p *logPrinter) file(lf *logs.LogFile) error {
	if err := p.header(lf.Container, lf.Node, lf.Name); err != nil {
		return err
	}
	if err := p.body(lf.Content); err != nil {
		return fmt.Errorf("%s of %s: %w", lf.Name, lf.Container, err)
	}
	if !p.lastNL {
		if _, err := io.WriteString(p.w, "\n"); err != nil {
			return err
		}
		p.lastNL = true
	}
	return nil
}

// chunk prints new output of a followed file, with a header when the file
// differs from the last one printed.
func (p *logPrinter) chunk(c *logs.Chunk) error {
	node := c.Node
	if node == "" {
		node = "an unknown node"
	}
	if h := fmt.Sprintf("== %s on %s (%s) ==\n", c.Container, node, c.Name); h != p.current {
		if err := p.header(c.Container, c.Node, c.Name); err != nil {
			return err
		}
	}
	if c.Skipped > 0 {
		nl := ""
		if !p.lastNL {
			nl = "\n"
		}
		if _, err := fmt.Fprintf(p.w, "%s[... %d bytes skipped ...]\n", nl, c.Skipped); err != nil {
			return err
		}
		p.lastNL = true
	}
	_, err := p.w.Write(c.Data)
	if len(c.Data) > 0 {
		p.lastNL = c.Data[len(c.Data)-1] == '\n'
	}
	return err
}
