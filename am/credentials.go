package am

import (
	"context"
	"fmt"
	"sync"

	"github.com/spindle-yarn/spindle/internal/creds"
	"github.com/spindle-yarn/spindle/internal/spec"
)

// credentialSet is the application's Hadoop credentials as the AM hands
// them out: its own (with the AMRM token), the driver's (without it) and
// the executors' (without it and with the executors' secret instead of the
// application's). On a secured cluster with a keytab the refresher replaces
// them with new delegation tokens; every replacement is a new version,
// which the API's GET /api/v1/credentials announces. Version 1 is what the
// containers started with. It is safe for concurrent use.
type credentialSet struct {
	secret string

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every update
	version  uint64
	am       *creds.Credentials
	driver   []byte
	executor []byte
	refresh  bool // updates are announced through the API
}

// newCredentialSet starts from the AM container's credentials.
func newCredentialSet(amCreds *creds.Credentials, secret string) (*credentialSet, error) {
	s := &credentialSet{secret: secret, changed: make(chan struct{})}
	if err := s.set(amCreds); err != nil {
		return nil, err
	}
	return s, nil
}

// set derives the driver's and executors' credentials from c and makes them
// the next version.
func (s *credentialSet) set(c *creds.Credentials) error {
	driver := c.Clone()
	driver.RemoveTokensOfKind(creds.AMRMTokenKind)
	db, err := driver.Marshal(creds.FormatWritable)
	if err != nil {
		return fmt.Errorf("write the driver's credentials: %w", err)
	}
	eb, err := executorCredentials(c, s.secret)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.am, s.driver, s.executor = c.Clone(), db, eb
	s.version++
	close(s.changed)
	s.changed = make(chan struct{})
	return nil
}

// update installs refreshed credentials.
func (s *credentialSet) update(c *creds.Credentials) error { return s.set(c) }

// current returns a copy of the AM's newest credentials.
func (s *credentialSet) current() *creds.Credentials {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.am.Clone()
}

// executorTokens is the newest executor credentials file (nil for a nil set).
func (s *credentialSet) executorTokens() []byte {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.executor
}

// driverTokens is the newest driver credentials file and its version.
func (s *credentialSet) driverTokens() ([]byte, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.driver, s.version
}

// announce makes Credentials answer: the credentials are refreshed.
func (s *credentialSet) announce() {
	s.mu.Lock()
	s.refresh = true
	s.mu.Unlock()
}

// Credentials implements httpapi.CredentialsBackend.
func (s *credentialSet) Credentials(ctx context.Context, driver bool, after uint64) (uint64, []byte, bool) {
	for {
		s.mu.Lock()
		v, refresh, ch := s.version, s.refresh, s.changed
		file := s.executor
		if driver {
			file = s.driver
		}
		s.mu.Unlock()
		if !refresh {
			return 0, nil, false
		}
		if v > after {
			return v, file, true
		}
		select {
		case <-ctx.Done():
			return v, nil, true
		case <-ch:
		}
	}
}

// writeDriverTokens writes the driver's credentials file (atomically: a
// temporary file renamed into place), the file its HADOOP_TOKEN_FILE_LOCATION
// names.
func (s *credentialSet) writeDriverTokens(path string) error {
	b, _ := s.driverTokens()
	c, err := creds.Parse(b)
	if err != nil {
		return err
	}
	return c.WriteFile(path, creds.FormatWritable)
}

// driverTokensPath is the cluster-mode driver's credentials file in the AM
// container whose working directory is pwd.
func driverTokensPath(pwd string) string {
	if pwd == "" {
		pwd = "."
	}
	return pwd + "/" + spec.DriverTokensFile
}

// Credentials implements httpapi.CredentialsBackend: the refreshed
// credentials of a secured application with a keytab.
func (m *master) Credentials(ctx context.Context, driver bool, after uint64) (uint64, []byte, bool) {
	if m.creds == nil {
		return 0, nil, false
	}
	return m.creds.Credentials(ctx, driver, after)
}
