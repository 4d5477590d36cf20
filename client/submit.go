package client

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/internal/amtls"
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
	// AMPubKeySHA256 pins the TLS certificate of the AM's HTTP API
	// (container.EnvAMPubKeySHA256); it is public.
	AMPubKeySHA256 string
	// Staged reports what was staged, for --verbose.
	Staged []StagedFile

	renewer  string // the delegation tokens' renewer (secured clusters)
	amDriver bool   // the AM runs the driver (spec.App.AMRunsDriver): its output can be followed
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
	steps := newPhases()
	defer steps.log(log)
	defer func() { err = c.explain(err) }() // e.g. --proxy-user refused: one line
	id, nodes, err := c.newApplication(ctx, sub.Opts)
	if err != nil {
		return nil, err
	}
	steps.mark("checks and new application")
	tokens, err := c.applicationTokens(ctx, log, sub.Opts.Kerberos)
	if err != nil {
		return nil, err
	}
	stagingFS, stagingDir, _ := stagingLocation(sub.Opts.StagingDir) // checked by ResolveOptions
	fsys, err := c.openStaging(ctx, stagingFS)
	if err != nil {
		return nil, fmt.Errorf("open the staging filesystem: %w", err)
	}
	defer fsys.Close()
	home := fsys.Home(ctx)
	steps.mark("open the filesystem")
	dir := staging.StagingDir(home, id.String())
	if stagingDir != "" {
		dir = path.Join(stagingDir, id.String())
	}
	// a, not the named result: a failure returns a nil app, and undoSubmit
	// still needs this one.
	a := &Application{ID: fromYARN(id), StagingDir: fsys.URL(dir), renewer: c.renewer(ctx, sub.Opts.Kerberos)}
	submitted := false
	defer func() {
		if err != nil {
			c.undoSubmit(log, fsys, dir, a, submitted, err)
		}
	}()
	var progress staging.ProgressFunc
	if cfg.Progress != nil {
		progress = staging.NewProgress(cfg.Progress, cfg.Verbose)
	}
	resources, specJSON, err := c.stage(ctx, fsys, home, dir, sub, a, nodes, progress, steps)
	if err != nil {
		return nil, err
	}
	if a.Secret, err = spec.NewSecret(); err != nil {
		return nil, err
	}
	tlsID, err := amtls.New(id.String(), time.Now())
	if err != nil {
		return nil, err
	}
	a.AMPubKeySHA256 = tlsID.Pin()
	if err := writeViewer(ctx, fsys, dir, a); err != nil {
		return nil, err
	}
	asc, err := c.submissionContext(sub, id, a.Secret, tlsID, resources, specJSON, tokens)
	if err != nil {
		return nil, err
	}
	submitted = true // from here a failure may leave an application behind: kill it
	sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if _, err := c.rm.Submit(sctx, asc); err != nil {
		return nil, fmt.Errorf("submit %s: %w", id, err)
	}
	steps.mark("submit and accepted")
	return a, nil
}

// newApplication checks the queue, asks the RM for an application id and
// checks the asks against the cluster's maximum container size, resource
// types and nodes; it returns the cluster's RUNNING nodes for placement.
func (c *Cluster) newApplication(ctx context.Context, opts *Options) (yarn.ApplicationID, []spec.Node, error) {
	nodes := c.liveNodesAsync(ctx, opts)
	if err := c.checkQueue(ctx, opts.Queue); err != nil {
		return yarn.ApplicationID{}, nil, err
	}
	nctx, cancel := c.withRPCTimeout(ctx)
	id, maxCap, err := c.rm.NewApplication(nctx)
	cancel()
	if err != nil {
		return yarn.ApplicationID{}, nil, fmt.Errorf("ask the ResourceManager for a new application: %w", c.explain(err))
	}
	if err := checkSizes(opts, maxCap); err != nil {
		return id, nil, err
	}
	if err := c.checkResources(ctx, opts, maxCap); err != nil {
		return id, nil, err
	}
	live, err := nodes()
	if err != nil {
		return id, nil, err
	}
	return id, live, checkPlacement(opts, live)
}

// stage puts the application's files, the spindle binary and the Hadoop
// configuration (both through the content-addressed cache) onto the cluster
// and returns the resources of the AM's container and the spec, which
// travels in the AM's credentials. It records what it staged in app.Staged.
// Nothing is written when nothing changed since the last submission: no
// staging directory without files to stage.
func (c *Cluster) stage(ctx context.Context, fsys staging.FS, home, dir string, sub *Submission, app *Application, nodes []spec.Node, progress staging.ProgressFunc, steps *phases) ([]spec.Resource, []byte, error) {
	stager := &staging.Stager{Progress: progress}
	var resources []spec.Resource
	if sub.plan == nil || len(sub.plan.Items) == 0 {
		// Nothing for the Stager, which would make it: the launch file (and
		// tasks, keytab) below are the directory's first files.
		if err := staging.MakeDir(ctx, fsys, dir); err != nil {
			return nil, nil, err
		}
	} else {
		staged, err := stager.Stage(ctx, fsys, dir, sub.plan)
		if err != nil {
			return nil, nil, fmt.Errorf("stage the application's files in %s: %w", app.StagingDir, err)
		}
		resources = staged.Resources
		for _, r := range staged.Reports {
			app.Staged = append(app.Staged, stagedFile(r))
		}
		steps.mark("stage the files")
	}
	if sub.Binary != "" {
		res, rep, err := stager.StageCached(ctx, fsys, sub.Binary, staging.CacheRoot(home))
		if err != nil {
			return nil, nil, fmt.Errorf("stage the spindle binary: %w", err)
		}
		res.Name, rep.Name = spec.BinaryLink, spec.BinaryLink
		resources = append(resources, res)
		app.Staged = append(app.Staged, stagedFile(rep))
		steps.mark("binary cache")
	}
	confRes, err := c.stageConf(ctx, stager, fsys, home, app)
	if err != nil {
		return nil, nil, err
	}
	resources = append(resources, confRes)
	steps.mark("configuration cache")
	launchRes, err := c.stageLaunch(ctx, fsys, dir, sub)
	if err != nil {
		return nil, nil, err
	}
	resources = append(resources, launchRes)
	appSpec := c.appSpec(sub, app.ID.yarn(), app.StagingDir, resources, nodes)
	app.amDriver = appSpec.AMRunsDriver()
	specJSON, err := appSpec.Marshal()
	if err != nil {
		return nil, nil, fmt.Errorf("encode the application spec: %w", err)
	}
	amOnly, err := stageTasks(ctx, fsys, dir, sub, app) // the job array's tasks: for the AM only
	if err != nil {
		return nil, nil, err
	}
	keytab, err := c.stageKeytab(ctx, fsys, dir, sub.Opts.Kerberos) // for the AM only
	if err != nil {
		return nil, nil, err
	}
	return append(append(resources, amOnly...), keytab...), specJSON, nil
}

// stageLaunch uploads the executors' launch file: their command, arguments
// and environment travel there, never on a command line YARN's launch script
// would expand.
func (c *Cluster) stageLaunch(ctx context.Context, fsys staging.FS, dir string, sub *Submission) (spec.Resource, error) {
	l := spec.Launch{Command: sub.executorCommand(), Env: sub.Opts.Env, NodeLocal: sub.nodeLocalLinks(), Tasks: sub.Opts.Tasks != ""}
	launchJSON, err := l.Marshal()
	if err != nil {
		return spec.Resource{}, fmt.Errorf("encode the executors' launch file: %w", err)
	}
	return putBytes(ctx, fsys, path.Join(dir, spec.ExecutorFileName), spec.ExecutorFileName, launchJSON, staging.FilePerm, spec.VisibilityApplication)
}

// stageConf ships the Hadoop configuration as the archive __spindle_conf__
// through the content-addressed cache: the same files are uploaded once.
func (c *Cluster) stageConf(ctx context.Context, stager *staging.Stager, fsys staging.FS, home string, app *Application) (spec.Resource, error) {
	confZip, err := zipConfig(c.conf.Dirs())
	if err != nil {
		return spec.Resource{}, err
	}
	tmp, err := os.CreateTemp("", "spindle-conf-*.zip")
	if err != nil {
		return spec.Resource{}, fmt.Errorf("ship the Hadoop configuration: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(confZip)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return spec.Resource{}, fmt.Errorf("ship the Hadoop configuration: %w", err)
	}
	res, rep, err := stager.StageCached(ctx, fsys, tmp.Name()+"#"+spec.ConfLink+".zip", staging.CacheRoot(home))
	if err != nil {
		return spec.Resource{}, fmt.Errorf("stage the Hadoop configuration: %w", err)
	}
	res.Name, res.Type = spec.ConfLink, spec.TypeArchive
	rep.Name, rep.Source = spec.ConfLink, strings.Join(c.conf.Dirs(), ",")
	app.Staged = append(app.Staged, stagedFile(rep))
	return res, nil
}

// undoSubmit leaves nothing behind after a failed submission: it kills the
// application if it was submitted and deletes the staging directory.
func (c *Cluster) undoSubmit(log logrus.FieldLogger, fsys staging.FS, dir string, app *Application, submitted bool, cause error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if submitted {
		// Not found: the RM refused the submission, so there is nothing to kill.
		if err := c.rm.Kill(ctx, app.ID.yarn(), "spindle: submission failed: "+cause.Error()); err != nil && !IsNotFound(err) {
			log.WithError(err).Warnf("could not kill %s after the failed submission", app.ID)
		}
	}
	if err := staging.Cleanup(ctx, fsys, dir); err != nil {
		log.WithError(err).Warnf("could not delete the staging directory %s", app.StagingDir)
	}
}

// checkQueue fails unless name is a leaf queue in state RUNNING.
func (c *Cluster) checkQueue(ctx context.Context, name string) error {
	qctx, cancel := c.withRPCTimeout(ctx)
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
func (c *Cluster) appSpec(sub *Submission, id yarn.ApplicationID, stagingDir string, resources []spec.Resource, nodes []spec.Node) *spec.App {
	o := sub.Opts
	mode := spec.ModeCluster
	if o.DeployMode == "client" && !sub.executorsOnly() {
		mode = spec.ModeClient
	}
	attempts := o.MaxAppAttempts
	if attempts <= 0 {
		attempts, _ = c.conf.GetInt("yarn.resourcemanager.am.max-attempts", 2)
	}
	a := &spec.App{ID: id.String(), Name: appName(o), Mode: mode, User: c.user(), StagingDir: stagingDir, Kerberos: c.kerberosSpec(o.Kerberos),
		Queue: o.Queue, NumExecutors: o.NumExecutors, MaxExecutorFailures: o.MaxExecutorFailures, MaxAttempts: attempts,
		DriverTimeout: spec.Duration(o.DriverTimeout), Resources: resources, NodeLocal: sub.nodeLocalLinks(), AMPort: o.AMPort,
		Executor: spec.Process{Command: sub.executorCommand(), Env: o.Env, MemoryMB: o.ExecutorMemoryMB, Cores: o.ExecutorCores,
			NodeLabel: o.ExecutorNodeLabel, ResourceAmounts: specAmounts(o.ExecutorResources)},
		Placement: specPlacement(o, nodes)}
	a.Recovery = o.Recovery.spec(o.Hadoop)
	if mode == spec.ModeCluster {
		a.Driver = spec.Process{Command: sub.driverCommand(), Env: o.Env, MemoryMB: o.DriverMemoryMB, Cores: o.DriverCores,
			NodeLabel: o.AMNodeLabel, ResourceAmounts: specAmounts(o.DriverResources)}
	}
	a.DynamicAllocation = o.DynamicAllocation
	if o.Tasks != "" {
		a.Mode, a.Tasks = spec.ModeCluster, spec.TasksLink // no driver: the AM runs the job array
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
func (c *Cluster) submissionContext(sub *Submission, id yarn.ApplicationID, secret string, tlsID *amtls.Identity, resources []spec.Resource, specJSON []byte, appTokens *creds.Credentials) (*yarnpb.ApplicationSubmissionContextProto, error) {
	o := sub.Opts
	amCreds := &creds.Credentials{}
	if appTokens != nil {
		amCreds.AddAll(appTokens)
	}
	amCreds.AddSecret(spec.SecretAlias, []byte(secret))
	if len(specJSON) > 0 {
		amCreds.AddSecret(spec.SpecSecretAlias, specJSON)
	}
	tlsID.AddTo(amCreds)
	tokens, err := amCreds.Marshal(creds.FormatWritable)
	if err != nil {
		return nil, fmt.Errorf("write the application's credentials: %w", err)
	}
	clc, err := (&launch.Context{Resources: resources, Env: spec.AMEnv(c.user()), Tokens: tokens,
		Command: spec.AMCommand()}).Proto()
	if err != nil {
		return nil, err
	}
	mem, cores, amounts := o.AMMemoryMB, o.AMCores, []ResourceAmount(nil)
	if o.DeployMode == "cluster" {
		mem, cores, amounts = o.DriverMemoryMB, o.DriverCores, o.DriverResources
	}
	asc := &yarnpb.ApplicationSubmissionContextProto{
		ApplicationId:   id.Proto(),
		ApplicationName: proto.String(appName(o)),
		Queue:           proto.String(o.Queue),
		AmContainerSpec: clc,
		Resource:        resourceProto(mem, cores, amounts),
		ApplicationType: proto.String(ApplicationType),
		ApplicationTags: o.Tags,
	}
	if o.Priority != 0 {
		asc.Priority = &yarnpb.PriorityProto{Priority: proto.Int32(o.Priority)}
	}
	if o.MaxAppAttempts > 0 {
		asc.MaxAppAttempts = proto.Int32(int32(o.MaxAppAttempts))
	}
	if o.AMNodeLabel != "" {
		// The AM's own request carries its label; the application's default
		// (the context's label) would also apply to the executors.
		asc.AmContainerResourceRequest = []*yarnpb.ResourceRequestProto{{
			Priority: &yarnpb.PriorityProto{Priority: proto.Int32(0)}, ResourceName: proto.String("*"),
			Capability: asc.Resource, NumContainers: proto.Int32(1), RelaxLocality: proto.Bool(true),
			NodeLabelExpression: proto.String(o.AMNodeLabel)}}
	}
	o.Recovery.apply(asc, o.MaxAppAttempts)
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

// putBytes writes data to p in the (existing) staging directory with perm and
// returns it as a file resource linked as link, of visibility vis.
func putBytes(ctx context.Context, fsys staging.FS, p, link string, data []byte, perm fs.FileMode, vis string) (spec.Resource, error) {
	st, err := fsys.Create(ctx, bytes.NewReader(data), p, perm)
	if errors.Is(err, os.ErrExist) {
		return spec.Resource{}, fmt.Errorf("stage %s: %s already exists", link, fsys.URL(p))
	}
	if err != nil {
		return spec.Resource{}, fmt.Errorf("stage %s: %w", link, err)
	}
	return spec.Resource{Name: link, URL: fsys.URL(p), Size: st.Size, Timestamp: st.ModTime, Type: spec.TypeFile,
		Visibility: vis}, nil
}
