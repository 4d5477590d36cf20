package httpapi

import "fmt"

// changedLocked records a change of the store: a new version, and a wake-up
// for whoever waits in KVChanged. s.mu must be held.
func (s *store) changedLocked() {
	s.version++
	close(s.changed)
	s.changed = make(chan struct{})
}

// KVSnapshot returns a copy of every key-value entry and the store's
// version, which grows with every change; the ApplicationMaster persists it
// so that a later attempt can restore it (RestoreKV).
func (s *Server) KVSnapshot() (map[string][]byte, uint64) {
	st := s.kv
	st.mu.Lock()
	defer st.mu.Unlock()
	m := make(map[string][]byte, len(st.data))
	for k, v := range st.data {
		m[k] = v // values are never modified in place
	}
	return m, st.version
}

// KVChanged returns a channel that is closed at the next change of the
// key-value store.
func (s *Server) KVChanged() <-chan struct{} {
	s.kv.mu.Lock()
	defer s.kv.mu.Unlock()
	return s.kv.changed
}

// RestoreKV stores entries saved by an earlier attempt, within the store's
// limits; it fails naming the first entry that did not fit, after storing
// the ones before it.
func (s *Server) RestoreKV(entries map[string][]byte) error {
	for k, v := range entries {
		if err := s.kv.put(k, v); err != nil {
			return fmt.Errorf("restore key %q: %w", k, err)
		}
	}
	return nil
}
