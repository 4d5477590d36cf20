package client

import (
	"fmt"

	"github.com/spindle-yarn/spindle/internal/yarn"
)

// ApplicationID identifies a YARN application: "application_<cluster
// timestamp>_<sequence>", such as application_1700000000000_0001.
type ApplicationID struct {
	// ClusterTimestamp is the start time of the ResourceManager that created
	// the id, in milliseconds since the Unix epoch.
	ClusterTimestamp int64
	// Sequence is the application's number within that ResourceManager.
	Sequence int32
}

// ParseApplicationID parses an application id such as
// application_1700000000000_0001.
func ParseApplicationID(s string) (ApplicationID, error) {
	id, err := yarn.ParseApplicationID(s)
	if err != nil {
		return ApplicationID{}, fmt.Errorf("application id %q: want one such as application_1700000000000_0001", s)
	}
	return fromYARN(id), nil
}

// String returns the id's canonical form.
func (a ApplicationID) String() string { return a.yarn().String() }

// IsZero reports whether a is the zero ApplicationID (no application).
func (a ApplicationID) IsZero() bool { return a == ApplicationID{} }

// MarshalText writes the canonical form, so that ids read well in JSON.
func (a ApplicationID) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText parses the canonical form.
func (a *ApplicationID) UnmarshalText(b []byte) error {
	id, err := ParseApplicationID(string(b))
	if err != nil {
		return err
	}
	*a = id
	return nil
}

func (a ApplicationID) yarn() yarn.ApplicationID {
	return yarn.ApplicationID{ClusterTimestamp: a.ClusterTimestamp, ID: a.Sequence}
}

func fromYARN(id yarn.ApplicationID) ApplicationID {
	return ApplicationID{ClusterTimestamp: id.ClusterTimestamp, Sequence: id.ID}
}
