//go:build integration

package main

// Kerberos end-to-end tests against the kerberized test-cluster profile
// (profiles/kerberos). Skipped unless SPINDLE_TEST_PRINCIPAL and KRB5_CONFIG
// are set:
//
//	source <(.../profiles/kerberos/env.sh)
//	go test -tags integration -run 'Kerberos' -v -timeout 30m ./cmd/spindle/
//
// They run with whatever hadoop.rpc.protection the profile was started with;
// .ci/run (cluster_kerberos) runs them twice, with authentication and with
// privacy (YTC_RPC_PROTECTION). The spindle binary is the one TestMain built.

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/client"
	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/krb"
	"github.com/spindle-yarn/spindle/internal/staging"
)

// krbTest is the environment of one Kerberos test.
type krbTest struct {
	conf    *hadoopconf.Conf
	session *krb.Session
	cl      *client.Cluster
	dir     string // the test programs (testdata/kerberos)
	driver  string // readhdfs.sh copied as driver.sh
	staging string // hdfs:///user/<user>/.spindle/staging
	hdfs    string // the Hadoop CLI's hdfs
	nmLogs  string // the profile's NodeManager log directory
}

func needKerberos(t *testing.T) *krbTest {
	t.Helper()
	if os.Getenv("SPINDLE_TEST_PRINCIPAL") == "" || os.Getenv("KRB5_CONFIG") == "" {
		t.Skip("SPINDLE_TEST_PRINCIPAL/KRB5_CONFIG not set: source the kerberos profile's env.sh")
	}
	needCluster(t)
	conf, err := hadoopconf.LoadEnvironment()
	if err != nil {
		t.Fatal(err)
	}
	if !krb.SecurityEnabled(conf) {
		t.Fatalf("HADOOP_CONF_DIR=%s is not a kerberized cluster", os.Getenv("HADOOP_CONF_DIR"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := krb.Login(ctx, krb.Options{Principal: os.Getenv("SPINDLE_TEST_PRINCIPAL"), Keytab: os.Getenv("SPINDLE_TEST_KEYTAB")})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := client.ConnectAs(ctx, conf, client.Kerberos{Principal: s.Principal(), Keytab: os.Getenv("SPINDLE_TEST_KEYTAB")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close(); s.Close() })
	dir, err := filepath.Abs("testdata/kerberos")
	if err != nil {
		t.Fatal(err)
	}
	user, _, _ := strings.Cut(s.Principal(), "@")
	script, err := os.ReadFile(filepath.Join(dir, "readhdfs.sh"))
	if err != nil {
		t.Fatal(err)
	}
	driver := filepath.Join(t.TempDir(), "driver.sh")
	if err := os.WriteFile(driver, script, 0o755); err != nil {
		t.Fatal(err)
	}
	return &krbTest{conf: conf, session: s, cl: cl, dir: dir, driver: driver,
		staging: "hdfs:///user/" + user + "/.spindle/staging",
		hdfs:    filepath.Join(os.Getenv("HADOOP_HOME"), "bin", "hdfs"),
		nmLogs:  filepath.Join(filepath.Dir(os.Getenv("HADOOP_CONF_DIR")), "nm-logs")}
}

// submit runs spindle submit with the test programs and returns the
// application id it printed and the process.
func (k *krbTest) submit(t *testing.T, env []string, args ...string) (string, *e2eProc) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	all := append([]string{"submit", "--master", "yarn", "--executor-memory", "192m", "--driver-memory", "256m",
		"--files", filepath.Join(k.dir, "data.txt") + "," + filepath.Join(k.dir, "readhdfs.sh"),
		"--env", "SPINDLE_TEST_HDFS=" + k.hdfs, "--env", "SPINDLE_TEST_STAGING=" + k.staging}, args...)
	p := runSpindle(t, ctx, env, all...)
	m := regexp.MustCompile(`submitted (application_\d+_\d+)`).FindStringSubmatch(p.stderr())
	if m == nil {
		t.Fatalf("no application id in spindle's output:\n%s", p.stderr())
	}
	return m[1], p
}

// containerLog returns the file (stdout, stderr) of every container of id,
// concatenated, from the profile's NodeManager log directory.
func (k *krbTest) containerLog(t *testing.T, id, container, file string) string {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(k.nmLogs, id, "container_*_"+container, file))
	var b strings.Builder
	for _, m := range matches {
		data, _ := os.ReadFile(m)
		b.Write(data)
	}
	return b.String()
}

// checkStagingGone asserts that the application's staging directory was
// deleted (by the AM with its HDFS delegation token, and by the client).
func (k *krbTest) checkStagingGone(t *testing.T, id string) {
	t.Helper()
	k.waitStagingGone(t, id, 0)
}

// waitStagingGone asserts that the application's staging directory is
// deleted within wait (by the AM, which deletes it right after it
// unregisters, when no client waits for the end).
func (k *krbTest) waitStagingGone(t *testing.T, id string, wait time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute+wait)
	defer cancel()
	fsys, err := staging.OpenAs(ctx, k.conf, nil, staging.Auth{Kerberos: k.session})
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	dir := staging.StagingDir(fsys.Home(ctx), id)
	deadline := time.Now().Add(wait)
	for {
		_, err := fsys.Stat(ctx, dir)
		if errors.Is(err, fs.ErrNotExist) {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("the staging directory %s is still there (%v)", fsys.URL(dir), err)
			return
		}
		time.Sleep(time.Second)
	}
}

// krbEnv is the test's environment with the given overrides (KEY=VALUE).
func krbEnv(overrides ...string) []string {
	env := os.Environ()
	for _, o := range overrides {
		k, _, _ := strings.Cut(o, "=")
		out := env[:0:0]
		for _, e := range env {
			if !strings.HasPrefix(e, k+"=") {
				out = append(out, e)
			}
		}
		env = append(out, o)
	}
	return env
}

// checkSucceeded asserts that spindle exited 0 with the application
// FINISHED/SUCCEEDED, both roles read the staged file with only their
// tokens, and the staging directory is gone.
func (k *krbTest) checkSucceeded(t *testing.T, id string, p *e2eProc, driverInYARN bool) {
	t.Helper()
	if p.code != 0 || !strings.Contains(p.stderr(), id+" ended FINISHED/SUCCEEDED") {
		t.Fatalf("spindle exited %d, want 0 and FINISHED/SUCCEEDED:\n%s", p.code, p.stderr())
	}
	want, _ := os.ReadFile(filepath.Join(k.dir, "data.txt"))
	read := "read=" + strings.TrimSpace(string(want))
	if out := k.containerLog(t, id, "000002", "stdout"); !strings.Contains(out, "role=executor "+read) {
		t.Errorf("the executor did not read the staged file with its tokens; its stdout:\n%s\nstderr:\n%s", out, k.containerLog(t, id, "000002", "stderr"))
	}
	if driverInYARN {
		out := k.containerLog(t, id, "000001", "stdout")
		if !strings.Contains(out, "role=driver "+read) || !strings.Contains(out, "spindle-driver.tokens") {
			t.Errorf("the cluster-mode driver did not read the staged file with its own token file; its stdout:\n%s", out)
		}
	} else if !strings.Contains(p.stdout(), "role=driver "+read) {
		t.Errorf("the client-mode driver did not read the staged file:\n%s", p.stdout())
	}
	k.checkStagingGone(t, id)
}

// TestKerberosClusterModeTicketCache: kinit'ed user (the profile's ticket
// cache), cluster mode, HDFS staging; executors and the driver read HDFS
// with the shipped tokens only; status works on the secured cluster.
func TestKerberosClusterModeTicketCache(t *testing.T) {
	k := needKerberos(t)
	id, p := k.submit(t, krbEnv(), "--deploy-mode", "cluster", "--num-executors", "1",
		"--executor-command", "./readhdfs.sh", k.driver)
	k.checkSucceeded(t, id, p, true)
	if !strings.Contains(p.stderr(), "no --keytab: the application can run until") {
		t.Errorf("no warning about the tokens' maximum lifetime without a keytab:\n%s", p.stderr())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st := runSpindle(t, ctx, krbEnv(), "status", id)
	if st.code != 0 || !strings.Contains(st.stdout()+st.stderr(), "SUCCEEDED") {
		t.Errorf("spindle status %s exited %d:\n%s%s", id, st.code, st.stdout(), st.stderr())
	}
	// The profile does not aggregate logs: spindle logs must get as far as
	// listing the aggregated-log directories in HDFS (with the Kerberos
	// login) and then say where the logs are.
	lg := runSpindle(t, ctx, krbEnv(), "logs", id)
	if out := lg.stderr(); !strings.Contains(out, "log aggregation is off") || strings.Contains(out, "Kerberos") {
		t.Errorf("spindle logs %s on the secured cluster exited %d:\n%s", id, lg.code, out)
	}
}

// TestKerberosClientModeTicketCache: client mode: the driver runs here with
// the user's ticket, the executors in YARN with tokens.
func TestKerberosClientModeTicketCache(t *testing.T) {
	k := needKerberos(t)
	id, p := k.submit(t, krbEnv(), "--deploy-mode", "client", "--num-executors", "1",
		"--executor-command", "./readhdfs.sh", k.driver)
	k.checkSucceeded(t, id, p, false)
}

// TestKerberosKeytabNoCacheRefresh: --principal/--keytab with no ticket cache
// at all; the AM logs in again from the shipped keytab every 10 s, obtains
// new HDFS tokens and distributes them: the cluster-mode driver's and the
// executor's credentials files are rewritten in place mid-run; the driver
// then cancels the first HDFS token and both read HDFS with the new file:
// the application outlives its first token (the profile's token lifetimes
// are the defaults, so the first token is ended by cancelling it). The
// staging directory, deleted by the AM with its newest token, is gone.
func TestKerberosKeytabNoCacheRefresh(t *testing.T) {
	k := needKerberos(t)
	env := krbEnv("KRB5CCNAME=" + filepath.Join(t.TempDir(), "missing-cache"))
	id, p := k.submit(t, env, "--deploy-mode", "cluster", "--num-executors", "1",
		"--principal", os.Getenv("SPINDLE_TEST_PRINCIPAL"), "--keytab", os.Getenv("SPINDLE_TEST_KEYTAB"),
		"--conf", "spindle.kerberos.renewal.interval=10s", "--env", "SPINDLE_TEST_WAIT_REFRESH=1",
		"--executor-command", "./readhdfs.sh", k.driver)
	k.checkSucceeded(t, id, p, true)
	if strings.Contains(p.stderr(), "no --keytab") {
		t.Errorf("warned about the tokens' lifetime although a keytab was given")
	}
	for c, role := range map[string]string{"000001": "driver", "000002": "executor"} {
		if out := k.containerLog(t, id, c, "stdout"); !strings.Contains(out, "role="+role+" credentials-changed") {
			t.Errorf("the %s's credentials file was not rewritten:\n%s", role, out)
		}
	}
	if out := k.containerLog(t, id, "000001", "stdout"); !strings.Contains(out, "role=driver first-token-cancelled") {
		t.Errorf("the driver did not cancel the first HDFS token and check it was dead:\n%s", out)
	}
	amErr := k.containerLog(t, id, "000001", "stderr")
	if !strings.Contains(amErr, "credentials version 2 published") || !strings.Contains(amErr, "obtained new HDFS delegation tokens") {
		t.Errorf("the AM log shows no token refresh:\n%s", amErr)
	}
	if ex := k.containerLog(t, id, "000002", "stderr"); !strings.Contains(ex, "spindle executor: credentials version 2 written to") {
		t.Errorf("the executor launcher did not rewrite the credentials file:\n%s", ex)
	}
}

// TestKerberosKill: kill works on the secured cluster.
func TestKerberosKill(t *testing.T) {
	k := needKerberos(t)
	id, p := k.submit(t, krbEnv(), "--deploy-mode", "cluster", "--num-executors", "0", "--no-wait",
		k.driver)
	if p.code != 0 {
		t.Fatalf("submit --no-wait exited %d:\n%s", p.code, p.stderr())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	kp := runSpindle(t, ctx, krbEnv(), "kill", id)
	if kp.code != 0 {
		t.Errorf("spindle kill %s exited %d:\n%s", id, kp.code, kp.stderr())
	}
	k.checkStagingGone(t, id)
}

// TestKerberosUserErrors: every failure a user can act on is one line
// naming the fix, never a GSS error chain or a Java stack trace.
func TestKerberosUserErrors(t *testing.T) {
	k := needKerberos(t)
	badKDC := filepath.Join(t.TempDir(), "krb5.conf")
	realm := os.Getenv("SPINDLE_TEST_REALM")
	if realm == "" {
		realm = k.session.Realm()
	}
	conf := "[libdefaults]\n default_realm = " + realm + "\n dns_lookup_kdc = false\n udp_preference_limit = 1\n[realms]\n " + realm + " = {\n  kdc = 127.0.0.1:1\n }\n"
	if err := os.WriteFile(badKDC, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	keytab, principal := os.Getenv("SPINDLE_TEST_KEYTAB"), os.Getenv("SPINDLE_TEST_PRINCIPAL")
	noCache := "KRB5CCNAME=" + filepath.Join(t.TempDir(), "missing")
	notKeytab := filepath.Join(t.TempDir(), "not.keytab")
	if err := os.WriteFile(notKeytab, []byte("not a keytab"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"no ticket", krbEnv(noCache), []string{"cluster"}, "kinit"},
		{"no ticket (submit)", krbEnv(noCache), []string{"submit", "--master", "yarn", "/bin/true"}, "kinit"},
		{"wrong principal for the keytab", krbEnv(noCache), []string{"submit", "--master", "yarn", "--principal", "nosuchuser@" + realm, "--keytab", keytab, "/bin/true"}, "does not know principal"},
		{"not a keytab", krbEnv(noCache), []string{"submit", "--master", "yarn", "--principal", principal, "--keytab", notKeytab, "/bin/true"}, "keytab"},
		{"KDC unreachable", krbEnv(noCache, "KRB5_CONFIG="+badKDC), []string{"submit", "--master", "yarn", "--principal", principal, "--keytab", keytab, "/bin/true"}, "KDC"},
		{"RM principal mismatch", krbEnv(), []string{"submit", "--master", "yarn", "--conf", "spindle.hadoop.yarn.resourcemanager.principal=nm/_HOST@" + realm, "/bin/true"}, "yarn.resourcemanager.principal"},
		{"impersonation refused", krbEnv(), []string{"submit", "--master", "yarn", "--proxy-user", "bob", "/bin/true"}, "--proxy-user bob: the cluster does not allow"},
		{"HDFS token renewer rejected", krbEnv(), []string{"submit", "--master", "yarn", "--deploy-mode", "cluster", "--num-executors", "0",
			"--conf", "spindle.kerberos.tokenRenewer=" + principal, "/bin/true"}, "HDFS token renewer rejected"},
	} {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
			defer cancel()
			p := runSpindle(t, ctx, tc.env, tc.args...)
			lines := strings.Split(strings.TrimSpace(p.stderr()), "\n")
			last := lines[len(lines)-1]
			t.Logf("%s: %s", tc.name, last)
			if p.code != 1 || !strings.HasPrefix(last, "spindle "+tc.args[0]+": ") || !strings.Contains(last, tc.want) {
				t.Errorf("exit %d, last line %q: want exit 1 and one line with %q; stderr:\n%s", p.code, last, tc.want, p.stderr())
			}
			for _, bad := range []string{"GSSException", "\tat org.apache", "Caused by"} {
				if strings.Contains(last, bad) {
					t.Errorf("the message carries %q", bad)
				}
			}
		})
	}
}

// TestKerberosLogsFollow: on the secured cluster `spindle logs --follow`
// reads the viewer file from the Kerberos-protected staging directory and
// streams the driver's and the executor's stdout through the AM while the
// application runs.
func TestKerberosLogsFollow(t *testing.T) {
	k := needKerberos(t)
	ticker := filepath.Join(t.TempDir(), "ticker.sh")
	if err := os.WriteFile(ticker, []byte("#!/bin/sh\ni=0\nwhile [ $i -lt 15 ]; do echo \"tick $i from $SPINDLE_ROLE\"; i=$((i+1)); sleep 1; done\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	id, p := k.submit(t, krbEnv(), "--deploy-mode", "cluster", "--num-executors", "1", "--no-wait", ticker)
	if p.code != 0 {
		t.Fatalf("submit --no-wait exited %d:\n%s", p.code, p.stderr())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	lg := runSpindle(t, ctx, krbEnv(), "logs", id, "--follow", "--file", "stdout")
	out := lg.stdout()
	if lg.code != 0 || !strings.Contains(lg.stderr(), "ApplicationMaster") || !regexp.MustCompile(`streamed from \S+ ApplicationMaster`).MatchString(lg.stderr()) {
		t.Fatalf("spindle logs --follow exited %d, not streamed from the AM:\n%s\n%s", lg.code, out, lg.stderr())
	}
	for _, want := range []string{"tick 10 from driver", "tick 10 from executor"} {
		if !strings.Contains(out, want) {
			t.Errorf("--follow printed no %q:\n%s", want, out)
		}
	}
	t.Logf("spindle logs --follow on the secured cluster:\n%s%s", out, lg.stderr())
	k.waitStagingGone(t, id, 30*time.Second)
}

// TestKerberosAMRestartKeepsExecutors: on the secured cluster the AM keeps
// its state files and the executors look up a new attempt's address with
// HDFS delegation tokens only (file contents over WebHDFS). The first
// attempt's AM is killed; the second restores the executor table and the
// key-value store and adopts the executors, which reach it through their
// proxies; the driver's own check ("faulty: OK": same executors, store kept,
// all reporting to the current AM) passes.
func TestKerberosAMRestartKeepsExecutors(t *testing.T) {
	k := needKerberos(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	p := startSpindle(t, krbEnv(), "submit", "--master", "yarn", "--deploy-mode", "cluster", "--num-executors", "2",
		"--max-app-attempts", "2", "--executor-memory", "192m", "--driver-memory", "256m", faultyBin(t), "45s", "1")
	a := &faultApp{mode: "cluster", p: p, app: trackApp(t, k.cl, p.waitOutput(t, ctx, submittedRE)[1])}
	for !strings.Contains(k.containerLog(t, a.app.str, "000001", "stdout"), "faulty: ready") {
		select {
		case <-p.done:
			t.Fatalf("spindle exited %d before the driver was ready:\n%s", p.code, p.stderr())
		case <-ctx.Done():
			t.Fatal("the driver was not ready in time")
		case <-time.After(time.Second):
		}
	}
	// The AM saves its state at most every 2 s after the driver's writes.
	time.Sleep(4 * time.Second)
	killAM(t, a)
	code := p.wait(t, ctx)
	rep := waitTerminal(t, ctx, k.cl, a.app)
	am := k.containerLog(t, a.app.str, "000001", "stderr")
	if code != 0 || !rep.Succeeded() {
		t.Errorf("exit code %d, %s/%s (%s); want 0 and FINISHED/SUCCEEDED", code, rep.State, rep.FinalStatus, rep.Diagnostics)
	}
	for _, want := range []string{"restored the state of attempt", "adopted 2 executors"} {
		if !strings.Contains(am, want) {
			t.Errorf("the second attempt's log has no %q:\n%s", want, lastLines(am, 30))
		}
	}
	if strings.Contains(am, "will not be kept for a next attempt") || strings.Contains(am, "could not publish the API address") {
		t.Errorf("an attempt could not write its state files with the delegation token:\n%s", lastLines(am, 30))
	}
	if out := k.containerLog(t, a.app.str, "000001", "stdout"); !strings.Contains(out, "faulty: OK") {
		t.Errorf("the driver's check did not pass:\n%s", lastLines(out, 15))
	}
	k.waitStagingGone(t, a.app.str, time.Minute)
}
