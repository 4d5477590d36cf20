//go:build integration

package ipc

// Integration tests against a real YARN ResourceManager (the Hadoop 3.2.2
// test cluster). Addresses come from $HADOOP_CONF_DIR/yarn-site.xml, falling
// back to the test cluster's 127.0.0.1:18032 / 127.0.0.1:18030.
//
//	go test -tags integration ./internal/ipc/
//
// Set SPINDLE_RECORD_SASL=1 to (re)record testdata/rm-sasl-*.bin from the
// scheduler port.

import (
	"bufio"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/pb/commonpb"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
)

const (
	clientProtocolPB = "org.apache.hadoop.yarn.api.ApplicationClientProtocolPB"
	amProtocolPB     = "org.apache.hadoop.yarn.api.ApplicationMasterProtocolPB"
)

// yarnAddr returns a yarn-site.xml address property or def.
func yarnAddr(t *testing.T, name, def string) string {
	t.Helper()
	dir := os.Getenv("HADOOP_CONF_DIR")
	if dir == "" {
		return def
	}
	data, err := os.ReadFile(filepath.Join(dir, "yarn-site.xml"))
	if err != nil {
		return def
	}
	var conf struct {
		Props []struct {
			Name  string `xml:"name"`
			Value string `xml:"value"`
		} `xml:"property"`
	}
	if err := xml.Unmarshal(data, &conf); err != nil {
		t.Fatalf("parse yarn-site.xml: %v", err)
	}
	for _, p := range conf.Props {
		if p.Name == name && !strings.Contains(p.Value, "${") {
			return strings.TrimSpace(p.Value)
		}
	}
	return def
}

func rmAddr(t *testing.T) string {
	return yarnAddr(t, "yarn.resourcemanager.address", "127.0.0.1:18032")
}

func schedulerAddr(t *testing.T) string {
	return yarnAddr(t, "yarn.resourcemanager.scheduler.address", "127.0.0.1:18030")
}

func integrationClient(t *testing.T) *Client {
	t.Helper()
	user := os.Getenv("USER")
	if user == "" {
		user = "spindle"
	}
	c := NewClient(Config{User: user, DialTimeout: 10 * time.Second})
	t.Cleanup(func() { c.Close() })
	return c
}

func TestIntegrationGetClusterMetrics(t *testing.T) {
	c := integrationClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	resp := &yarnpb.GetClusterMetricsResponseProto{}
	if err := c.Call(ctx, rmAddr(t), clientProtocolPB, "getClusterMetrics", nil,
		&yarnpb.GetClusterMetricsRequestProto{}, resp); err != nil {
		t.Fatalf("getClusterMetrics: %v", err)
	}
	n := resp.GetClusterMetrics().GetNumNodeManagers()
	t.Logf("cluster metrics: %v", resp.GetClusterMetrics())
	if n < 1 {
		t.Errorf("num_node_managers = %d, want >= 1", n)
	}
	// Several concurrent calls on the same connection.
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		go func() {
			r := &yarnpb.GetClusterMetricsResponseProto{}
			errs <- c.Call(ctx, rmAddr(t), clientProtocolPB, "getClusterMetrics", nil,
				&yarnpb.GetClusterMetricsRequestProto{}, r)
		}()
	}
	for i := 0; i < 20; i++ {
		if err := <-errs; err != nil {
			t.Errorf("concurrent getClusterMetrics: %v", err)
		}
	}
}

func TestIntegrationUnknownMethod(t *testing.T) {
	c := integrationClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := c.Call(ctx, rmAddr(t), clientProtocolPB, "noSuchMethod", nil,
		&yarnpb.GetClusterMetricsRequestProto{}, &yarnpb.GetClusterMetricsResponseProto{})
	var re *RemoteError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want a *RemoteError", err)
	}
	t.Logf("remote error: %v (class %s, detail %v)", err, re.ClassName, re.Detail)
	if re.Fatal {
		t.Errorf("unknown method should not be FATAL")
	}
	// The connection stays usable.
	resp := &yarnpb.GetClusterMetricsResponseProto{}
	if err := c.Call(ctx, rmAddr(t), clientProtocolPB, "getClusterMetrics", nil,
		&yarnpb.GetClusterMetricsRequestProto{}, resp); err != nil {
		t.Fatalf("getClusterMetrics after error: %v", err)
	}
}

func TestIntegrationSchedulerRejectsSimple(t *testing.T) {
	c := integrationClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	err := c.Call(ctx, schedulerAddr(t), amProtocolPB, "allocate", nil,
		&yarnpb.AllocateRequestProto{}, &yarnpb.AllocateResponseProto{})
	var ace *AccessControlError
	if !errors.As(err, &ace) {
		t.Fatalf("err = %v, want an AccessControlError", err)
	}
	if !strings.Contains(ace.Message, "SIMPLE authentication is not enabled") {
		t.Errorf("message = %q", ace.Message)
	}
	if !ace.Fatal {
		t.Errorf("Fatal = false, want true")
	}
	t.Logf("got %v after %v", err, time.Since(start))
}

// bogusAMRMToken is a token whose identifier is a well-formed
// AMRMTokenIdentifierProto for an attempt that does not exist.
func bogusAMRMToken() *Token {
	id := &yarnpb.AMRMTokenIdentifierProto{
		AppAttemptId: &yarnpb.ApplicationAttemptIdProto{
			ApplicationId: &yarnpb.ApplicationIdProto{Id: proto.Int32(9999), ClusterTimestamp: proto.Int64(1)},
			AttemptId:     proto.Int32(1),
		},
		KeyId: proto.Int32(12345),
	}
	b, _ := proto.Marshal(id)
	return &Token{Identifier: b, Password: []byte("not-the-password-00"), Kind: "YARN_AM_RM_TOKEN"}
}

func TestIntegrationSchedulerBogusToken(t *testing.T) {
	for _, tc := range []struct {
		name string
		tok  *Token
	}{
		{"well-formed identifier", bogusAMRMToken()},
		{"garbage identifier", &Token{Identifier: []byte("garbage"), Password: []byte("x")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := integrationClient(t)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			err := c.Call(ctx, schedulerAddr(t), amProtocolPB, "allocate", tc.tok,
				&yarnpb.AllocateRequestProto{}, &yarnpb.AllocateResponseProto{})
			if err == nil {
				t.Fatal("allocate with a bogus token succeeded")
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("bogus token: hung until the deadline: %v", err)
			}
			var re *RemoteError
			if !errors.As(err, &re) {
				// Hadoop 3.3.5's RM fails to decode a garbage identifier with a
				// NullPointerException in its socket reader and drops the
				// connection instead of answering: an error, promptly, is all
				// a client can get there.
				if tc.name == "garbage identifier" && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)) {
					t.Logf("the server dropped the connection after %v: %v", time.Since(start), err)
					return
				}
				t.Fatalf("err = %v (%T), want a remote error", err, err)
			}
			t.Logf("got %v after %v (class %s, detail %v)", err, time.Since(start), re.ClassName, re.Detail)
			if tc.name == "well-formed identifier" {
				var ite *InvalidTokenError
				if !errors.As(err, &ite) {
					t.Errorf("err = %v, want an InvalidTokenError", err)
				}
			}
		})
	}
}

// TestIntegrationRecordSASL records the scheduler's reply to NEGOTIATE and
// its reply to an INITIATE with a bogus token into testdata, when
// SPINDLE_RECORD_SASL=1. The recorded exchange is replayed by the hermetic
// TestRecordedRMNegotiate.
func TestIntegrationRecordSASL(t *testing.T) {
	if os.Getenv("SPINDLE_RECORD_SASL") != "1" {
		t.Skip("set SPINDLE_RECORD_SASL=1 to record testdata/rm-sasl-*.bin")
	}
	nc, err := net.DialTimeout("tcp", schedulerAddr(t), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	hello, err := encodeSASL(&commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_NEGOTIATE.Enum()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nc.Write(append(preamble(authSASL), hello...)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	negotiate, err := readRawPacket(br)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("testdata/rm-sasl-negotiate.bin", negotiate, 0o644); err != nil {
		t.Fatal(err)
	}
	msg, err := readSASL(bufio.NewReader(strings.NewReader(string(negotiate))), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("NEGOTIATE reply: %v", msg)

	// Answer with a digest response for a bogus token, record the failure.
	auth, err := (&conn{c: &Client{}, tok: &Token{}}).chooseAuth(msg.GetAuths())
	if err != nil {
		t.Fatal(err)
	}
	reply, err := bogusInitiate(bogusAMRMToken(), auth)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nc.Write(reply); err != nil {
		t.Fatal(err)
	}
	failure, err := readRawPacket(br)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("testdata/rm-sasl-bogus-token-reply.bin", failure, 0o644); err != nil {
		t.Fatal(err)
	}
	h, _, err := decodeResponseHeader(failure[4:])
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("reply to bogus INITIATE: %v", h)
}

// TestIntegrationUnmanagedAMToken obtains a real AMRMToken by submitting an
// unmanaged-AM application, then registers, allocates and unregisters over
// SASL TOKEN/DIGEST-MD5 on the scheduler port: the full SASL path against
// the real ResourceManager.
func TestIntegrationUnmanagedAMToken(t *testing.T) {
	c := integrationClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rm := rmAddr(t)

	newApp := &yarnpb.GetNewApplicationResponseProto{}
	if err := c.Call(ctx, rm, clientProtocolPB, "getNewApplication", nil,
		&yarnpb.GetNewApplicationRequestProto{}, newApp); err != nil {
		t.Fatalf("getNewApplication: %v", err)
	}
	appID := newApp.GetApplicationId()
	t.Logf("application id %v", appID)
	killed := false
	defer func() {
		if killed {
			return
		}
		kctx, kcancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer kcancel()
		if err := c.Call(kctx, rm, clientProtocolPB, "forceKillApplication", nil,
			&yarnpb.KillApplicationRequestProto{ApplicationId: appID, Diagnostics: proto.String("ipc integration test cleanup")},
			&yarnpb.KillApplicationResponseProto{}); err != nil {
			t.Logf("forceKillApplication: %v", err)
		}
	}()

	sub := &yarnpb.SubmitApplicationRequestProto{
		ApplicationSubmissionContext: &yarnpb.ApplicationSubmissionContextProto{
			ApplicationId:   appID,
			ApplicationName: proto.String("spindle-ipc-integration"),
			Queue:           proto.String("default"),
			AmContainerSpec: &yarnpb.ContainerLaunchContextProto{},
			UnmanagedAm:     proto.Bool(true),
			MaxAppAttempts:  proto.Int32(1),
			Resource:        &yarnpb.ResourceProto{Memory: proto.Int64(128), VirtualCores: proto.Int32(1)},
			ApplicationType: proto.String("SPINDLE-TEST"),
		},
	}
	if err := c.Call(ctx, rm, clientProtocolPB, "submitApplication", nil, sub,
		&yarnpb.SubmitApplicationResponseProto{}); err != nil {
		t.Fatalf("submitApplication: %v", err)
	}

	var tok *Token
	for tok == nil {
		rep := &yarnpb.GetApplicationReportResponseProto{}
		err := c.Call(ctx, rm, clientProtocolPB, "getApplicationReport", nil,
			&yarnpb.GetApplicationReportRequestProto{ApplicationId: appID}, rep)
		var nf *ApplicationNotFoundError
		if err != nil && !errors.As(err, &nf) {
			t.Fatalf("getApplicationReport: %v", err)
		}
		if tp := rep.GetApplicationReport().GetAmRmToken(); tp != nil {
			tok = &Token{Identifier: tp.GetIdentifier(), Password: tp.GetPassword(), Kind: tp.GetKind(), Service: tp.GetService()}
			t.Logf("state %v, AMRM token kind %q, identifier %d bytes", rep.GetApplicationReport().GetYarnApplicationState(), tok.Kind, len(tok.Identifier))
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no AMRM token before the deadline (state %v)", rep.GetApplicationReport().GetYarnApplicationState())
		case <-time.After(200 * time.Millisecond):
		}
	}

	sched := schedulerAddr(t)
	reg := &yarnpb.RegisterApplicationMasterResponseProto{}
	if err := c.Call(ctx, sched, amProtocolPB, "registerApplicationMaster", tok,
		&yarnpb.RegisterApplicationMasterRequestProto{Host: proto.String("127.0.0.1"), RpcPort: proto.Int32(-1), TrackingUrl: proto.String("")},
		reg); err != nil {
		t.Fatalf("registerApplicationMaster over SASL: %v", err)
	}
	t.Logf("registered: maximumCapability %v, queue %q", reg.GetMaximumCapability(), reg.GetQueue())

	// Several allocate heartbeats, including concurrent ones, on the same
	// token connection.
	for i := int32(0); i < 3; i++ {
		ar := &yarnpb.AllocateResponseProto{}
		if err := c.Call(ctx, sched, amProtocolPB, "allocate", tok,
			&yarnpb.AllocateRequestProto{ResponseId: proto.Int32(i), Progress: proto.Float32(0.5)}, ar); err != nil {
			t.Fatalf("allocate %d: %v", i, err)
		}
		if ar.GetResponseId() != i+1 {
			t.Errorf("allocate %d: response id %d", i, ar.GetResponseId())
		}
	}

	fin := &yarnpb.FinishApplicationMasterResponseProto{}
	for !fin.GetIsUnregistered() {
		if err := c.Call(ctx, sched, amProtocolPB, "finishApplicationMaster", tok,
			&yarnpb.FinishApplicationMasterRequestProto{
				FinalApplicationStatus: yarnpb.FinalApplicationStatusProto_APP_SUCCEEDED.Enum(),
				Diagnostics:            proto.String("ipc integration test"),
			}, fin); err != nil {
			t.Fatalf("finishApplicationMaster: %v", err)
		}
		if !fin.GetIsUnregistered() {
			time.Sleep(100 * time.Millisecond)
		}
	}
	killed = true
}
