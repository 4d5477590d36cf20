package client

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/internal/creds"
	"github.com/spindle-yarn/spindle/internal/launch"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/spec"
	"github.com/spindle-yarn/spindle/internal/staging"
	"github.com/spindle-yarn/spindle/internal/yarn"
	"google.golang.org/protobuf/proto"
)

// ApplicationType is the YARN application type of Spindle applications.
const ApplicationType = "SPINDLE"

// Application is a submitted application.
type Application struct {
	ID ApplicationID
	// StagingDir is the staging directory's URI ("" if nothing was staged).
	StagingDir string
	// Secret authenticates the driver's requests to the AM's HTTP API.
	Secret string
	// Staged reports what was staged, for --verbose.
	Staged []StagedFile

	renewer string // the delegation tokens' renewer (secured clusters)
}

// StagedFile reports one file of a submission: put into the staging
// directory, found in the binary cache, or used in place.
type StagedFile struct {
	// Name is its link name in the containers.
	Name string
	// Source is where it came from, as given.
	Source string
	// URL is its URI on the cluster's filesystem.
	URL string
	// Outcome is "uploaded", "cached" or "on cluster".
	Outcome string
	// Bytes is how many bytes were uploaded; Size is the file's size.
	Bytes, Size int64
}

func stagedFile(r staging.Report) StagedFile {
	return StagedFile{Name: r.Name, Source: r.Source, URL: r.URL, Outcome: r.Outcome.String(), Bytes: r.Bytes, Size: r.Size}
}

// SubmitConfig is what Submit needs besides the submission.
type SubmitConfig struct {
	Log logrus.FieldLogger
	// Progress receives upload progress as lines of text: a progress bar on a
	// terminal, or a line per file with Verbose (nil for none).
	Progress io.Writer
	// Verbose reports every file and byte count instead of a progress bar.
	Verbose bool
}

// Submit checks the submission against the cluster (queue, maximum container size),
// stages the files and submits the ApplicationMaster. When it fails after staging it
// deletes the staging directory, and after submission it also kills the application,
// so nothing is left behind.
func (c *Cluster) Submit(ctx context.Context, sub *Submission, cfg SubmitConfig) (app *Application, err error) {
	log := cfg.Log
	if log == nil {
		log = logrus.New()
	}
	defer func() { err = c.explain(err) }() // e.g. --proxy-user refused: one line
	id, err := c.newApplication(ctx, sub.Opts)
	if err != nil {
		return nil, err
	}
	tokens, err := c.applicationTokens(ctx, log, sub.Opts.Kerberos)
	if err != nil {
		return nil, err
	}
	fsys, err := c.openStaging(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("open the staging filesystem: %w", err)
	}
	defer fsys.Close()
	home := fsys.Home(ctx)
	dir := staging.StagingDir(home, id.String())
	if sub.Opts.StagingDir != "" {
		dir = path.Join(sub.Opts.StagingDir, id.String())
	}
	app = &Application{ID: fromYARN(id), StagingDir: fsys.URL(dir), renewer: c.renewer(ctx, sub.Opts.Kerberos)}
	submitted := false
	defer func() {
		if err != nil {
			c.undoSubmit(log, fsys, dir, app, submitted, err)
		}
	}()
	var progress staging.ProgressFunc
	if cfg.Progress != nil {
		progress = staging.NewProgress(cfg.Progress, cfg.Verbose)
	}
	resources, err := c.stage(ctx, fsys, home, dir, sub, app, progress)
	if err != nil {
		return nil, err
	}
	if app.Secret, err = spec.NewSecret(); err != nil {
		return nil, err
	}
	asc, err := c.submissionContext(sub, id, app.Secret, resources, tokens)
	if err != nil {
		return nil, err
	}
	submitted = true // from here a failure may leave an application behind: kill it
	sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if _, err := c.rm.Submit(sctx, asc); err != nil {
		return nil, fmt.Errorf("submit %s: %w", id, err)
	}
	return app, nil
}

// newApplication checks the queue, asks the RM for an application id and
// checks the asks against the cluster's maximum container size.
func (c *Cluster) newApplication(ctx context.Context, opts *Options) (yarn.ApplicationID, error) {
	if err := c.checkQueue(ctx, opts.Queue); err != nil {
		return yarn.ApplicationID{}, err
	}
	nctx, cancel := withRPCTimeout(ctx)
	id, maxCap, err := c.rm.NewApplication(nctx)
	cancel()
	if err != nil {
		return yarn.ApplicationID{}, fmt.Errorf("ask the ResourceManager for a new application: %w", c.explain(err))
	}
	return id, checkSizes(opts, maxCap)
}

// stage puts the application's files, the spindle binary (through the cache),
// the Hadoop configuration and the spec into dir, and returns the resources
// of the AM's container. It records what it staged in app.Staged.
func (c *Cluster) stage(ctx context.Context, fsys staging.FS, home, dir string, sub *Submission, app *Application, progress staging.ProgressFunc) ([]spec.Resource, error) {
	stager := &staging.Stager{Progress: progress}
	staged, err := stager.Stage(ctx, fsys, dir, sub.plan)
	if err != nil {
		return nil, fmt.Errorf("stage the application's files in %s: %w", app.StagingDir, err)
	}
	resources := staged.Resources
	for _, r := range staged.Reports {
		app.Staged = append(app.Staged, stagedFile(r))
	}
	if sub.Binary != "" {
		res, rep, err := stager.StageCached(ctx, fsys, sub.Binary, staging.CacheRoot(home))
		if err != nil {
			return nil, fmt.Errorf("stage the spindle binary: %w", err)
		}
		res.Name, rep.Name = spec.BinaryLink, spec.BinaryLink
		resources = append(resources, res)
		app.Staged = append(app.Staged, stagedFile(rep))
	}
	confZip, err := zipConfig(c.conf.Dirs())
	if err != nil {
		return nil, err
	}
	confRes, err := putBytes(ctx, fsys, path.Join(dir, spec.ConfLink+".zip"), spec.ConfLink, spec.TypeArchive, confZip)
	if err != nil {
		return nil, err
	}
	resources = append(resources, confRes)
	app.Staged = append(app.Staged, StagedFile{Name: spec.ConfLink, Source: strings.Join(c.conf.Dirs(), ","), URL: confRes.URL,
		Outcome: staging.Uploaded.String(), Bytes: int64(len(confZip)), Size: int64(len(confZip))})
	specJSON, err := c.appSpec(sub, app.ID.yarn(), app.StagingDir, resources).Marshal()
	if err != nil {
		return nil, fmt.Errorf("encode the application spec: %w", err)
	}
	specRes, err := putBytes(ctx, fsys, path.Join(dir, spec.FileName), spec.FileName, spec.TypeFile, specJSON)
	if err != nil {
		return nil, err
	}
	keytab, err := c.stageKeytab(ctx, fsys, dir, sub.Opts.Kerberos)
	if err != nil {
		return nil, err
	}
	return append(append(resources, specRes), keytab...), nil
}

// undoSubmit leaves nothing behind after a failed submission: it kills the
// application if it was submitted and deletes the staging directory.
func (c *Cluster) undoSubmit(log logrus.FieldLogger, fsys staging.FS, dir string, app *Application, submitted bool, cause error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if submitted {
		if err := c.rm.Kill(ctx, app.ID.yarn(), "spindle: submission failed: "+cause.Error()); err != nil {
			log.WithError(err).Warnf("could not kill %s after the failed submission", app.ID)
		}
	}
	if err := staging.Cleanup(ctx, fsys, dir); err != nil {
		log.WithError(err).Warnf("could not delete the staging directory %s", app.StagingDir)
	}
}

// checkQueue fails unless name is a leaf queue in state RUNNING.
func (c *Cluster) checkQueue(ctx context.Context, name string) error {
	qctx, cancel := withRPCTimeout(ctx)
	defer cancel()
	queues, err := c.Queues(qctx)
	if err != nil {
		return err
	}
	var leaves []string
	for _, q := range queues {
		if q.Leaf {
			leaves = append(leaves, q.Name)
		}
		if q.Name != name {
			continue
		}
		if !q.Leaf {
			return fmt.Errorf("--queue %s: %q is a parent queue; submit to one of its leaf queues: %s", name, name, strings.Join(q.Children, ", "))
		}
		if q.State != "RUNNING" {
			return fmt.Errorf("--queue %s: the queue is %s, not RUNNING: ask the cluster's administrator to start it, or pick another queue", name, q.State)
		}
		return nil
	}
	return fmt.Errorf("--queue %s: no such queue on this cluster; its queues are: %s", name, strings.Join(leaves, ", "))
}

// checkSizes compares the asks with the cluster's maximum container size.
func checkSizes(o *Options, maxCap *yarnpb.ResourceProto) error {
	maxMem, maxCores := maxCap.GetMemory(), maxCap.GetVirtualCores()
	var problems []string
	mem := func(flag string, mb int64) {
		if maxMem > 0 && mb > maxMem {
			problems = append(problems, fmt.Sprintf("--%s %d MB is above the cluster's maximum container size of %d MB (yarn.scheduler.maximum-allocation-mb): ask for at most %dm", flag, mb, maxMem, maxMem))
		}
	}
	cores := func(flag string, n int32) {
		if maxCores > 0 && n > maxCores {
			problems = append(problems, fmt.Sprintf("--%s %d is above the cluster's maximum of %d vcores per container (yarn.scheduler.maximum-allocation-vcores): ask for at most %d", flag, n, maxCores, maxCores))
		}
	}
	if o.NumExecutors > 0 {
		mem("executor-memory", o.ExecutorMemoryMB)
		cores("executor-cores", o.ExecutorCores)
	}
	if o.DeployMode == "cluster" {
		mem("driver-memory", o.DriverMemoryMB)
		cores("driver-cores", o.DriverCores)
	} else {
		mem("conf "+KeyAMMemory, o.AMMemoryMB)
		cores("conf "+KeyAMCores, o.AMCores)
	}
	if len(problems) > 0 {
		return &UsageError{Problems: problems}
	}
	return nil
}

// appSpec is what the AM is told.
func (c *Cluster) appSpec(sub *Submission, id yarn.ApplicationID, stagingDir string, resources []spec.Resource) *spec.App {
	o := sub.Opts
	mode := spec.ModeCluster
	if o.DeployMode == "client" {
		mode = spec.ModeClient
	}
	attempts := o.MaxAppAttempts
	if attempts <= 0 {
		attempts, _ = c.conf.GetInt("yarn.resourcemanager.am.max-attempts", 2)
	}
	execEnv := o.Env
	if links := sub.nodeLocalLinks(); links != "" {
		execEnv = map[string]string{spec.EnvNodeLocalLinks: links}
		for k, v := range o.Env {
			execEnv[k] = v
		}
	}
	a := &spec.App{ID: id.String(), Name: appName(o), Mode: mode, User: c.user(), StagingDir: stagingDir, Kerberos: c.kerberosSpec(o.Kerberos),
		Queue: o.Queue, NumExecutors: o.NumExecutors, MaxExecutorFailures: o.MaxExecutorFailures, MaxAttempts: attempts,
		DriverTimeout: spec.Duration(o.DriverTimeout), Resources: resources,
		Executor: spec.Process{Command: sub.executorCommand(), Env: execEnv, MemoryMB: o.ExecutorMemoryMB, Cores: o.ExecutorCores, NodeLabel: o.NodeLabel}}
	if mode == spec.ModeCluster {
		a.Driver = spec.Process{Command: sub.driverCommand(), Env: o.Env, MemoryMB: o.DriverMemoryMB, Cores: o.DriverCores}
	}
	return a
}

func appName(o *Options) string {
	switch {
	case o.Name != "":
		return o.Name
	case o.App != "":
		return filepath.Base(strings.SplitN(o.App, "#", 2)[0])
	case len(o.ExecutorCommand) > 0:
		return filepath.Base(o.ExecutorCommand[0])
	}
	return "spindle"
}

// submissionContext builds the ApplicationSubmissionContext for the AM.
func (c *Cluster) submissionContext(sub *Submission, id yarn.ApplicationID, secret string, resources []spec.Resource, appTokens *creds.Credentials) (*yarnpb.ApplicationSubmissionContextProto, error) {
	o := sub.Opts
	amCreds := &creds.Credentials{}
	if appTokens != nil {
		amCreds.AddAll(appTokens)
	}
	amCreds.AddSecret(spec.SecretAlias, []byte(secret))
	tokens, err := amCreds.Marshal(creds.FormatWritable)
	if err != nil {
		return nil, fmt.Errorf("write the application's credentials: %w", err)
	}
	clc, err := (&launch.Context{Resources: resources, Env: spec.AMEnv(c.user(), sub.nodeLocalLinks()), Tokens: tokens,
		Command: spec.AMCommand()}).Proto()
	if err != nil {
		return nil, err
	}
	mem, cores := o.AMMemoryMB, o.AMCores
	if o.DeployMode == "cluster" {
		mem, cores = o.DriverMemoryMB, o.DriverCores
	}
	asc := &yarnpb.ApplicationSubmissionContextProto{
		ApplicationId:   id.Proto(),
		ApplicationName: proto.String(appName(o)),
		Queue:           proto.String(o.Queue),
		AmContainerSpec: clc,
		Resource:        &yarnpb.ResourceProto{Memory: proto.Int64(mem), VirtualCores: proto.Int32(cores)},
		ApplicationType: proto.String(ApplicationType),
		ApplicationTags: o.Tags,
	}
	if o.Priority != 0 {
		asc.Priority = &yarnpb.PriorityProto{Priority: proto.Int32(o.Priority)}
	}
	if o.MaxAppAttempts > 0 {
		asc.MaxAppAttempts = proto.Int32(int32(o.MaxAppAttempts))
	}
	if o.NodeLabel != "" {
		asc.NodeLabelExpression = proto.String(o.NodeLabel)
	}
	return asc, nil
}

// zipConfig packs the configuration directories' files (earlier directories win)
// into one zip, shipped as the containers' HADOOP_CONF_DIR.
func zipConfig(dirs []string) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	seen := map[string]bool{}
	for _, d := range dirs {
		entries, err := os.ReadDir(d)
		if err != nil {
			return nil, fmt.Errorf("ship the Hadoop configuration: %w", err)
		}
		for _, e := range entries {
			if !e.Type().IsRegular() || seen[e.Name()] {
				continue
			}
			seen[e.Name()] = true
			if err := addZipFile(zw, filepath.Join(d, e.Name()), e.Name()); err != nil {
				return nil, fmt.Errorf("ship the Hadoop configuration: %w", err)
			}
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("ship the Hadoop configuration: %w", err)
	}
	return buf.Bytes(), nil
}

func addZipFile(zw *zip.Writer, src, name string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	w, err := zw.Create(name)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, f)
	return err
}

// putBytes writes data to p and returns it as a resource.
func putBytes(ctx context.Context, fsys staging.FS, p, link, typ string, data []byte) (spec.Resource, error) {
	st, err := fsys.Create(ctx, bytes.NewReader(data), p, staging.FilePerm)
	if errors.Is(err, os.ErrExist) {
		return spec.Resource{}, fmt.Errorf("stage %s: %s already exists", link, fsys.URL(p))
	}
	if err != nil {
		return spec.Resource{}, fmt.Errorf("stage %s: %w", link, err)
	}
	return spec.Resource{Name: link, URL: fsys.URL(p), Size: st.Size, Timestamp: st.ModTime, Type: typ,
		Visibility: spec.VisibilityApplication}, nil
}
