//go:build integration

package yarn_test

// Integration tests against the real Hadoop 3.2.2 YARN test cluster. They
// need HADOOP_CONF_DIR (skipped otherwise):
//
//	source <(/work/shared/yarn-testcluster/env.sh)
//	go test -tags integration -v ./internal/yarn/
//
// TestTinyAM submits this very test binary as an ApplicationMaster: when
// the environment has SPINDLE_TINYAM=1, TestMain runs the AM logic instead
// of the tests.

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/yarn"
)

// Environment passed to the tiny AM.
const (
	envTinyAM      = "SPINDLE_TINYAM"
	envRMAddrs     = "SPINDLE_TINYAM_RM"
	envSchedAddrs  = "SPINDLE_TINYAM_SCHEDULER"
	envConfDir     = "SPINDLE_TINYAM_CONF"         // Hadoop configuration for the retry policy
	envWorkerSleep = "SPINDLE_TINYAM_WORKER_SLEEP" // seconds the worker container runs
	envAMTimeout   = "SPINDLE_TINYAM_TIMEOUT"      // seconds the AM may take
)

func TestMain(m *testing.M) {
	if os.Getenv(envTinyAM) == "1" {
		os.Exit(runTinyAM())
	}
	os.Exit(m.Run())
}

// cluster loads the configuration from HADOOP_CONF_DIR (skipping the test
// without it) and returns an IPC client and RM and scheduler addresses.
func cluster(t *testing.T) (*ipc.Client, []string, []string) {
	t.Helper()
	if os.Getenv("HADOOP_CONF_DIR") == "" {
		t.Skip("HADOOP_CONF_DIR not set; source <(/work/shared/yarn-testcluster/env.sh)")
	}
	conf, err := hadoopconf.LoadEnvironment()
	if err != nil {
		t.Fatalf("loading Hadoop configuration: %v", err)
	}
	rms, err := conf.RMAddresses()
	if err != nil {
		t.Fatal(err)
	}
	scheds, err := conf.SchedulerAddresses()
	if err != nil {
		t.Fatal(err)
	}
	c := ipc.NewClient(ipc.Config{User: conf.User()})
	t.Cleanup(func() { c.Close() })
	return c, rms, scheds
}

func TestClusterInfo(t *testing.T) {
	client, rms, _ := cluster(t)
	rm, err := yarn.NewResourceManager(client, rms)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	m, err := rm.ClusterMetrics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cluster metrics: %d node managers, %d active", m.GetNumNodeManagers(), m.GetNumActiveNms())
	if m.GetNumNodeManagers() < 1 {
		t.Errorf("no node managers: %v", m)
	}

	nodes, err := rm.ClusterNodes(ctx, yarnpb.NodeStateProto_NS_RUNNING)
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) == 0 {
		t.Fatal("no running nodes")
	}
	for _, n := range nodes {
		t.Logf("node %s rack %s capability %d MB/%d vcores, %d containers", yarn.NodeAddress(n.GetNodeId()),
			n.GetRackName(), n.GetCapability().GetMemory(), n.GetCapability().GetVirtualCores(), n.GetNumContainers())
	}

	for _, q := range []string{"default", "batch"} {
		qi, err := rm.QueueInfo(ctx, q, yarn.QueueInfoOptions{})
		if err != nil {
			t.Errorf("QueueInfo(%q): %v", q, err)
			continue
		}
		t.Logf("queue %s: capacity %.2f max %.2f state %v", qi.GetQueueName(), qi.GetCapacity(), qi.GetMaximumCapacity(), qi.GetState())
		if qi.GetQueueName() != q {
			t.Errorf("QueueInfo(%q) returned queue %q", q, qi.GetQueueName())
		}
	}
	if _, err := rm.QueueInfo(ctx, "no-such-queue", yarn.QueueInfoOptions{}); !errors.Is(err, yarn.ErrQueueNotFound) {
		t.Errorf("unknown queue: %v, want ErrQueueNotFound", err)
	} else {
		t.Logf("unknown queue: %v", err)
	}

	if _, err := rm.Applications(ctx, yarn.ApplicationFilter{Limit: 5}); err != nil {
		t.Errorf("Applications: %v", err)
	}
	// An unknown application is a typed error.
	_, err = rm.ApplicationReport(ctx, yarn.ApplicationID{ClusterTimestamp: 1, ID: 1})
	var nf *ipc.ApplicationNotFoundError
	if !errors.As(err, &nf) {
		t.Errorf("unknown application: %v, want ApplicationNotFoundError", err)
	}
}
