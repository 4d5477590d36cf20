package client

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spindle-yarn/spindle/internal/spec"
	"github.com/spindle-yarn/spindle/internal/staging"
)

// Submission is a submission checked on this machine and ready to go to the cluster.
type Submission struct {
	Opts *Options
	// plan is the validated list of the application's files.
	plan *staging.Plan
	// AppLink is the link name of APP in the containers ("" without APP).
	AppLink string
	// Binary is the local spindle binary to ship, or "" when Opts.Binary names one on the cluster.
	Binary string
	// LocalDriver is set when a driver runs on this machine without APP (a
	// shell session): the application is then in client mode even without APP.
	LocalDriver bool
}

// executorsOnly reports whether the application has no driver at all: no APP
// and no local driver. Its AM ends it once the executors are done, whatever
// the deploy mode (no client-mode driver would send heartbeats).
func (s *Submission) executorsOnly() bool { return s.Opts.App == "" && !s.LocalDriver }

// Prepare checks everything that can be checked without the cluster: the program and
// every --files/--archives/--jars entry exist, link names do not collide, and a spindle
// binary that can run on the nodes is at hand.
func Prepare(opts *Options, executable func() (string, error)) (*Submission, error) {
	if opts.App == "" && len(opts.ExecutorCommand) == 0 {
		return nil, errors.New("no program to run: give APP (a path to the driver program), or --executor-command for an application of executors only")
	}
	if opts.Tasks != "" {
		if err := checkTasksFile(opts.Tasks); err != nil {
			return nil, err
		}
	}
	var items []staging.Item
	s := &Submission{Opts: opts}
	if opts.App != "" {
		appPath, alias, _ := strings.Cut(opts.App, "#")
		st, err := os.Stat(appPath)
		switch {
		case strings.Contains(opts.App, "://") || strings.HasPrefix(opts.App, "local:"):
		case err != nil:
			return nil, fmt.Errorf("APP %q: %w (give the path to the program to run as the driver)", opts.App, errors.Unwrap(err))
		case !st.Mode().IsRegular():
			return nil, fmt.Errorf("APP %q is not a regular file (give the path to the program to run as the driver)", opts.App)
		case st.Mode().Perm()&0o111 == 0:
			return nil, fmt.Errorf("APP %q is not executable (chmod +x it)", opts.App)
		}
		s.AppLink = filepath.Base(appPath)
		if alias != "" {
			s.AppLink = alias
		}
		items = append(items, staging.Item{Source: opts.App, LinkName: s.AppLink, Origin: "APP"})
	}
	for _, f := range opts.Files {
		items = append(items, staging.Item{Source: f, Type: spec.TypeFile, Origin: "--files"})
	}
	for _, f := range opts.Jars {
		items = append(items, staging.Item{Source: f, Type: spec.TypeFile, Origin: "--jars"})
	}
	for _, a := range opts.Archives {
		items = append(items, staging.Item{Source: a, Type: spec.TypeArchive, Origin: "--archives"})
	}
	if opts.Binary != "" {
		items = append(items, staging.Item{Source: opts.Binary, LinkName: spec.BinaryLink, Origin: "--conf " + KeyBinary})
	} else {
		if runtime.GOOS != "linux" {
			return nil, fmt.Errorf("this spindle is built for %s/%s, but YARN nodes run Linux: build spindle for the nodes (GOOS=linux GOARCH=amd64 CGO_ENABLED=0 go build ./cmd/spindle), put it on the cluster's filesystem and name it with --conf %s=URI", runtime.GOOS, runtime.GOARCH, KeyBinary)
		}
		exe, err := executable()
		if err != nil {
			return nil, fmt.Errorf("find the spindle binary to ship: %w (or name one on the cluster with --conf %s=URI)", err, KeyBinary)
		}
		s.Binary = exe
	}
	var stager staging.Stager
	for _, it := range items { // one at a time first, so that each error names its flag
		if _, err := stager.Plan([]staging.Item{it}); err != nil {
			return nil, fmt.Errorf("%s: %w", it.Origin, err)
		}
	}
	plan, err := stager.Plan(items)
	if err != nil {
		return nil, err
	}
	for _, it := range plan.Items {
		if spec.IsReserved(it.Name) && it.Source != opts.Binary {
			return nil, fmt.Errorf("%s: the link name %q is reserved by spindle: rename it with #alias", it.Source, it.Name)
		}
		if it.Location == staging.NodeLocal && it.Source == opts.App {
			return nil, fmt.Errorf("APP %q: local: programs are not supported yet; ship the program itself", opts.App)
		}
	}
	s.plan = plan
	return s, nil
}

// nodeLocalLinks lists the local: files, which the AM and the executor
// launcher link into their working directories.
func (s *Submission) nodeLocalLinks() []spec.Link {
	if s.plan == nil {
		return nil
	}
	var links []spec.Link
	for _, it := range s.plan.Items {
		if it.Location == staging.NodeLocal {
			links = append(links, spec.Link{Path: it.Path, Name: it.Name})
		}
	}
	return links
}

// driverCommand is what the driver runs in cluster mode: the shipped APP and its arguments.
func (s *Submission) driverCommand() []string {
	if s.AppLink == "" {
		return nil
	}
	return append([]string{"./" + s.AppLink}, s.Opts.AppArgs...)
}

// executorCommand is what every executor runs.
func (s *Submission) executorCommand() []string {
	if len(s.Opts.ExecutorCommand) > 0 {
		return s.Opts.ExecutorCommand
	}
	return s.driverCommand()
}
