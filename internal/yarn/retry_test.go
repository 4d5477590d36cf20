package yarn

import (
	"context"
	"errors"
	"net"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/ipc"
)

// confWith returns a configuration with only the built-in defaults and kv.
func confWith(kv ...string) *hadoopconf.Conf {
	c := hadoopconf.NewDefault(hadoopconf.Options{})
	for i := 0; i+1 < len(kv); i += 2 {
		c.Set(kv[i], kv[i+1])
	}
	return c
}

func TestRetryPolicyFromConf(t *testing.T) {
	ha := []string{"yarn.resourcemanager.ha.enabled", "true", "yarn.resourcemanager.ha.rm-ids", "rm1,rm2"}
	cases := []struct {
		name string
		kv   []string
		want RetryPolicy
	}{
		{"hadoop defaults", nil,
			FixedRetry{MaxWait: 15 * time.Minute, Interval: 30 * time.Second, ConnectRetries: 10, ConnectInterval: time.Second}},
		{"single-node test cluster", []string{KeyRMConnectRetryInterval, "1000"},
			FixedRetry{MaxWait: 15 * time.Minute, Interval: time.Second, ConnectRetries: 10, ConnectInterval: time.Second}},
		{"forever", []string{KeyRMConnectMaxWait, "-1", KeyIPCConnectMaxRetries, "0"},
			FixedRetry{MaxWait: -1, Interval: 30 * time.Second}},
		{"max-wait below interval tries once", []string{KeyRMConnectMaxWait, "5000"},
			FixedRetry{MaxWait: 0, Interval: 30 * time.Second, ConnectRetries: 10, ConnectInterval: time.Second}},
		{"HA defaults", ha,
			FailoverRetry{MaxFailovers: 30, SleepBase: 30 * time.Second, SleepMax: 30 * time.Second}},
		{"HA profile", append(ha, KeyRMConnectMaxWait, "30000", KeyFailoverSleepBase, "1000", KeyFailoverSleepMax, "1000"),
			FailoverRetry{MaxFailovers: 30, SleepBase: time.Second, SleepMax: time.Second}},
		{"HA explicit attempts", append(ha, KeyFailoverMaxAttempts, "4", KeyFailoverSleepBase, "100", KeyFailoverSleepMax, "2000"),
			FailoverRetry{MaxFailovers: 4, SleepBase: 100 * time.Millisecond, SleepMax: 2 * time.Second}},
		{"HA forever", append(ha, KeyRMConnectMaxWait, "-1"),
			FailoverRetry{MaxFailovers: -1, SleepBase: 30 * time.Second, SleepMax: 30 * time.Second}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := RetryPolicyFromConf(confWith(c.kv...))
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("got %#v, want %#v", got, c.want)
			}
		})
	}
}

func TestRetryPolicyFromConfRejects(t *testing.T) {
	ha := []string{"yarn.resourcemanager.ha.enabled", "true", "yarn.resourcemanager.ha.rm-ids", "rm1,rm2"}
	cases := []struct {
		kv  []string
		key string
	}{
		{[]string{KeyRMConnectMaxWait, "-2"}, KeyRMConnectMaxWait},
		{[]string{KeyRMConnectMaxWait, "15min"}, KeyRMConnectMaxWait},
		{[]string{KeyRMConnectRetryInterval, "-1"}, KeyRMConnectRetryInterval},
		{append(ha, KeyFailoverSleepBase, "0"), KeyFailoverSleepBase},
		{append(ha, KeyFailoverMaxAttempts, "-5"), KeyFailoverMaxAttempts},
		{append(ha, KeyFailoverSleepMax, "x"), KeyFailoverSleepMax},
	}
	for _, c := range cases {
		p, err := RetryPolicyFromConf(confWith(c.kv...))
		if err == nil || !strings.Contains(err.Error(), c.key) {
			t.Errorf("%q: got %v, %v; want an error naming %s", c.kv, p, err, c.key)
		}
	}
}

func TestFixedRetrySchedule(t *testing.T) {
	p := FixedRetry{MaxWait: 10 * time.Second, Interval: 3 * time.Second, ConnectRetries: 2, ConnectInterval: 200 * time.Millisecond}
	dial := connRefused("rm:1")
	broken := &ipc.ConnectError{Addr: "rm:1", Op: "read", Err: errors.New("EOF")}
	// Dial failures: two quick retries, then the interval, and so on.
	var waits []time.Duration
	for n := 1; n <= 6; n++ {
		w, ok := p.Retry(n, 0, dial)
		if !ok {
			t.Fatalf("gave up at try %d", n)
		}
		waits = append(waits, w)
	}
	want := []time.Duration{200 * time.Millisecond, 200 * time.Millisecond, 3 * time.Second,
		200 * time.Millisecond, 200 * time.Millisecond, 3 * time.Second}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("waits = %v, want %v", waits, want)
		}
	}
	if w, ok := p.Retry(1, 0, broken); !ok || w != 3*time.Second {
		t.Errorf("broken connection: %v, %v; want the interval", w, ok)
	}
	if _, ok := p.Retry(9, 7*time.Second+time.Millisecond, broken); ok {
		t.Error("retried past MaxWait")
	}
	if _, ok := p.Retry(9, 7*time.Second, broken); !ok {
		t.Error("gave up before MaxWait")
	}
	if w, ok := (FixedRetry{MaxWait: -1}).Retry(1000, 1000*time.Hour, broken); !ok || w != minRetryWait {
		t.Errorf("forever with zero interval: %v, %v; want %v, true", w, ok, minRetryWait)
	}
	if _, ok := (FixedRetry{Interval: time.Second}).Retry(1, 0, broken); ok {
		t.Error("MaxWait 0 retried")
	}
}

func TestFailoverRetrySchedule(t *testing.T) {
	p := FailoverRetry{MaxFailovers: 6, SleepBase: 100 * time.Millisecond, SleepMax: 500 * time.Millisecond}
	bases := []time.Duration{0, 200, 400, 500, 500, 500} // ms; doubled from the second failover, capped
	for i, b := range bases {
		b *= time.Millisecond
		for k := 0; k < 20; k++ { // jitter: within [0.5, 1.5) of the base
			w, ok := p.Retry(i+1, 0, standby())
			if !ok || w < b/2 || w >= b*3/2+1 {
				t.Fatalf("try %d: wait %v, %v; want in [%v, %v)", i+1, w, ok, b/2, b*3/2)
			}
		}
	}
	if _, ok := p.Retry(7, 0, standby()); ok {
		t.Error("retried past MaxFailovers")
	}
	if got, want := p.Limit(), (200+400+500+500+500)*time.Millisecond; got != want {
		t.Errorf("Limit = %v, want %v", got, want)
	}
	if _, ok := (FailoverRetry{MaxFailovers: -1}).Retry(1<<20, 0, standby()); !ok {
		t.Error("no-limit policy gave up")
	}
	if (FailoverRetry{MaxFailovers: -1}).Limit() >= 0 {
		t.Error("no-limit policy has a limit")
	}
}

// events collects ConnectionEvents.
type events struct {
	ch chan ConnectionEvent
}

func newEvents() *events { return &events{ch: make(chan ConnectionEvent, 100)} }

func (e *events) observe(ev ConnectionEvent) { e.ch <- ev }

func (e *events) all() []ConnectionEvent {
	var out []ConnectionEvent
	for {
		select {
		case ev := <-e.ch:
			out = append(out, ev)
		default:
			return out
		}
	}
}

func TestRMOutageThenRecoveryReportedOnce(t *testing.T) {
	down := 7 // the first seven tries are refused
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		if n < down {
			return connRefused(c.addr)
		}
		return setResp(resp, metricsResp(2))
	}}
	ev := newEvents()
	policy := FixedRetry{MaxWait: time.Minute, Interval: 10 * time.Millisecond}
	rm, err := NewResourceManager(fc, []string{"rm:8032"}, WithRetryPolicy(policy), WithObserver(ev.observe))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	start := time.Now()
	m, err := rm.ClusterMetrics(ctx)
	if err != nil || m.GetNumNodeManagers() != 2 {
		t.Fatalf("ClusterMetrics = %v, %v", m, err)
	}
	if d := time.Since(start); d < time.Duration(down)*minRetryWait {
		t.Errorf("recovered after %v: retries did not wait", d)
	}
	// A healthy call afterwards reports nothing.
	if _, err := rm.ClusterMetrics(ctx); err != nil {
		t.Fatal(err)
	}
	got := ev.all()
	if len(got) != 2 || got[0].State != RMUnreachable || got[1].State != RMBack {
		t.Fatalf("events = %v, want unreachable then back", got)
	}
	u, b := got[0], got[1]
	if d := u.Until.Sub(u.Since); u.Method != "getClusterMetrics" || u.Addr != "rm:8032" || !errAs[*ipc.ConnectError](u.Err) ||
		d < time.Minute-time.Second || d > time.Minute {
		t.Errorf("unreachable event %+v", u)
	}
	if !b.Since.Equal(u.Since) || b.Addr != "rm:8032" || b.At.Before(u.At) {
		t.Errorf("back event %+v (unreachable %+v)", b, u)
	}
	for _, s := range []string{"ResourceManager unreachable", "cannot connect", "retrying until", "1m0s"} {
		if !strings.Contains(u.String(), s) {
			t.Errorf("%q does not contain %q", u.String(), s)
		}
	}
	if !strings.Contains(b.String(), "ResourceManager back (rm:8032) after") {
		t.Errorf("back message %q", b.String())
	}
}

func TestRMOutageConcurrentCallsReportOnce(t *testing.T) {
	var up atomic.Bool
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		if !up.Load() {
			return connRefused(c.addr)
		}
		return setResp(resp, metricsResp(1))
	}}
	ev := newEvents()
	rm, err := NewResourceManager(fc, []string{"rm1", "rm2"}, WithObserver(ev.observe),
		WithRetryPolicy(FixedRetry{MaxWait: -1, Interval: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	errs := make(chan error, 5)
	for i := 0; i < 5; i++ {
		go func() { _, err := rm.ClusterMetrics(ctx); errs <- err }()
	}
	time.Sleep(300 * time.Millisecond)
	up.Store(true)
	for i := 0; i < 5; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	got := ev.all()
	if len(got) != 2 || got[0].State != RMUnreachable || got[1].State != RMBack || !got[0].Until.IsZero() {
		t.Errorf("events = %v, want one unreachable (no limit) and one back", got)
	}
}

func TestRMOutageNotReportedAfterAnotherCallGotAnswer(t *testing.T) {
	// Call H is retrying when call P finds the new active RM: H's next
	// failure (on the old RM) must not report a new outage.
	var up atomic.Bool
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		if c.addr == "rm1" || !up.Load() {
			return connRefused(c.addr)
		}
		return setResp(resp, metricsResp(1))
	}}
	ev := newEvents()
	rm, err := NewResourceManager(fc, []string{"rm1", "rm2"}, WithObserver(ev.observe),
		WithRetryPolicy(FailoverRetry{MaxFailovers: 100, SleepBase: 200 * time.Millisecond, SleepMax: 200 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	done := make(chan error, 1)
	go func() { _, err := rm.ClusterMetrics(ctx); done <- err }() // H
	first := <-ev.ch
	if first.State != RMUnreachable {
		t.Fatalf("first event %v", first)
	}
	up.Store(true)
	if _, err := rm.ClusterMetrics(ctx); err != nil { // P
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := ev.all(); len(got) != 1 || got[0].State != RMBack {
		t.Errorf("events after the first = %v, want one back", got)
	}
}

func TestRMPolicyGivesUp(t *testing.T) {
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error { return connRefused(c.addr) }}
	ev := newEvents()
	rm, err := NewResourceManager(fc, []string{"rm:1"}, WithObserver(ev.observe),
		WithRetryPolicy(FixedRetry{MaxWait: 350 * time.Millisecond, Interval: 100 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	_, err = rm.ClusterMetrics(ctx)
	var fe *FailoverError
	if !errors.As(err, &fe) || fe.Cause != nil || fe.Tries != 4 || !errAs[*ipc.ConnectError](err) {
		t.Fatalf("err = %v (%+v), want a FailoverError after 4 tries", err, fe)
	}
	if !strings.Contains(err.Error(), "4 tries") {
		t.Errorf("error %q does not count the tries", err)
	}
	// The outage was reported once; a later failing call reports it again.
	if got := ev.all(); len(got) != 1 || got[0].State != RMUnreachable {
		t.Fatalf("events = %v", got)
	}
	if _, err := rm.ClusterMetrics(ctx); err == nil {
		t.Fatal("succeeded")
	}
	if got := ev.all(); len(got) != 1 || got[0].State != RMUnreachable {
		t.Errorf("events after the second call = %v", got)
	}
}

func TestRMFailoverBothWaysNoOutage(t *testing.T) {
	var active atomic.Value
	active.Store("rm1")
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		if c.addr != active.Load().(string) {
			return standby()
		}
		return setResp(resp, metricsResp(1))
	}}
	ev := newEvents()
	rm, err := NewResourceManager(fc, []string{"rm1", "rm2"}, WithObserver(ev.observe),
		WithRetryPolicy(FailoverRetry{MaxFailovers: 4, SleepBase: time.Millisecond, SleepMax: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	for _, a := range []string{"rm1", "rm2", "rm1", "rm2"} {
		active.Store(a)
		if _, err := rm.ClusterMetrics(ctx); err != nil {
			t.Fatal(err)
		}
		if rm.ActiveAddress() != a {
			t.Fatalf("active = %s, want %s", rm.ActiveAddress(), a)
		}
	}
	want := []string{"rm1 getClusterMetrics", "rm1 getClusterMetrics", "rm2 getClusterMetrics",
		"rm2 getClusterMetrics", "rm1 getClusterMetrics", "rm1 getClusterMetrics", "rm2 getClusterMetrics"}
	if got := fc.methods(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
	if got := ev.all(); len(got) != 0 {
		t.Errorf("a plain failover reported %v", got)
	}
}

func TestRMNoActiveRMThenOne(t *testing.T) {
	// Both RMs standby (a failover in progress, or the active one killed
	// and the other not yet promoted), then rm2 becomes active.
	var active atomic.Value
	active.Store("")
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		switch {
		case c.addr == "rm1":
			return connRefused(c.addr) // killed
		case active.Load().(string) != c.addr:
			return standby()
		}
		return setResp(resp, metricsResp(1))
	}}
	ev := newEvents()
	rm, err := NewResourceManager(fc, []string{"rm1", "rm2"}, WithObserver(ev.observe),
		WithRetryPolicy(FailoverRetry{MaxFailovers: 1000, SleepBase: time.Millisecond, SleepMax: 5 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(200 * time.Millisecond)
		active.Store("rm2")
	}()
	if _, err := rm.ClusterMetrics(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	got := ev.all()
	if len(got) != 2 || got[0].State != RMUnreachable || got[1].State != RMBack || got[1].Addr != "rm2" {
		t.Errorf("events = %v", got)
	}
	if rm.ActiveAddress() != "rm2" {
		t.Errorf("active = %s", rm.ActiveAddress())
	}
}

// callerFunc adapts a function to Caller.
type callerFunc func(ctx context.Context, addr, protocol, method string, tok *ipc.Token, req, resp proto.Message) error

func (f callerFunc) Call(ctx context.Context, addr, protocol, method string, tok *ipc.Token, req, resp proto.Message) error {
	return f(ctx, addr, protocol, method, tok, req, resp)
}

func TestRMTryTimeoutRetried(t *testing.T) {
	var tries atomic.Int32
	c := callerFunc(func(ctx context.Context, addr, protocol, method string, tok *ipc.Token, req, resp proto.Message) error {
		if tries.Add(1) == 1 {
			<-ctx.Done() // a hung RM: only the try's deadline ends the wait
			return ctx.Err()
		}
		return setResp(resp, metricsResp(4))
	})
	rm, err := NewResourceManager(c, []string{"rm:1"}, WithTryTimeout(50*time.Millisecond),
		WithRetryPolicy(FixedRetry{MaxWait: time.Minute, Interval: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	m, err := rm.ClusterMetrics(testCtx(t))
	if err != nil || m.GetNumNodeManagers() != 4 {
		t.Fatalf("ClusterMetrics = %v, %v", m, err)
	}
	if tries.Load() != 2 || time.Since(start) > 5*time.Second {
		t.Errorf("%d tries in %v, want 2 quickly", tries.Load(), time.Since(start))
	}
}

func TestRMRealDialFailureIsRetried(t *testing.T) {
	// A port nobody listens on: the real IPC client's error must be seen
	// as a connection failure.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := ipc.NewClient(ipc.Config{User: "test", DialTimeout: time.Second})
	defer c.Close()
	ev := newEvents()
	rm, err := NewResourceManager(c, []string{addr}, WithObserver(ev.observe),
		WithRetryPolicy(FixedRetry{MaxWait: 300 * time.Millisecond, Interval: 100 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = rm.ClusterMetrics(testCtx(t))
	var fe *FailoverError
	if !errors.As(err, &fe) || fe.Tries < 2 || !errAs[*ipc.ConnectError](err) {
		t.Fatalf("err = %v, want a FailoverError of connection failures", err)
	}
	if got := ev.all(); len(got) != 1 || got[0].State != RMUnreachable {
		t.Errorf("events = %v", got)
	}
}
