package hsm

import "sync"

// Secret is a buffer for one PIN, passphrase or unsealed key, kept where
// the garbage collector never copies it and swap never sees it: its own
// anonymous mapping, locked in RAM (mlock), left out of core dumps and
// not inherited by a fork. Close wipes it and unmaps it. Where the system
// refuses a mapping or the lock (RLIMIT_MEMLOCK), the buffer falls back
// to the Go heap and Locked reports false; Close still wipes it.
//
// A Secret is safe for concurrent use, but Bytes hands out the buffer
// itself: the caller must not keep it past Close.
type Secret struct {
	mu     sync.Mutex
	mem    []byte // the whole mapping (or heap buffer); nil after Close
	n      int    // bytes in use
	locked bool
	unmap  func()
}

// NewSecret returns a zeroed Secret that can hold size bytes, with Len 0.
func NewSecret(size int) *Secret {
	s := &Secret{}
	s.mem, s.locked, s.unmap = allocLocked(max(size, 1))
	return s
}

// SecretFrom copies b into a new Secret and wipes b.
func SecretFrom(b []byte) *Secret {
	s := NewSecret(len(b))
	s.Append(b...)
	Wipe(b)
	return s
}

// Bytes returns the bytes in use, or nil after Close.
func (s *Secret) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mem == nil {
		return nil
	}
	return s.mem[:s.n:s.n]
}

// Len returns the number of bytes in use.
func (s *Secret) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// Cap returns how many bytes the Secret can hold.
func (s *Secret) Cap() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.mem)
}

// Append adds b after the bytes in use and reports whether all of b fit;
// what does not fit is dropped. It never reallocates.
func (s *Secret) Append(b ...byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := copy(s.mem[s.n:], b)
	s.n += n
	return n == len(b)
}

// Truncate keeps the first n bytes in use and wipes the rest.
func (s *Secret) Truncate(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n < 0 || n > s.n {
		return
	}
	clear(s.mem[n:s.n])
	s.n = n
}

// Locked reports whether the buffer is locked in RAM outside the Go heap.
func (s *Secret) Locked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.locked
}

// Close wipes the buffer and releases it. Calling Close again does
// nothing; a nil Secret may be closed.
func (s *Secret) Close() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mem == nil {
		return
	}
	clear(s.mem)
	if s.unmap != nil {
		s.unmap()
	}
	s.mem, s.n = nil, 0
}
