package secure

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/creds"
	"github.com/spindle-yarn/spindle/internal/hdfsnn"
	"github.com/spindle-yarn/spindle/internal/ipc"
)

func TestShortName(t *testing.T) {
	for in, want := range map[string]string{
		"alice@EXAMPLE.COM":           "alice",
		"nn/host.example.com@EXAMPLE": "nn",
		"bob":                         "bob",
	} {
		if got := ShortName(in); got != want {
			t.Errorf("ShortName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRenewalRejected(t *testing.T) {
	if err := RenewalRejected("Application application_1_0001 failed 2 times due to AM container exited", "rm"); err != nil {
		t.Errorf("an unrelated failure was taken for a rejected renewer: %v", err)
	}
	diag := "Failed to submit application_1_0002 to YARN : Failed to renew token: Kind: HDFS_DELEGATION_TOKEN, Service: 127.0.0.1:8020"
	err := RenewalRejected(diag, "alice@EXAMPLE.COM")
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindRenewerRejected {
		t.Fatalf("RenewalRejected = %v, want an *Error of KindRenewerRejected", err)
	}
	for _, want := range []string{"HDFS token renewer rejected", "HDFS delegation token", "alice@EXAMPLE.COM", "yarn.resourcemanager.principal"} {
		if !strings.Contains(e.Error(), want) {
			t.Errorf("message %q lacks %q", e.Error(), want)
		}
	}
	if strings.Contains(e.Error(), "\n") || errors.Unwrap(e) == nil || errors.Unwrap(e).Error() != diag {
		t.Errorf("want one line wrapping the diagnostics, got %q (cause %v)", e.Error(), errors.Unwrap(e))
	}
}

func TestProxyRefused(t *testing.T) {
	refused := &ipc.AuthorizationError{RemoteError: &ipc.RemoteError{
		ClassName: "org.apache.hadoop.security.authorize.AuthorizationException",
		Message:   "User: alice@EXAMPLE.COM is not allowed to impersonate bob"}}
	other := &ipc.AuthorizationError{RemoteError: &ipc.RemoteError{
		ClassName: "org.apache.hadoop.security.authorize.AuthorizationException",
		Message:   "User alice is not authorized for protocol ApplicationClientProtocolPB"}}

	id := &Identity{User: "alice", ProxyUser: "bob"}
	err := id.ProxyRefused(refused)
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindProxyRefused {
		t.Fatalf("ProxyRefused = %v, want an *Error of KindProxyRefused", err)
	}
	for _, want := range []string{"--proxy-user bob", "hadoop.proxyuser.alice.hosts", "hadoop.proxyuser.alice.groups"} {
		if !strings.Contains(e.Error(), want) {
			t.Errorf("message %q lacks %q", e.Error(), want)
		}
	}
	if !errors.Is(err, refused) {
		t.Error("the server's error is not the cause")
	}
	if got := id.ProxyRefused(other); got != error(other) {
		t.Errorf("another authorization error was rewritten: %v", got)
	}
	if got := (&Identity{User: "alice"}).ProxyRefused(refused); got != error(refused) {
		t.Errorf("rewritten without a proxy user: %v", got)
	}
}

func TestNamespaces(t *testing.T) {
	conf := hadoopconf.NewDefault(hadoopconf.Options{})
	conf.Set(hadoopconf.KeyDefaultFS, "hdfs://127.0.0.1:9000")
	conf.Set("dfs.nameservices", "ns1")
	conf.Set("dfs.ha.namenodes.ns1", "nn1,nn2")
	conf.Set("dfs.namenode.rpc-address.ns1.nn1", "10.0.0.1:8020")
	conf.Set("dfs.namenode.rpc-address.ns1.nn2", "10.0.0.2:8020")
	got, err := Namespaces(context.Background(), conf, []string{
		" hdfs://ns1/data", "file:///tmp", "hdfs://127.0.0.1:9000/user/alice", "hdfs://10.0.0.9", "s3a://bucket/x"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Namespace{
		{URI: "hdfs://127.0.0.1:9000", Addrs: []string{"127.0.0.1:9000"}, Service: "127.0.0.1:9000"},
		{URI: "hdfs://ns1", Addrs: []string{"10.0.0.1:8020", "10.0.0.2:8020"}, Service: hdfsnn.HATokenService("ns1")},
		{URI: "hdfs://10.0.0.9", Addrs: []string{"10.0.0.9:8020"}, Service: "10.0.0.9:8020"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Namespaces =\n%+v\nwant\n%+v", got, want)
	}
	if _, err := Namespaces(context.Background(), conf, []string{"hdfs://bad host:x"}); err == nil {
		t.Error("a malformed URI was accepted")
	}
}

func TestHDFSToken(t *testing.T) {
	c := &creds.Credentials{}
	a := creds.Token{Identifier: []byte("a"), Password: []byte("pa"), Kind: hdfsnn.TokenKind, Service: "10.0.0.1:8020"}
	c.AddToken(a.Service, a)
	if got, ok := HDFSToken(c, Namespace{Service: "other:1"}); !ok || string(got.Identifier) != "a" {
		t.Errorf("the only HDFS token was not used: %v %v", got, ok)
	}
	b := creds.Token{Identifier: []byte("b"), Password: []byte("pb"), Kind: hdfsnn.TokenKind, Service: "ha-hdfs:ns1"}
	c.AddToken(b.Service, b)
	if got, ok := HDFSToken(c, Namespace{Service: "ha-hdfs:ns1"}); !ok || string(got.Identifier) != "b" {
		t.Errorf("HDFSToken(ns1) = %v %v, want b", got, ok)
	}
	if _, ok := HDFSToken(c, Namespace{Service: "other:1"}); ok {
		t.Error("a token was picked among several for an unknown namespace")
	}
}
