package tka

import (
	"errors"
	"fmt"
)

// Inform verifies updates against the authority and stores them in st,
// then moves the authority to the new active chain. Updates are ordered
// oldest first and may fork from any stored AUM; AUMs already stored are
// skipped.
//
// Either every new update is valid and stored, or an error names the first
// bad one and neither st nor a changes. Signatures are verified in batches.
// When the updates extend the current head in one line (the common case)
// the chain is not walked again.
func (a *Authority) Inform(st Store, updates []*AUM) error {
	if len(updates) == 0 {
		return errors.New("no updates to apply")
	}
	p, err := a.prepare(st, updates)
	if err != nil {
		return err
	}
	if err := st.Commit(p.commit); err != nil {
		return fmt.Errorf("storing updates: %w", err)
	}
	if p.headChain {
		last := p.commit[len(p.commit)-1]
		a.head, a.state = last, p.stateAt[last.Hash]
		return nil
	}
	oldest, head, state, err := activeChain(st, &a.oldest)
	if err != nil {
		return fmt.Errorf("recomputing the active chain: %w", err)
	}
	a.head, a.oldest, a.state = head, oldest, state
	return nil
}

// Check reports whether Inform would accept updates, with the error
// Inform would give, without storing anything or moving the authority.
// It lets a caller record its intent to store updates only for updates
// that will be stored.
func (a *Authority) Check(st Store, updates []*AUM) error {
	if len(updates) == 0 {
		return errors.New("no updates to apply")
	}
	_, err := a.prepare(st, updates)
	return err
}

// prepared is the outcome of checking a list of updates.
type prepared struct {
	commit    []Entry
	stateAt   map[AUMHash]State
	headChain bool // the updates extend the head in one line
}

// prepare checks every update against the state at its parent, queueing
// signatures in a batch, and returns what to commit.
func (a *Authority) prepare(st Store, updates []*AUM) (*prepared, error) {
	p := &prepared{
		commit:    make([]Entry, 0, len(updates)),
		stateAt:   make(map[AUMHash]State, len(updates)+1),
		headChain: true,
	}
	p.stateAt[a.head.Hash] = a.state
	prev := a.head.Hash
	var batch sigBatch
	fail := func(i int, err error) error {
		// A bad signature in an earlier update is the first failure.
		if !batch.flush() && batch.failed.tag < i {
			return fmt.Errorf("update %d: signature %d: invalid signature", batch.failed.tag, batch.failed.sub)
		}
		return fmt.Errorf("update %d: %w", i, err)
	}
	for i, u := range updates {
		h := u.Hash()
		if _, seen := p.stateAt[h]; seen {
			p.headChain = false
			continue
		}
		if _, err := st.AUM(h); err == nil {
			p.headChain = false
			continue
		} else if !errors.Is(err, ErrNotStored) {
			return nil, fmt.Errorf("update %d: reading the store: %w", i, err)
		}
		parent, ok := u.Parent()
		if !ok {
			return nil, fail(i, errors.New("AUM has no parent"))
		}
		state, ok := p.stateAt[parent]
		if !ok {
			var err error
			if state, err = stateAt(st, parent); err != nil {
				return nil, fail(i, fmt.Errorf("computing the state at its parent: %w", err))
			}
			p.stateAt[parent] = state
		}
		if err := verifyAUM(u, &state, i, &batch); err != nil {
			return nil, fail(i, err)
		}
		if batch.failed != nil {
			return nil, fail(i, errors.New("invalid signature"))
		}
		next := state
		if err := next.apply(u, h); err != nil {
			return nil, fail(i, fmt.Errorf("cannot be applied: %w", err))
		}
		p.stateAt[h] = next
		if parent != prev {
			p.headChain = false
		}
		prev = h
		p.commit = append(p.commit, Entry{h, u})
	}
	if !batch.flush() {
		return nil, fmt.Errorf("update %d: signature %d: invalid signature", batch.failed.tag, batch.failed.sub)
	}
	return p, nil
}
