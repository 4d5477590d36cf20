package httpapi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// errStoreFull is returned by store.put when the store has no room.
var errStoreFull = errors.New("key-value store is full")

// store is the AM's in-memory key-value store with per-key waiters.
type store struct {
	mu       sync.Mutex
	data     map[string][]byte
	size     int64 // bytes of keys plus values in data
	waiters  map[string]*keyWaiters
	maxKeys  int
	maxBytes int64
	version  uint64        // grows with every change
	changed  chan struct{} // closed and replaced on every change
}

// keyWaiters is the wake-up channel shared by everyone waiting for one key.
// put closes ch and removes the entry; the last waiter to give up removes it.
type keyWaiters struct {
	ch chan struct{}
	n  int
}

func newStore(maxKeys int, maxBytes int64) *store {
	return &store{
		data:     make(map[string][]byte),
		waiters:  make(map[string]*keyWaiters),
		changed:  make(chan struct{}),
		maxKeys:  maxKeys,
		maxBytes: maxBytes,
	}
}

// put stores value (which the store now owns) under key and wakes the
// key's waiters. It fails, wrapping errStoreFull, when the key or byte limit
// would be exceeded.
func (s *store) put(key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, exists := s.data[key]
	newSize := s.size + int64(len(value))
	if exists {
		newSize -= int64(len(old))
	} else {
		if len(s.data) >= s.maxKeys {
			return fmt.Errorf("%w: it holds the maximum of %d keys; delete keys that are no longer needed", errStoreFull, s.maxKeys)
		}
		newSize += int64(len(key))
	}
	if newSize > s.maxBytes {
		return fmt.Errorf("%w: storing %d bytes under %q would exceed the limit of %d bytes in total (%d in use); delete keys that are no longer needed",
			errStoreFull, len(value), key, s.maxBytes, s.size)
	}
	s.data[key] = value
	s.size = newSize
	s.changedLocked()
	if w := s.waiters[key]; w != nil {
		close(w.ch)
		delete(s.waiters, key)
	}
	return nil
}

// get returns the value of key. The caller must not modify it.
func (s *store) get(key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.data[key]
	return v, ok
}

// remove deletes key, reporting whether it was present.
func (s *store) remove(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.data[key]
	if ok {
		s.size -= int64(len(key) + len(v))
		delete(s.data, key)
		s.changedLocked()
	}
	return ok
}

// list returns the entries whose keys start with prefix. The caller must not
// modify the values.
func (s *store) list(prefix string) map[string][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string][]byte)
	for k, v := range s.data {
		if strings.HasPrefix(k, prefix) {
			m[k] = v
		}
	}
	return m
}

// counts returns the number of keys and the bytes they use.
func (s *store) counts() (keys int, bytes int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.data), s.size
}

// waitOutcome says why store.wait returned without a value.
type waitOutcome int

const (
	waitFound    waitOutcome = iota // the value is there
	waitTimedOut                    // d passed without a value
	waitCanceled                    // ctx ended (the client went away)
	waitDrained                     // the server is shutting down
)

// wait returns the value of key as soon as it is present, or gives up after
// d, when ctx ends, or when drained is closed.
func (s *store) wait(ctx context.Context, key string, d time.Duration, drained <-chan struct{}) ([]byte, waitOutcome) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		s.mu.Lock()
		if v, ok := s.data[key]; ok {
			s.mu.Unlock()
			return v, waitFound
		}
		w := s.waiters[key]
		if w == nil {
			w = &keyWaiters{ch: make(chan struct{})}
			s.waiters[key] = w
		}
		w.n++
		s.mu.Unlock()

		outcome := waitFound
		select {
		case <-w.ch:
		case <-timer.C:
			outcome = waitTimedOut
		case <-ctx.Done():
			outcome = waitCanceled
		case <-drained:
			outcome = waitDrained
		}

		s.mu.Lock()
		w.n--
		if w.n == 0 && s.waiters[key] == w {
			delete(s.waiters, key)
		}
		v, ok := s.data[key]
		s.mu.Unlock()
		if ok {
			return v, waitFound
		}
		if outcome != waitFound {
			return nil, outcome
		}
		// Woken by a put, but the key was deleted again before we looked:
		// keep waiting for the rest of d.
	}
}

// numWaitKeys returns how many keys have waiters (for tests).
func (s *store) numWaitKeys() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.waiters)
}
