package ipc

// Benchmarks of the IPC client's round trip on one connection, against a
// minimal in-process server on loopback that answers every call with a fixed
// payload. The server's own work (reading the request header, writing the
// reply) is included; it is small next to the client's.
//
//	go test -run '^$' -bench RoundTrip -benchmem ./internal/ipc/

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/spindle-yarn/spindle/internal/pb/commonpb"
)

const benchProtocol = "org.example.BenchProtocolPB"

// benchServer is a SIMPLE-auth IPC server that answers every call with reply.
type benchServer struct {
	ln    net.Listener
	reply []byte // the response message, already varint-delimited
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
}

func newBenchServer(tb testing.TB, reply proto.Message) *benchServer {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	body, err := proto.Marshal(reply)
	if err != nil {
		tb.Fatal(err)
	}
	s := &benchServer{ln: ln, reply: protowire.AppendBytes(nil, body)}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, nc)
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer nc.Close()
				if err := s.serve(nc); err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
					tb.Errorf("bench server: %v", err)
				}
			}()
		}
	}()
	tb.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for _, c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

// serve reads the preamble, the connection context and then calls, answering
// each as it arrives.
func (s *benchServer) serve(nc net.Conn) error {
	br := bufio.NewReaderSize(nc, 64<<10)
	bw := bufio.NewWriterSize(nc, 64<<10)
	pre := make([]byte, 7)
	if _, err := io.ReadFull(br, pre); err != nil {
		return err
	}
	if string(pre[:4]) != "hrpc" || pre[6] != 0 {
		return fmt.Errorf("preamble % x", pre)
	}
	var buf []byte
	first := true
	for {
		var l [4]byte
		if _, err := io.ReadFull(br, l[:]); err != nil {
			return err
		}
		n := binary.BigEndian.Uint32(l[:])
		if cap(buf) < int(n) {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(br, buf); err != nil {
			return err
		}
		hb, k := protowire.ConsumeBytes(buf)
		if k < 0 {
			return errors.New("bad request header")
		}
		h := &commonpb.RpcRequestHeaderProto{}
		if err := proto.Unmarshal(hb, h); err != nil {
			return err
		}
		if first {
			first = false
			if h.GetCallId() != -3 {
				return fmt.Errorf("first packet has call id %d", h.GetCallId())
			}
			continue
		}
		if h.GetCallId() < 0 {
			continue // ping
		}
		rh, err := proto.Marshal(&commonpb.RpcResponseHeaderProto{
			CallId: proto.Uint32(uint32(h.GetCallId())),
			Status: commonpb.RpcResponseHeaderProto_SUCCESS.Enum(),
		})
		if err != nil {
			return err
		}
		total := protowire.SizeBytes(len(rh)) + len(s.reply)
		var out [4]byte
		binary.BigEndian.PutUint32(out[:], uint32(total))
		bw.Write(out[:])
		bw.Write(protowire.AppendBytes(nil, rh))
		bw.Write(s.reply)
		if br.Buffered() == 0 {
			if err := bw.Flush(); err != nil {
				return err
			}
		}
	}
}

// BenchmarkRoundTrip is one call at a time on one connection, with replies
// of several sizes (an idle allocate answer is tens of bytes; one allocating
// 1,000 containers about 330 KB).
func BenchmarkRoundTrip(b *testing.B) {
	for _, size := range []int{16, 1 << 10, 330 << 10} {
		b.Run(fmt.Sprintf("reply=%dB", size), func(b *testing.B) {
			s := newBenchServer(b, wrapperspb.Bytes(make([]byte, size)))
			c := NewClient(Config{User: "bench"})
			defer c.Close()
			ctx := context.Background()
			req := wrapperspb.String("ping")
			resp := &wrapperspb.BytesValue{}
			if err := c.Call(ctx, s.ln.Addr().String(), benchProtocol, "m", nil, req, resp); err != nil {
				b.Fatal(err) // connect outside the timed loop
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.Call(ctx, s.ln.Addr().String(), benchProtocol, "m", nil, req, resp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRoundTripParallel issues calls from several goroutines, multiplexed
// on one connection.
func BenchmarkRoundTripParallel(b *testing.B) {
	s := newBenchServer(b, wrapperspb.Bytes(make([]byte, 16)))
	c := NewClient(Config{User: "bench"})
	defer c.Close()
	addr := s.ln.Addr().String()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := c.Call(ctx, addr, benchProtocol, "m", nil, wrapperspb.String("x"), &wrapperspb.BytesValue{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		req, resp := wrapperspb.String("ping"), &wrapperspb.BytesValue{}
		for pb.Next() {
			if err := c.Call(ctx, addr, benchProtocol, "m", nil, req, resp); err != nil {
				b.Error(err)
				return
			}
		}
	})
	c.mu.Lock()
	n := len(c.conns)
	c.mu.Unlock()
	if n != 1 {
		b.Fatalf("%d connections, want 1", n)
	}
}
