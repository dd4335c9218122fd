package main

import (
	"errors"

	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
)

// statedir.KeyFiles() are the key files the journal pins (signer/pins.go).

// serveState is the state dir as signet serve opens it: the chain store
// and the journal, and the verdict of the start checks on them.
type serveState struct {
	store   *signer.ChainStore
	journal *signer.Journal
	check   *signer.StartCheck
}

// openServeState opens the chain store and the journal of ks.Dir (under
// the state dir lock) and runs the start checks. Nothing is written: an
// incomplete chain commit or index line is dealt with by Repair, once the
// key is open.
func openServeState(ks *statedir.KeyState) (*serveState, error) {
	store, err := signer.OpenChainStore(ks.Dir)
	if err != nil {
		return nil, err
	}
	journal, err := signer.OpenJournal(ks.Dir)
	if err != nil {
		store.Close()
		var torn *signer.TornError
		if errors.As(err, &torn) {
			return nil, withHint(err, "run 'signet journal repair' (it keeps the torn bytes aside) and start again")
		}
		return nil, err
	}
	check, err := signer.CheckStart(ks.Dir, store, journal, ks.Pub, statedir.KeyFiles())
	if err != nil {
		journal.Close()
		store.Close()
		return nil, stateErr(err)
	}
	return &serveState{store: store, journal: journal, check: check}, nil
}

func (s *serveState) close() {
	s.journal.Close()
	s.store.Close()
}

// stateErr splits a *signer.StateError into an error and its hint.
func stateErr(err error) error {
	var se *signer.StateError
	if errors.As(err, &se) {
		return withHint(errors.New(se.Problem), se.Fix, "signet serve does not start until the state dir's files agree; 'signet journal verify --state DIR' runs the same checks")
	}
	return err
}
