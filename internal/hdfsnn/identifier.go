package hdfsnn

import (
	"errors"
	"fmt"
	"time"
)

// Identifier is a decoded delegation token identifier of the Writable
// layout shared by HDFS and other Hadoop services
// (AbstractDelegationTokenIdentifier: version byte 0, then owner, renewer
// and real user as Text, issue and max dates as VLongs, sequence number
// and master key id as VInts).
type Identifier struct {
	Owner, Renewer, RealUser string
	// IssueDate is when the token was issued; MaxDate is the end of its
	// life: it cannot be renewed past it.
	IssueDate, MaxDate time.Time
	SequenceNumber     int32
	MasterKeyID        int32
}

// identifierVersion is AbstractDelegationTokenIdentifier.VERSION.
const identifierVersion = 0

// ParseIdentifier decodes the identifier bytes of an HDFS delegation token.
func ParseIdentifier(b []byte) (*Identifier, error) {
	r := &vreader{b: b}
	if v := r.byte(); v != identifierVersion {
		if r.err != nil {
			return nil, fmt.Errorf("hdfsnn: token identifier: %w", r.err)
		}
		return nil, fmt.Errorf("hdfsnn: token identifier version %d, want %d", v, identifierVersion)
	}
	id := &Identifier{Owner: r.text(), Renewer: r.text(), RealUser: r.text()}
	id.IssueDate = time.UnixMilli(r.vlong())
	id.MaxDate = time.UnixMilli(r.vlong())
	id.SequenceNumber = int32(r.vlong())
	id.MasterKeyID = int32(r.vlong())
	if r.err != nil {
		return nil, fmt.Errorf("hdfsnn: token identifier: %w", r.err)
	}
	return id, nil
}

// vreader decodes Hadoop Writable primitives; the first error sticks.
type vreader struct {
	b   []byte
	err error
}

var errShort = errors.New("truncated")

func (r *vreader) byte() byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.err = errShort
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// vlong decodes WritableUtils' zero-compressed VLong.
func (r *vreader) vlong() int64 {
	first := int8(r.byte())
	if first >= -112 {
		return int64(first)
	}
	neg := first < -120
	n := int(-112 - first)
	if neg {
		n = int(-120 - first)
	}
	if n > 8 {
		r.err = errors.New("bad VLong")
		return 0
	}
	var v int64
	for i := 0; i < n; i++ {
		v = v<<8 | int64(r.byte())
	}
	if neg {
		v = ^v
	}
	return v
}

// text decodes a Text: VInt length then UTF-8 bytes.
func (r *vreader) text() string {
	n := r.vlong()
	if r.err != nil {
		return ""
	}
	if n < 0 || n > int64(len(r.b)) {
		r.err = fmt.Errorf("text length %d out of range", n)
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}
