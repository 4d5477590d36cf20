package am

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"time"

	"github.com/spindle-yarn/spindle/internal/spec"
	"github.com/spindle-yarn/spindle/internal/staging"
)

// Files an attempt keeps in the application's staging directory for the next
// attempt (and, for the address, for executors kept across attempts).
const (
	// StateFile is the snapshot of the executor table and the key-value store.
	StateFile = "am-state.json"
	// AddressFile holds the current attempt's API base URL, one line.
	AddressFile = spec.AddressFileName
	// maxStateBytes bounds the snapshot; a key-value store larger than
	// maxPersistedKV is not persisted (the executor table always is).
	maxStateBytes  = 24 << 20
	maxPersistedKV = 16 << 20
	// persistEvery is the shortest time between two snapshots.
	persistEvery = 2 * time.Second
)

// snapshot is what one attempt leaves for the next.
type snapshot struct {
	Attempt     string            `json:"attempt"`
	NextID      int               `json:"nextId"`
	Executors   []savedExecutor   `json:"executors"`
	FailedAt    []time.Time       `json:"failedAt,omitempty"`
	Failures    int               `json:"failures"`
	LastFailure string            `json:"lastFailure,omitempty"`
	KV          map[string][]byte `json:"kv,omitempty"`
	KVOmitted   bool              `json:"kvOmitted,omitempty"`
}

// savedExecutor is one row of the executor table.
type savedExecutor struct {
	ID          int       `json:"id"`
	ContainerID string    `json:"containerId"`
	Node        string    `json:"node"`
	Host        string    `json:"host"`
	LogURL      string    `json:"logUrl,omitempty"`
	State       string    `json:"state"`
	ExitStatus  *int      `json:"exitStatus,omitempty"`
	Diagnostics string    `json:"diagnostics,omitempty"`
	Started     time.Time `json:"started"`
	Finished    time.Time `json:"finished,omitzero"`
}

// stateStore reads and writes the attempt's files in the staging directory.
type stateStore struct {
	fs  staging.FS
	dir string // path of the staging directory on fs
}

// openStateStore opens the staging directory of stagingURI.
func openStateStore(ctx context.Context, open func(context.Context, *url.URL) (staging.FS, error), stagingURI string) (*stateStore, error) {
	u, err := url.Parse(stagingURI)
	if err != nil {
		return nil, fmt.Errorf("staging directory %q: %w", stagingURI, err)
	}
	fsys, err := open(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("open the staging directory %s: %w", stagingURI, err)
	}
	return &stateStore{fs: fsys, dir: u.Path}, nil
}

// replace writes data to name in the staging directory in place of what was
// there: a new file, then the old one removed and the new one renamed. A
// reader that finds no name reads name.new (see read).
func (s *stateStore) replace(ctx context.Context, name string, data []byte) error {
	p := path.Join(s.dir, name)
	tmp := p + ".new"
	if err := s.fs.RemoveAll(ctx, tmp); err != nil {
		return err
	}
	if _, err := s.fs.Create(ctx, bytes.NewReader(data), tmp, staging.FilePerm); err != nil {
		return err
	}
	if err := s.fs.RemoveAll(ctx, p); err != nil {
		return err
	}
	return s.fs.Rename(ctx, tmp, p)
}

// read returns the contents of name (or of name.new, left by a writer that
// died between removing and renaming), and fs.ErrNotExist when neither exists.
func (s *stateStore) read(ctx context.Context, name string, limit int64) ([]byte, error) {
	p := path.Join(s.dir, name)
	b, err := s.fs.ReadFile(ctx, p, limit)
	if errors.Is(err, fs.ErrNotExist) {
		b, err = s.fs.ReadFile(ctx, p+".new", limit)
	}
	return b, err
}

// loadSnapshot reads the last snapshot; nil when there is none.
func (s *stateStore) loadSnapshot(ctx context.Context) (*snapshot, error) {
	b, err := s.read(ctx, StateFile, maxStateBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", StateFile, err)
	}
	var snap snapshot
	if err := json.Unmarshal(b, &snap); err != nil {
		return nil, fmt.Errorf("parse %s: %w", StateFile, err)
	}
	return &snap, nil
}

// encodeSnapshot encodes snap, leaving out its key-value entries when they
// would make it larger than the bounds.
func encodeSnapshot(snap *snapshot) ([]byte, error) {
	kvBytes := 0
	for k, v := range snap.KV {
		kvBytes += len(k) + len(v)
	}
	if kvBytes > maxPersistedKV {
		snap.KV, snap.KVOmitted = nil, true
	}
	b, err := json.Marshal(snap)
	if err != nil {
		return nil, err
	}
	if len(b) > maxStateBytes {
		return nil, fmt.Errorf("the snapshot is %d bytes, more than %d", len(b), maxStateBytes)
	}
	return b, nil
}
