package ipc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/pb/commonpb"
)

// Wire constants of Hadoop IPC version 9.
const (
	rpcVersion      = 9
	serviceClass    = 0
	authNone        = 0x00 // auth protocol byte: SIMPLE, no SASL
	authSASL        = 0xDF // auth protocol byte: SASL (-33 as a signed byte)
	protocolVersion = 1    // RequestHeaderProto.clientProtocolVersion for YARN protocols

	callIDContext = -3  // connection context packet
	callIDPing    = -4  // ping packet
	callIDSASL    = -33 // SASL negotiation and WRAP packets
)

// preamble returns the 7-byte connection header.
func preamble(auth byte) []byte {
	return []byte{'h', 'r', 'p', 'c', rpcVersion, serviceClass, auth}
}

// requestHeader builds an RpcRequestHeaderProto. clientID may be empty (SASL
// packets) but never nil, because the field is required.
func requestHeader(callID, retry int32, clientID []byte) *commonpb.RpcRequestHeaderProto {
	if clientID == nil {
		clientID = []byte{}
	}
	return &commonpb.RpcRequestHeaderProto{
		RpcKind:    commonpb.RpcKindProto_RPC_PROTOCOL_BUFFER.Enum(),
		RpcOp:      commonpb.RpcRequestHeaderProto_RPC_FINAL_PACKET.Enum(),
		CallId:     proto.Int32(callID),
		ClientId:   clientID,
		RetryCount: proto.Int32(retry),
	}
}

// encodePacket returns one packet: a 4-byte big-endian length followed by
// each message prefixed with its varint length. A nil message is encoded as
// an empty message (a single 0 length byte).
func encodePacket(msgs ...proto.Message) ([]byte, error) {
	buf := make([]byte, 4, 128)
	var err error
	for _, m := range msgs {
		if buf, err = appendDelimited(buf, m); err != nil {
			return nil, err
		}
	}
	n := len(buf) - 4
	if uint64(n) > 0xFFFFFFFF {
		return nil, fmt.Errorf("packet of %d bytes too large", n)
	}
	binary.BigEndian.PutUint32(buf[:4], uint32(n))
	return buf, nil
}

// appendDelimited appends the varint length and the encoding of m to b.
func appendDelimited(b []byte, m proto.Message) ([]byte, error) {
	if m == nil {
		return append(b, 0), nil
	}
	opts := proto.MarshalOptions{}
	size := opts.Size(m)
	b = protowire.AppendVarint(b, uint64(size))
	start := len(b)
	b, err := opts.MarshalAppend(b, m)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", m.ProtoReflect().Descriptor().FullName(), err)
	}
	if len(b)-start != size {
		return nil, fmt.Errorf("encode %s: size changed during marshal", m.ProtoReflect().Descriptor().FullName())
	}
	return b, nil
}

// errPacketTooLarge is wrapped when a packet exceeds the configured limit.
var errPacketTooLarge = errors.New("packet exceeds the maximum response size")

// readPacket reads one length-prefixed packet from r and returns its body
// (without the 4-byte length). Packets longer than max bytes are refused
// before anything is allocated for them.
func readPacket(r io.Reader, max int) ([]byte, error) {
	var lenBuf [4]byte
	if _, err := io.ReadFull(r, lenBuf[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(lenBuf[:])
	if uint64(n) > uint64(max) {
		return nil, fmt.Errorf("%w: %d > %d bytes", errPacketTooLarge, n, max)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return body, nil
}

// nextDelimited splits one varint-length-prefixed message off b. It returns
// the message bytes and the remainder.
func nextDelimited(b []byte) (msg, rest []byte, err error) {
	n, k := protowire.ConsumeVarint(b)
	if k < 0 {
		return nil, nil, fmt.Errorf("bad message length prefix: %w", protowire.ParseError(k))
	}
	if n > uint64(len(b)-k) {
		return nil, nil, fmt.Errorf("message length %d exceeds the %d bytes left in the packet", n, len(b)-k)
	}
	return b[k : k+int(n)], b[k+int(n):], nil
}

// decodeResponseHeader parses the RpcResponseHeaderProto at the start of a
// packet body and returns it with the rest of the body.
func decodeResponseHeader(body []byte) (*commonpb.RpcResponseHeaderProto, []byte, error) {
	hb, rest, err := nextDelimited(body)
	if err != nil {
		return nil, nil, fmt.Errorf("decode response header: %w", err)
	}
	h := &commonpb.RpcResponseHeaderProto{}
	if err := proto.Unmarshal(hb, h); err != nil {
		return nil, nil, fmt.Errorf("decode response header: %w", err)
	}
	return h, rest, nil
}

// decodeBody decodes the varint-delimited message at the start of rest into
// m. A missing body (no bytes at all) decodes as an empty message.
func decodeBody(rest []byte, m proto.Message) error {
	if len(rest) == 0 {
		if m != nil {
			proto.Reset(m)
		}
		return nil
	}
	mb, _, err := nextDelimited(rest)
	if err != nil {
		return fmt.Errorf("decode response body: %w", err)
	}
	if m == nil {
		return nil
	}
	if err := proto.Unmarshal(mb, m); err != nil {
		return fmt.Errorf("decode response body into %s: %w", m.ProtoReflect().Descriptor().FullName(), err)
	}
	return nil
}
