//go:build integration

package ipc

// A round-trip benchmark against the real ResourceManager named by
// $HADOOP_CONF_DIR (the test cluster: 127.0.0.1:18032):
//
//	go test -tags integration -run '^$' -bench RMRoundTrip ./internal/ipc/

import (
	"context"
	"testing"

	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
)

// BenchmarkRMRoundTrip is getClusterMetrics, one call at a time on one
// SIMPLE-auth connection to the RM's client port: the RM's handling (a JVM
// RPC handler thread) is most of it.
func BenchmarkRMRoundTrip(b *testing.B) {
	conf, err := hadoopconf.LoadEnvironment()
	if err != nil {
		b.Skipf("no Hadoop configuration: %v", err)
	}
	addrs, err := conf.RMAddresses()
	if err != nil || len(addrs) == 0 {
		b.Skipf("no RM address: %v", err)
	}
	c := NewClient(Config{User: conf.User()})
	defer c.Close()
	ctx := context.Background()
	const proto = "org.apache.hadoop.yarn.api.ApplicationClientProtocolPB"
	call := func() error {
		return c.Call(ctx, addrs[0], proto, "getClusterMetrics", nil, &yarnpb.GetClusterMetricsRequestProto{}, &yarnpb.GetClusterMetricsResponseProto{})
	}
	if err := call(); err != nil {
		b.Skipf("RM at %s: %v", addrs[0], err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := call(); err != nil {
			b.Fatal(err)
		}
	}
}
