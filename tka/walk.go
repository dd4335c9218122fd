package tka

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
)

// ErrChainStart marks an AUM log that cannot start an empty store: its
// oldest AUM is no checkpoint that verifies on its own.
var ErrChainStart = errors.New("the store is empty, so the oldest AUM must start the chain")

// ReadAUMLog reads all of r, at most MaxAUMLog bytes, and parses it with
// ParseAUMLog. name names the input in errors.
func ReadAUMLog(r io.Reader, name string) ([]*AUM, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxAUMLog+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(data) > MaxAUMLog {
		return nil, fmt.Errorf("%s is over %d MiB; that is no AUM log", name, MaxAUMLog>>20)
	}
	aums, err := ParseAUMLog(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return aums, nil
}

// ParseAUMLog parses AUMs in either form ParseLogJSON or ParseHexAUMs
// reads, telling them apart by the first byte that is not a space: JSON
// starts with '{' or '['.
func ParseAUMLog(data []byte) ([]*AUM, error) {
	if t := bytes.TrimSpace(data); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return ParseLogJSON(data)
	}
	return ParseHexAUMs(string(data))
}

// Recent returns up to limit AUMs of the active chain of st, newest
// first, from the head back towards the oldest AUM.
func (a *Authority) Recent(st Store, limit int) ([]*AUM, error) {
	var out []*AUM
	for h := a.Head(); len(out) < limit; {
		u, err := st.AUM(h)
		if err != nil {
			return nil, fmt.Errorf("reading AUM %v: %w", h, err)
		}
		out = append(out, u)
		p, ok := u.Parent()
		if !ok || h == a.Oldest() {
			break
		}
		h = p
	}
	return out, nil
}

// ActiveChain returns the AUMs of the active chain of st, oldest first.
func (a *Authority) ActiveChain(st Store) ([]*AUM, error) {
	var out []*AUM
	h := a.Head()
	for {
		u, err := st.AUM(h)
		if err != nil {
			return nil, fmt.Errorf("reading AUM %v: %w", h, err)
		}
		out = append(out, u)
		if h == a.Oldest() {
			break
		}
		p, ok := u.Parent()
		if !ok {
			return nil, fmt.Errorf("AUM %v has no parent but is not the oldest AUM %v", h, a.Oldest())
		}
		h = p
	}
	slices.Reverse(out)
	return out, nil
}

// Reverify replays the active chain of st into a fresh memory store,
// checking every hash link, signature and key change again, and returns
// the chain (oldest first) and the authority it ends at, which must be
// a's head.
func (a *Authority) Reverify(st Store) ([]*AUM, *Authority, error) {
	chain, err := a.ActiveChain(st)
	if err != nil {
		return nil, nil, err
	}
	mem := NewMemStore()
	fresh, err := Bootstrap(mem, chain[0])
	if err != nil {
		return nil, nil, fmt.Errorf("the oldest AUM %v does not verify: %w", a.Oldest(), err)
	}
	if len(chain) > 1 {
		if err := fresh.Inform(mem, chain[1:]); err != nil {
			return nil, nil, fmt.Errorf("the chain does not verify: %w", err)
		}
	}
	if fresh.Head() != a.Head() {
		return nil, nil, fmt.Errorf("re-verifying ended at %v, not at the stored head %v", fresh.Head(), a.Head())
	}
	return chain, fresh, nil
}

// BootstrapChain starts an authority in the empty store st from the
// first genesis AUM of aums (else from aums[0]) and informs it of all of
// them: the one already stored is skipped, and errors number updates as
// aums does. A start that does not verify is an ErrChainStart.
func BootstrapChain(st Store, aums []*AUM) (*Authority, error) {
	if len(aums) == 0 {
		return nil, fmt.Errorf("%w: no AUMs given", ErrChainStart)
	}
	start := aums[0]
	for _, u := range aums {
		if _, ok := u.Parent(); !ok {
			start = u
			break
		}
	}
	a, err := Bootstrap(st, start)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrChainStart, err)
	}
	if len(aums) > 1 {
		err = a.Inform(st, aums)
	}
	return a, err
}

// Import verifies aums against the authority of st (or from their first
// AUM, when empty is set: st holds nothing yet) and commits them. Nothing
// is written unless all of them verify.
func Import(st Store, aums []*AUM, empty bool) (*Authority, error) {
	if !empty {
		a, err := Open(st)
		if err != nil {
			return nil, err
		}
		return a, a.Inform(st, aums)
	}
	// Verify the whole chain in memory first: Bootstrap commits the
	// starting checkpoint on its own.
	if _, err := BootstrapChain(NewMemStore(), aums); err != nil {
		return nil, err
	}
	return BootstrapChain(st, aums)
}
