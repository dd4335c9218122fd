package ceremony

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
)

// Setup is what a ceremony opens in the state directory before it talks
// to anyone: the directory's lock, the journal and, for a genesis, the
// empty chain store. Close gives them back.
type Setup struct {
	// StateDir is the state directory, absolute.
	StateDir string
	// OutDir is the directory the transcript goes into, absolute.
	OutDir string
	// Key is the key already in the state directory, or nil when a new
	// one is to be made.
	Key *BoxKey
	// Journal is the state directory's journal.
	Journal *signer.Journal
	// Chain is the empty chain store for a genesis, or nil.
	Chain *signer.ChainStore

	closers []func()
}

// Open prepares a ceremony in the state directory state (made 0700 if
// needed) with the transcript going to out (empty: the state directory).
// backend is the --hsm of a new key: it must be given when the state
// directory holds no key, and must match the key that is there. With
// genesis the chain store must be empty. Open takes the state
// directory's lock, so no daemon runs meanwhile.
func Open(state, out, backend string, genesis bool) (_ *Setup, err error) {
	dir, err := statedir.Abs(state)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("making the state directory: %w", err)
	}
	s := &Setup{StateDir: dir}
	if s.Key, err = ExistingKey(dir, backend); err != nil {
		return nil, err
	}
	if out == "" {
		out = dir
	}
	if s.OutDir, err = OutDir(out); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	unlock, err := statedir.TakeLock(dir)
	if err != nil {
		return nil, cli.WithHint(err, "stop signet serve while the ceremony runs")
	}
	s.closers = append(s.closers, unlock)
	if s.Journal, err = OpenJournal(dir); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, closeFunc(s.Journal))
	if genesis {
		if s.Chain, err = OpenGenesisStore(dir); err != nil {
			return nil, err
		}
		s.closers = append(s.closers, closeFunc(s.Chain))
	}
	return s, nil
}

func closeFunc(c io.Closer) func() { return func() { c.Close() } }

// Close closes what Open opened, last first, and releases the lock.
func (s *Setup) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}

// ExistingKey loads the key already in the state directory dir (nil when
// there is none), or checks that backend (the --hsm flag) says how to
// make one.
func ExistingKey(dir, backend string) (*BoxKey, error) {
	ks, err := statedir.LoadKey(dir)
	if err != nil && backend == "" {
		return nil, cli.WithHint(fmt.Errorf("no key in %s to use, and no --hsm to make one", dir),
			"pass --hsm tpm (or piv, or soft for a trial run) and its flags, as for 'signet key init'")
	}
	if err != nil {
		if there, _ := statedir.HasKey(dir); there {
			return nil, err // a key is there but cannot be read
		}
		return nil, nil
	}
	if backend != "" && backend != ks.URI.Scheme {
		return nil, cli.WithHint(fmt.Errorf("--hsm %s: %s already holds a %s key", backend, dir, ks.URI.Scheme),
			"drop --hsm to use that key, or use another --state")
	}
	box := &BoxKey{URI: ks.URI, Public: ks.Pub}
	if ks.Att != nil {
		box.Attestation = ks.Att.HSM()
	}
	return box, nil
}

// OutDir checks the transcript directory out (the --out flag) and
// returns it absolute; it must exist.
func OutDir(out string) (string, error) {
	abs, err := filepath.Abs(out)
	if err != nil {
		return "", fmt.Errorf("--out %q: %w", out, err)
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return "", cli.WithHint(fmt.Errorf("--out %s is not a directory", abs), "mount the medium or make the directory first")
	}
	return abs, nil
}

// OpenGenesisStore opens the chain store of dir for a genesis; it must be
// empty.
func OpenGenesisStore(dir string) (*signer.ChainStore, error) {
	store, err := signer.OpenChainStore(dir)
	if err != nil {
		return nil, err
	}
	if store.Len() > 0 {
		store.Close()
		return nil, cli.WithHint(fmt.Errorf("--genesis: the chain store in %s already holds an authority", dir),
			"run the ceremony without --genesis, or in a state directory with no chain.log")
	}
	return store, nil
}

// OpenJournal opens the journal of dir; a torn journal's error says how
// to repair it.
func OpenJournal(dir string) (*signer.Journal, error) {
	j, err := signer.OpenJournal(dir)
	var torn *signer.TornError
	if errors.As(err, &torn) {
		return nil, cli.WithHint(err, "run 'signet journal repair' (it keeps the torn bytes aside) and start again")
	}
	return j, err
}
