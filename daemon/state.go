package daemon

import (
	"errors"

	"github.com/signetbox/signet/fsck"
	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
)

// State is the state directory as the daemon opens it: the chain store
// and the journal, and the verdict of the start checks on them.
type State struct {
	Store   *signer.ChainStore // chain.log
	Journal *signer.Journal    // journal.log
	Check   *signer.StartCheck // what the start checks found; Repair acts on it
}

// OpenState opens the chain store and the journal of ks.Dir (under the
// state directory's lock) and runs the start checks on them and on the
// key files the journal pins (statedir.KeyFiles). Nothing is written: an
// incomplete chain commit or index line is dealt with by Check.Repair,
// once the key is open. A torn journal and files that disagree are
// errors with the hint that fixes them.
func OpenState(ks *statedir.KeyState) (*State, error) {
	store, err := signer.OpenChainStore(ks.Dir)
	if err != nil {
		return nil, err
	}
	journal, err := signer.OpenJournal(ks.Dir)
	if err != nil {
		store.Close()
		var torn *signer.TornError
		if errors.As(err, &torn) {
			return nil, cli.WithHint(err, "run 'signet journal repair' (it keeps the torn bytes aside) and start again")
		}
		return nil, err
	}
	check, err := signer.CheckStart(ks.Dir, store, journal, ks.Pub, statedir.KeyFiles())
	if err != nil {
		journal.Close()
		store.Close()
		return nil, fsck.StateErr(err)
	}
	return &State{Store: store, Journal: journal, Check: check}, nil
}

// Close closes the journal and the chain store.
func (s *State) Close() {
	s.Journal.Close()
	s.Store.Close()
}
