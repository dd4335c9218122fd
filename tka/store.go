package tka

import (
	"bytes"
	"errors"
	"slices"
	"sync"
)

// ErrNotStored means the store holds no AUM with the requested hash.
var ErrNotStored = errors.New("AUM not in store")

// Entry is a stored AUM with its hash. Stores hand out entries whose AUM
// must be treated as read-only.
type Entry struct {
	Hash AUMHash
	AUM  *AUM
}

// Store keeps the AUMs of an authority. Every AUM in a store has been
// verified before it was committed.
//
// Every method returns an error only when the store could not be read or
// written; an absent AUM is reported as an error wrapping ErrNotStored.
type Store interface {
	// AUM returns the AUM with hash h.
	AUM(h AUMHash) (*AUM, error)
	// Parent returns the parent hash of the stored AUM h, and false if h
	// is a genesis AUM. It lets a chain be walked backwards without
	// decoding AUMs.
	Parent(h AUMHash) (parent AUMHash, ok bool, err error)
	// Children returns the stored AUMs whose parent is h, in any order.
	// No children is not an error.
	Children(h AUMHash) ([]Entry, error)
	// Heads returns the hashes of the stored AUMs that are no stored AUM's
	// parent, in any order.
	Heads() ([]AUMHash, error)
	// Commit stores verified AUMs: all of them or, on error, none. AUMs
	// already stored are ignored.
	Commit(entries []Entry) error
	// LastActiveAncestor returns the oldest AUM of the active chain as
	// last recorded, or nil if none was.
	LastActiveAncestor() (*AUMHash, error)
	// SetLastActiveAncestor records the oldest AUM of the active chain.
	SetLastActiveAncestor(h AUMHash) error
}

// MemStore is a Store in memory. It is safe for concurrent use.
type MemStore struct {
	mu       sync.RWMutex
	aums     map[AUMHash]*AUM
	children map[AUMHash][]AUMHash
	heads    map[AUMHash]struct{}
	ancestor *AUMHash
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{
		aums:     make(map[AUMHash]*AUM),
		children: make(map[AUMHash][]AUMHash),
		heads:    make(map[AUMHash]struct{}),
	}
}

// Len returns the number of stored AUMs.
func (m *MemStore) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.aums)
}

// AUM implements Store.
func (m *MemStore) AUM(h AUMHash) (*AUM, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if a, ok := m.aums[h]; ok {
		return a, nil
	}
	return nil, ErrNotStored
}

// Parent implements Store.
func (m *MemStore) Parent(h AUMHash) (AUMHash, bool, error) {
	a, err := m.AUM(h)
	if err != nil {
		return AUMHash{}, false, err
	}
	p, ok := a.Parent()
	return p, ok, nil
}

// Children implements Store.
func (m *MemStore) Children(h AUMHash) ([]Entry, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	kids := m.children[h]
	out := make([]Entry, len(kids))
	for i, k := range kids {
		out[i] = Entry{Hash: k, AUM: m.aums[k]}
	}
	return out, nil
}

// Heads implements Store.
func (m *MemStore) Heads() ([]AUMHash, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]AUMHash, 0, len(m.heads))
	for h := range m.heads {
		out = append(out, h)
	}
	slices.SortFunc(out, func(a, b AUMHash) int { return bytes.Compare(a[:], b[:]) })
	return out, nil
}

// Commit implements Store.
func (m *MemStore) Commit(entries []Entry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range entries {
		if _, dup := m.aums[e.Hash]; dup {
			continue
		}
		m.aums[e.Hash] = e.AUM
		if len(m.children[e.Hash]) == 0 {
			m.heads[e.Hash] = struct{}{}
		}
		if p, ok := e.AUM.Parent(); ok {
			m.children[p] = append(m.children[p], e.Hash)
			delete(m.heads, p)
		}
	}
	return nil
}

// LastActiveAncestor implements Store.
func (m *MemStore) LastActiveAncestor() (*AUMHash, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.ancestor == nil {
		return nil, nil
	}
	h := *m.ancestor
	return &h, nil
}

// SetLastActiveAncestor implements Store.
func (m *MemStore) SetLastActiveAncestor(h AUMHash) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ancestor = &h
	return nil
}
