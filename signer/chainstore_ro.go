package signer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

var errReadOnlyStore = errors.New("the chain store was opened read-only; use a verb that goes through the daemon to change it")

// OpenChainStoreReadOnly opens the chain store in dir for reading only,
// without the state dir lock, so offline verbs (review, recovery plans) can
// read it while `signet serve` runs. It never writes: a torn or
// in-progress last commit is left alone and not read, and Commit fails.
func OpenChainStoreReadOnly(dir string) (*ChainStore, error) {
	path := filepath.Join(dir, statedir.Chain)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening the chain store: %w", err)
	}
	s := &ChainStore{
		path:     path,
		f:        f,
		index:    make(map[tka.AUMHash]recLoc),
		children: make(map[tka.AUMHash][]tka.AUMHash),
		heads:    make(map[tka.AUMHash]struct{}),
		readOnly: true,
	}
	if err := s.load(path); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}
