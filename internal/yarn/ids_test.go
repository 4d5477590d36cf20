package yarn

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
)

func TestApplicationIDString(t *testing.T) {
	tests := []struct {
		id   ApplicationID
		want string
	}{
		{ApplicationID{1577164554399, 13}, "application_1577164554399_0013"},
		{ApplicationID{1577164554399, 1}, "application_1577164554399_0001"},
		{ApplicationID{1577164554399, 9999}, "application_1577164554399_9999"},
		{ApplicationID{1577164554399, 123456}, "application_1577164554399_123456"},
		{ApplicationID{0, 0}, "application_0_0000"},
	}
	for _, tt := range tests {
		if got := tt.id.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.id, got, tt.want)
		}
		back, err := ParseApplicationID(tt.want)
		if err != nil || back != tt.id {
			t.Errorf("ParseApplicationID(%q) = %v, %v; want %v", tt.want, back, err, tt.id)
		}
		if got := ApplicationIDFromProto(tt.id.Proto()); got != tt.id {
			t.Errorf("proto round trip of %v = %v", tt.id, got)
		}
	}
}

func TestParseApplicationIDErrors(t *testing.T) {
	bad := []string{
		"", "application_", "application_1_", "application__0001", "application_1_2_3",
		"app_1_0001", "application_-1_0001", "application_1_+1", "application_1_0x1",
		"application_1_2147483648", "application_99999999999999999999_1",
		"APPLICATION_1_0001", "application_1_0001 ", " application_1_0001",
	}
	for _, s := range bad {
		if id, err := ParseApplicationID(s); err == nil {
			t.Errorf("ParseApplicationID(%q) = %v, want error", s, id)
		}
	}
	if _, err := ParseApplicationID("application_x_1"); err == nil || !strings.Contains(err.Error(), "application_x_1") {
		t.Errorf("error should quote the input, got %v", err)
	}
}

func TestAttemptID(t *testing.T) {
	tests := []struct {
		id   AttemptID
		want string
	}{
		{AttemptID{ApplicationID{1577164554399, 13}, 1}, "appattempt_1577164554399_0013_000001"},
		{AttemptID{ApplicationID{1577164554399, 12345}, 2}, "appattempt_1577164554399_12345_000002"},
		{AttemptID{ApplicationID{1, 1}, 1234567}, "appattempt_1_0001_1234567"},
	}
	for _, tt := range tests {
		if got := tt.id.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.id, got, tt.want)
		}
		back, err := ParseAttemptID(tt.want)
		if err != nil || back != tt.id {
			t.Errorf("ParseAttemptID(%q) = %v, %v; want %v", tt.want, back, err, tt.id)
		}
		if got := AttemptIDFromProto(tt.id.Proto()); got != tt.id {
			t.Errorf("proto round trip of %v = %v", tt.id, got)
		}
	}
	for _, s := range []string{"appattempt_1_0001", "appattempt_1_0001_", "application_1_0001_000001", "appattempt_1_0001_000001_1"} {
		if _, err := ParseAttemptID(s); err == nil {
			t.Errorf("ParseAttemptID(%q) succeeded, want error", s)
		}
	}
}

func TestContainerID(t *testing.T) {
	att := AttemptID{ApplicationID{1577164554399, 13}, 1}
	tests := []struct {
		s     string
		id    ContainerID
		epoch int64
		seq   int64
	}{
		{"container_1577164554399_0013_01_000001", ContainerID{att, 1}, 0, 1},
		{"container_1577164554399_0013_01_123456", ContainerID{att, 123456}, 0, 123456},
		{"container_1577164554399_0013_01_1234567", ContainerID{att, 1234567}, 0, 1234567},
		{"container_e03_1577164554399_0013_01_000002", ContainerID{att, 3<<40 | 2}, 3, 2},
		{"container_e17_1410901177871_0001_01_000005",
			ContainerID{AttemptID{ApplicationID{1410901177871, 1}, 1}, 17<<40 | 5}, 17, 5},
		{"container_e123_1577164554399_0013_01_000002", ContainerID{att, 123<<40 | 2}, 123, 2},
		{"container_e01_1577164554399_54321_12_000007",
			ContainerID{AttemptID{ApplicationID{1577164554399, 54321}, 12}, 1<<40 | 7}, 1, 7},
		{"container_1577164554399_10000_100_000001",
			ContainerID{AttemptID{ApplicationID{1577164554399, 10000}, 100}, 1}, 0, 1},
	}
	for _, tt := range tests {
		if got := tt.id.String(); got != tt.s {
			t.Errorf("%#v.String() = %q, want %q", tt.id, got, tt.s)
		}
		got, err := ParseContainerID(tt.s)
		if err != nil || got != tt.id {
			t.Errorf("ParseContainerID(%q) = %#v, %v; want %#v", tt.s, got, err, tt.id)
			continue
		}
		if got.Epoch() != tt.epoch || got.Sequence() != tt.seq {
			t.Errorf("%q: epoch, sequence = %d, %d; want %d, %d", tt.s, got.Epoch(), got.Sequence(), tt.epoch, tt.seq)
		}
		if NewContainerID(tt.id.Attempt, tt.epoch, tt.seq) != tt.id {
			t.Errorf("NewContainerID(%v, %d, %d) != %v", tt.id.Attempt, tt.epoch, tt.seq, tt.id)
		}
		p := tt.id.Proto()
		if p.GetId() != tt.id.ID || p.GetAppId().GetId() != tt.id.Attempt.App.ID || p.GetAppAttemptId().GetAttemptId() != tt.id.Attempt.Attempt {
			t.Errorf("Proto(%v) = %v", tt.id, p)
		}
		if back := ContainerIDFromProto(p); back != tt.id {
			t.Errorf("proto round trip of %v = %v", tt.id, back)
		}
	}
}

func TestContainerIDFromProtoAppIDOnly(t *testing.T) {
	id := ContainerID{AttemptID{ApplicationID{5, 6}, 2}, 9}
	p := id.Proto()
	p.AppAttemptId.ApplicationId = nil
	if got := ContainerIDFromProto(p); got != id {
		t.Errorf("got %v, want %v", got, id)
	}
	if got := ContainerIDFromProto(nil); !got.IsZero() {
		t.Errorf("nil proto gave %v", got)
	}
	// Wire round trip through the encoded bytes too.
	b, err := proto.Marshal(id.Proto())
	if err != nil {
		t.Fatal(err)
	}
	var q = id.Proto()
	proto.Reset(q)
	if err := proto.Unmarshal(b, q); err != nil || ContainerIDFromProto(q) != id {
		t.Errorf("wire round trip: %v, %v", ContainerIDFromProto(q), err)
	}
}

func TestParseContainerIDErrors(t *testing.T) {
	bad := []string{
		"", "container_", "container_e_1_0001_01_000001", "container_e1x_1_0001_01_000001",
		"container_1_0001_01", "container_1_0001_01_000001_5", "container_e01_1_0001_01",
		"container_1_0001_01_1099511627776",   // sequence needs more than 40 bits
		"container_e8388608_1_0001_01_000001", // epoch does not fit above 40 bits
		"container_1_0001_2147483648_000001", "container_1_0001_-1_000001",
		"containers_1_0001_01_000001", "container_1_0001_01_00000a", "container_E01_1_0001_01_000001",
	}
	for _, s := range bad {
		if id, err := ParseContainerID(s); err == nil {
			t.Errorf("ParseContainerID(%q) = %v, want error", s, id)
		}
	}
	// The largest epoch still fits.
	s := "container_e8388607_1_0001_01_000001"
	id, err := ParseContainerID(s)
	if err != nil || id.Epoch() != 8388607 || id.ID < 0 {
		t.Errorf("ParseContainerID(%q) = %v (%d), %v", s, id, id.ID, err)
	}
}

func FuzzParseContainerID(f *testing.F) {
	for _, s := range []string{
		"container_1577164554399_0013_01_000001", "container_e03_1577164554399_0013_01_000002",
		"container_e8388607_1_99999_99_1099511627775", "container__", "container_e_",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseContainerID(s)
		if err != nil {
			return
		}
		if id.ID < 0 || id.Epoch() < 0 {
			t.Fatalf("%q parsed to negative id %d", s, id.ID)
		}
		back, err := ParseContainerID(id.String())
		if err != nil || back != id {
			t.Fatalf("%q -> %v -> %q -> %v, %v", s, id, id.String(), back, err)
		}
	})
}

func FuzzParseApplicationID(f *testing.F) {
	for _, s := range []string{"application_1577164554399_0013", "application_1_123456", "application__", "appattempt_1_0001_000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseApplicationID(s)
		if err == nil {
			back, err := ParseApplicationID(id.String())
			if err != nil || back != id {
				t.Fatalf("%q -> %v -> %v, %v", s, id, back, err)
			}
		}
		att, err := ParseAttemptID(s)
		if err == nil {
			back, err := ParseAttemptID(att.String())
			if err != nil || back != att {
				t.Fatalf("%q -> %v -> %v, %v", s, att, back, err)
			}
		}
	})
}
