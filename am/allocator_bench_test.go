package am

// Benchmarks of the AM's heartbeat path: an allocate response is decoded (as
// the IPC client would), passed through yarn.Scheduler (NM tokens, response
// id) and handled by the allocator, which assigns executors and builds each
// container's launch context. The NodeManagers and the RM are fakes that
// answer at once, so what is measured is the AM's own CPU work.
//
//	go test -run '^$' -bench . -benchmem ./am/

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/pb/commonpb"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/spec"
	"github.com/spindle-yarn/spindle/internal/yarn"
	"google.golang.org/protobuf/proto"
)

var benchAttempt = yarn.AttemptID{App: yarn.ApplicationID{ClusterTimestamp: 1795211786074, ID: 42}, Attempt: 1}

// benchCaller is a yarn.Caller standing in for the RM's scheduler port: it
// answers registerApplicationMaster and finishApplicationMaster with empty
// responses and each allocate by decoding the next prepared response bytes
// (an empty response when none is left).
type benchCaller struct {
	mu   sync.Mutex
	next [][]byte
}

func (c *benchCaller) push(b []byte) {
	c.mu.Lock()
	c.next = append(c.next, b)
	c.mu.Unlock()
}

func (c *benchCaller) Call(_ context.Context, _, _, method string, _ *ipc.Token, _, resp proto.Message) error {
	if method != "allocate" {
		return nil
	}
	c.mu.Lock()
	var b []byte
	if len(c.next) > 0 {
		b, c.next = c.next[0], c.next[1:]
	}
	c.mu.Unlock()
	return proto.Unmarshal(b, resp)
}

// benchNMs starts every container at once.
type benchNMs struct{ started atomic.Int64 }

func (n *benchNMs) Start(context.Context, *yarnpb.ContainerProto, *yarnpb.ContainerLaunchContextProto) error {
	n.started.Add(1)
	return nil
}

func (n *benchNMs) Stop(context.Context, *yarnpb.ContainerProto) error { return nil }

// benchToken is a token with realistic field sizes (a container token's
// identifier is about 150 bytes, its password 20).
func benchToken(kind string, seq int64) *commonpb.TokenProto {
	id := []byte(strings.Repeat(fmt.Sprintf("%08d", seq), 19))
	return &commonpb.TokenProto{Identifier: id, Password: []byte("0123456789abcdefghij"),
		Kind: proto.String(kind), Service: proto.String("10.0.0.1:45454")}
}

// benchHosts spreads containers over this many NodeManagers.
const benchHosts = 50

func benchContainer(seq int64) *yarnpb.ContainerProto {
	host := fmt.Sprintf("node%03d.example.com", seq%benchHosts)
	return &yarnpb.ContainerProto{
		Id:              yarn.NewContainerID(benchAttempt, 0, seq).Proto(),
		NodeId:          &yarnpb.NodeIdProto{Host: proto.String(host), Port: proto.Int32(45454)},
		NodeHttpAddress: proto.String(host + ":8042"),
		Resource:        &yarnpb.ResourceProto{Memory: proto.Int64(128), VirtualCores: proto.Int32(1)},
		Priority:        &yarnpb.PriorityProto{Priority: proto.Int32(executorPriority)},
		ContainerToken:  benchToken("ContainerToken", seq),
	}
}

// allocatedBytes encodes a response allocating containers first..first+n-1,
// with the NM token of every node involved.
func allocatedBytes(tb testing.TB, first, n int64, responseID int32) []byte {
	resp := &yarnpb.AllocateResponseProto{ResponseId: proto.Int32(responseID), NumClusterNodes: proto.Int32(benchHosts)}
	for s := first; s < first+n; s++ {
		resp.AllocatedContainers = append(resp.AllocatedContainers, benchContainer(s))
	}
	for h := int64(0); h < min(n, benchHosts); h++ {
		resp.NmTokens = append(resp.NmTokens, &yarnpb.NMTokenProto{
			NodeId: &yarnpb.NodeIdProto{Host: proto.String(fmt.Sprintf("node%03d.example.com", (first+h)%benchHosts)), Port: proto.Int32(45454)},
			Token:  benchToken("NMToken", h)})
	}
	b, err := proto.Marshal(resp)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// completedBytes encodes a response reporting containers first..first+n-1 as
// exited 0.
func completedBytes(tb testing.TB, first, n int64, responseID int32) []byte {
	resp := &yarnpb.AllocateResponseProto{ResponseId: proto.Int32(responseID)}
	for s := first; s < first+n; s++ {
		resp.CompletedContainerStatuses = append(resp.CompletedContainerStatuses, &yarnpb.ContainerStatusProto{
			ContainerId: yarn.NewContainerID(benchAttempt, 0, s).Proto(),
			State:       yarnpb.ContainerStateProto_C_COMPLETE.Enum(),
			ExitStatus:  proto.Int32(0),
			Diagnostics: proto.String(""),
		})
	}
	b, err := proto.Marshal(resp)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// benchAM is an allocator wired as Run wires it, over the fakes.
type benchAM struct {
	alloc  *allocator
	caller *benchCaller
	nms    *benchNMs
}

func newBenchAM(tb testing.TB, executors int) *benchAM {
	caller := &benchCaller{}
	nmTokens := &yarn.NMTokenCache{}
	sched, err := yarn.NewScheduler(caller, []string{"rm:8030"}, &ipc.Token{Identifier: []byte("amrm"), Password: []byte("pw"),
		Kind: yarn.AMRMTokenKind}, nmTokens)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := sched.Register(context.Background(), "node000.example.com", 0, ""); err != nil {
		tb.Fatal(err)
	}
	log := logrus.New()
	log.SetOutput(io.Discard)
	entry := logrus.NewEntry(log)
	app := &spec.App{ID: benchAttempt.App.String(), Name: "bench", Mode: spec.ModeCluster, User: "alice",
		NumExecutors: executors,
		Executor:     spec.Process{Command: []string{"./app", "--flag", "value"}, Env: map[string]string{"A": "1", "B": "2"}, MemoryMB: 128, Cores: 1},
		Resources: []spec.Resource{
			{Name: "spindle", URL: "hdfs://nn:8020/user/alice/.spindle/cache/0123456789abcdef/spindle", Size: 22 << 20, Timestamp: 1795211786000, Type: spec.TypeFile, Visibility: spec.VisibilityApplication},
			{Name: "app", URL: "hdfs://nn:8020/user/alice/.spindle/staging/application_1795211786074_0042/app", Size: 50 << 20, Timestamp: 1795211786000, Type: spec.TypeFile, Visibility: spec.VisibilityApplication},
			{Name: "__spindle_conf__", URL: "hdfs://nn:8020/user/alice/.spindle/staging/application_1795211786074_0042/__spindle_conf__.zip", Size: 6211, Timestamp: 1795211786000, Type: spec.TypeArchive, Visibility: spec.VisibilityApplication},
		}}
	p := newPool(executors, defaultFailureBudget(executors), 128)
	m := &master{spec: app, log: entry, secret: "s3cr3t", host: "node000.example.com", amURL: "http://node000.example.com:40000",
		creds: &credentialSet{executor: make([]byte, 220)}, pool: p}
	nms := &benchNMs{}
	a := newAllocator(sched, nms, p, entry)
	a.user, a.memory, a.cores = app.User, 128, 1
	a.launchContext = m.executorLaunchContext
	return &benchAM{alloc: a, caller: caller, nms: nms}
}

// beat runs one heartbeat and waits for the launches it started.
func (b *benchAM) beat(tb testing.TB) {
	if err := b.alloc.heartbeat(context.Background()); err != nil {
		tb.Fatal(err)
	}
	b.alloc.launches.Wait()
}

// BenchmarkAllocateResponse1000 handles one allocate response carrying 1,000
// containers: decode, assign 1,000 executors, build and "start" 1,000 launch
// contexts; then one carrying their 1,000 completions.
func BenchmarkAllocateResponse1000(b *testing.B) {
	const n = 1000
	alloc := allocatedBytes(b, 2, n, 1)
	done := completedBytes(b, 2, n, 2)
	b.Run("allocated", func(b *testing.B) {
		b.SetBytes(int64(len(alloc)))
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			am := newBenchAM(b, n)
			am.caller.push(nil) // the first heartbeat sends the ask
			am.beat(b)
			am.caller.push(alloc)
			b.StartTimer()
			am.beat(b)
			if got := am.nms.started.Load(); got != n {
				b.Fatalf("started %d containers, want %d", got, n)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/container")
	})
	b.Run("completed", func(b *testing.B) {
		b.SetBytes(int64(len(done)))
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			am := newBenchAM(b, n)
			am.caller.push(nil)
			am.beat(b)
			am.caller.push(alloc)
			am.beat(b)
			am.caller.push(done)
			b.StartTimer()
			am.beat(b)
			if d, _ := am.alloc.pool.AllDone(); !d {
				b.Fatal("executors not all done")
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/container")
	})
	b.Run("decode-only", func(b *testing.B) {
		b.SetBytes(int64(len(alloc)))
		b.ReportAllocs()
		for b.Loop() {
			var r yarnpb.AllocateResponseProto
			if err := proto.Unmarshal(alloc, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkHeartbeatIdle is one steady-state heartbeat (nothing asked,
// nothing allocated or completed) of an AM with N running executors: the cost
// every AM pays every second, which must stay small as N grows.
func BenchmarkHeartbeatIdle(b *testing.B) {
	for _, n := range []int{1, 32, 1000, 10000} {
		b.Run(fmt.Sprintf("executors=%d", n), func(b *testing.B) {
			am := newBenchAM(b, n)
			am.caller.push(nil)
			am.beat(b)
			am.caller.push(allocatedBytes(b, 2, int64(n), 1))
			am.beat(b)
			b.ReportAllocs()
			for b.Loop() {
				am.beat(b)
			}
		})
	}
}

// BenchmarkExecutorLaunchContext builds one executor's launch context.
func BenchmarkExecutorLaunchContext(b *testing.B) {
	am := newBenchAM(b, 1)
	e := &executor{id: 7, containerID: "container_1795211786074_0042_01_000008"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := am.alloc.launchContext(e); err != nil {
			b.Fatal(err)
		}
	}
}
