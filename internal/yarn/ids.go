package yarn

import (
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
)

// String prefixes of the YARN id forms.
const (
	applicationPrefix = "application_"
	attemptPrefix     = "appattempt_"
	containerPrefix   = "container_"
)

// EpochShift is the bit position of the ResourceManager epoch inside a
// container id's 64-bit number: the low 40 bits are the container's sequence
// number within the attempt, the bits above hold the epoch (incremented on
// every RM restart with work-preserving recovery).
const EpochShift = 40

// sequenceMask selects the sequence-number bits of a container id.
const sequenceMask = int64(1)<<EpochShift - 1

// maxEpoch is the largest epoch that fits above the sequence bits of a
// non-negative int64.
const maxEpoch = int64(1)<<(63-EpochShift) - 1

// ApplicationID identifies a YARN application: the ResourceManager's start
// time plus a sequence number. Its string form is
// "application_<clusterTimestamp>_<id, at least 4 digits>".
type ApplicationID struct {
	// ClusterTimestamp is the start time of the ResourceManager that
	// created the id, in milliseconds since the epoch.
	ClusterTimestamp int64
	// ID is the application's sequence number within that RM.
	ID int32
}

// String returns the canonical form, e.g. "application_1577164554399_0013".
func (a ApplicationID) String() string {
	return fmt.Sprintf("%s%d_%04d", applicationPrefix, a.ClusterTimestamp, a.ID)
}

// IsZero reports whether a is the zero ApplicationID.
func (a ApplicationID) IsZero() bool { return a == ApplicationID{} }

// Proto converts a to its protobuf form.
func (a ApplicationID) Proto() *yarnpb.ApplicationIdProto {
	return &yarnpb.ApplicationIdProto{
		Id:               proto.Int32(a.ID),
		ClusterTimestamp: proto.Int64(a.ClusterTimestamp),
	}
}

// ApplicationIDFromProto converts p; a nil p gives the zero ApplicationID.
func ApplicationIDFromProto(p *yarnpb.ApplicationIdProto) ApplicationID {
	return ApplicationID{ClusterTimestamp: p.GetClusterTimestamp(), ID: p.GetId()}
}

// ParseApplicationID parses the "application_<ts>_<id>" form.
func ParseApplicationID(s string) (ApplicationID, error) {
	rest, ok := strings.CutPrefix(s, applicationPrefix)
	if !ok {
		return ApplicationID{}, fmt.Errorf("yarn: invalid application id %q: missing %q prefix", s, applicationPrefix)
	}
	parts := strings.Split(rest, "_")
	if len(parts) != 2 {
		return ApplicationID{}, fmt.Errorf("yarn: invalid application id %q: want application_<timestamp>_<id>", s)
	}
	a, err := parseAppParts(parts[0], parts[1])
	if err != nil {
		return ApplicationID{}, fmt.Errorf("yarn: invalid application id %q: %w", s, err)
	}
	return a, nil
}

// AttemptID identifies one attempt of an application (each ApplicationMaster
// launch is a new attempt). Its string form is
// "appattempt_<clusterTimestamp>_<app id, ≥4 digits>_<attempt, ≥6 digits>".
type AttemptID struct {
	// App is the application the attempt belongs to.
	App ApplicationID
	// Attempt is the attempt number, starting at 1.
	Attempt int32
}

// String returns the canonical form, e.g.
// "appattempt_1577164554399_0013_000001".
func (a AttemptID) String() string {
	return fmt.Sprintf("%s%d_%04d_%06d", attemptPrefix, a.App.ClusterTimestamp, a.App.ID, a.Attempt)
}

// IsZero reports whether a is the zero AttemptID.
func (a AttemptID) IsZero() bool { return a == AttemptID{} }

// Proto converts a to its protobuf form.
func (a AttemptID) Proto() *yarnpb.ApplicationAttemptIdProto {
	return &yarnpb.ApplicationAttemptIdProto{
		ApplicationId: a.App.Proto(),
		AttemptId:     proto.Int32(a.Attempt),
	}
}

// AttemptIDFromProto converts p; a nil p gives the zero AttemptID.
func AttemptIDFromProto(p *yarnpb.ApplicationAttemptIdProto) AttemptID {
	return AttemptID{App: ApplicationIDFromProto(p.GetApplicationId()), Attempt: p.GetAttemptId()}
}

// ParseAttemptID parses the "appattempt_<ts>_<app>_<attempt>" form.
func ParseAttemptID(s string) (AttemptID, error) {
	rest, ok := strings.CutPrefix(s, attemptPrefix)
	if !ok {
		return AttemptID{}, fmt.Errorf("yarn: invalid attempt id %q: missing %q prefix", s, attemptPrefix)
	}
	parts := strings.Split(rest, "_")
	if len(parts) != 3 {
		return AttemptID{}, fmt.Errorf("yarn: invalid attempt id %q: want appattempt_<timestamp>_<app>_<attempt>", s)
	}
	app, err := parseAppParts(parts[0], parts[1])
	if err != nil {
		return AttemptID{}, fmt.Errorf("yarn: invalid attempt id %q: %w", s, err)
	}
	n, err := parseDecimal(parts[2], 31)
	if err != nil {
		return AttemptID{}, fmt.Errorf("yarn: invalid attempt id %q: attempt number: %w", s, err)
	}
	return AttemptID{App: app, Attempt: int32(n)}, nil
}

// ContainerID identifies a container. ID carries the RM epoch in its bits
// from EpochShift up and the sequence number below. The string form is
// "container_[e<epoch, ≥2 digits>_]<ts>_<app, ≥4 digits>_<attempt, ≥2
// digits>_<sequence, ≥6 digits>", the epoch part present only when the
// epoch is not zero.
type ContainerID struct {
	// Attempt is the application attempt that allocated the container.
	Attempt AttemptID
	// ID is the 64-bit container number: epoch<<EpochShift | sequence.
	ID int64
}

// NewContainerID builds a ContainerID from its epoch and sequence number.
func NewContainerID(attempt AttemptID, epoch, sequence int64) ContainerID {
	return ContainerID{Attempt: attempt, ID: epoch<<EpochShift | sequence&sequenceMask}
}

// Epoch returns the ResourceManager epoch encoded in c.ID.
func (c ContainerID) Epoch() int64 { return c.ID >> EpochShift }

// Sequence returns the container's sequence number within its attempt (the
// low EpochShift bits of c.ID).
func (c ContainerID) Sequence() int64 { return c.ID & sequenceMask }

// App returns the application the container belongs to.
func (c ContainerID) App() ApplicationID { return c.Attempt.App }

// String returns the canonical form, e.g.
// "container_1577164554399_0013_01_000002" or, with epoch 3,
// "container_e03_1577164554399_0013_01_000002".
func (c ContainerID) String() string {
	var b strings.Builder
	b.WriteString(containerPrefix)
	if e := c.Epoch(); e != 0 {
		fmt.Fprintf(&b, "e%02d_", e)
	}
	fmt.Fprintf(&b, "%d_%04d_%02d_%06d", c.Attempt.App.ClusterTimestamp, c.Attempt.App.ID, c.Attempt.Attempt, c.Sequence())
	return b.String()
}

// IsZero reports whether c is the zero ContainerID.
func (c ContainerID) IsZero() bool { return c == ContainerID{} }

// Proto converts c to its protobuf form (app_id, app_attempt_id and id all
// set, as Hadoop does).
func (c ContainerID) Proto() *yarnpb.ContainerIdProto {
	return &yarnpb.ContainerIdProto{
		AppId:        c.Attempt.App.Proto(),
		AppAttemptId: c.Attempt.Proto(),
		Id:           proto.Int64(c.ID),
	}
}

// ContainerIDFromProto converts p; a nil p gives the zero ContainerID. The
// application comes from app_attempt_id, or from app_id when the attempt
// does not carry one.
func ContainerIDFromProto(p *yarnpb.ContainerIdProto) ContainerID {
	att := AttemptIDFromProto(p.GetAppAttemptId())
	if p.GetAppAttemptId().GetApplicationId() == nil && p.GetAppId() != nil {
		att.App = ApplicationIDFromProto(p.GetAppId())
	}
	return ContainerID{Attempt: att, ID: p.GetId()}
}

// ParseContainerID parses a container id string with or without the
// "e<epoch>_" part, e.g. the CONTAINER_ID a NodeManager gives a container.
func ParseContainerID(s string) (ContainerID, error) {
	rest, ok := strings.CutPrefix(s, containerPrefix)
	if !ok {
		return ContainerID{}, fmt.Errorf("yarn: invalid container id %q: missing %q prefix", s, containerPrefix)
	}
	parts := strings.Split(rest, "_")
	var epoch int64
	if len(parts) > 0 && strings.HasPrefix(parts[0], "e") {
		e, err := parseDecimal(parts[0][1:], 63)
		if err != nil {
			return ContainerID{}, fmt.Errorf("yarn: invalid container id %q: epoch: %w", s, err)
		}
		if e > maxEpoch {
			return ContainerID{}, fmt.Errorf("yarn: invalid container id %q: epoch %d out of range", s, e)
		}
		epoch = e
		parts = parts[1:]
	}
	if len(parts) != 4 {
		return ContainerID{}, fmt.Errorf("yarn: invalid container id %q: want container_[e<epoch>_]<timestamp>_<app>_<attempt>_<id>", s)
	}
	app, err := parseAppParts(parts[0], parts[1])
	if err != nil {
		return ContainerID{}, fmt.Errorf("yarn: invalid container id %q: %w", s, err)
	}
	att, err := parseDecimal(parts[2], 31)
	if err != nil {
		return ContainerID{}, fmt.Errorf("yarn: invalid container id %q: attempt number: %w", s, err)
	}
	seq, err := parseDecimal(parts[3], EpochShift)
	if err != nil {
		return ContainerID{}, fmt.Errorf("yarn: invalid container id %q: container number: %w", s, err)
	}
	return ContainerID{
		Attempt: AttemptID{App: app, Attempt: int32(att)},
		ID:      epoch<<EpochShift | seq,
	}, nil
}

// parseAppParts parses the "<ts>" and "<id>" parts shared by all id forms.
func parseAppParts(ts, id string) (ApplicationID, error) {
	t, err := parseDecimal(ts, 63)
	if err != nil {
		return ApplicationID{}, fmt.Errorf("cluster timestamp: %w", err)
	}
	n, err := parseDecimal(id, 31)
	if err != nil {
		return ApplicationID{}, fmt.Errorf("application number: %w", err)
	}
	return ApplicationID{ClusterTimestamp: t, ID: int32(n)}, nil
}

// parseDecimal parses a non-empty run of ASCII digits (no sign) whose value
// must be below 1<<bits.
func parseDecimal(s string, bits uint) (int64, error) {
	if s == "" {
		return 0, fmt.Errorf("empty number")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%q is not a decimal number", s)
		}
	}
	v, err := strconv.ParseUint(s, 10, int(bits))
	if err != nil {
		return 0, fmt.Errorf("%q out of range", s)
	}
	return int64(v), nil
}
