package tka

import (
	"bytes"
	"errors"
	"fmt"
)

// This file finds the active chain in a Store: the same head and state
// that tailscale.com/tka computes from the same AUMs, with no cap on chain
// length and with each AUM decoded and hashed at most once.

// activeChain returns the oldest AUM of the active chain, its head and the
// state at the head. lastOldest is the ancestor recorded by an earlier run,
// if any; it picks the chain when the store holds unconnected ones.
func activeChain(st Store, lastOldest *AUMHash) (oldest AUMHash, head Entry, state State, err error) {
	oldest, err = activeAncestor(st, lastOldest)
	if err != nil {
		return oldest, head, state, err
	}
	state, err = stateAt(st, oldest)
	if err != nil {
		return oldest, head, state, fmt.Errorf("computing the state at the oldest AUM %v: %w", oldest, err)
	}
	head, state, err = fastForward(st, oldest, state)
	return oldest, head, state, err
}

// activeAncestor walks back from every head to the oldest stored AUM of its
// chain. If all heads share one oldest AUM it is the ancestor; otherwise the
// one whose chain runs through lastOldest is.
func activeAncestor(st Store, lastOldest *AUMHash) (AUMHash, error) {
	heads, err := st.Heads()
	if err != nil {
		return AUMHash{}, fmt.Errorf("reading heads: %w", err)
	}
	if len(heads) == 0 {
		return AUMHash{}, errors.New("the store holds no AUMs")
	}
	w := walker{st: st, lastOldest: lastOldest, memo: make(map[AUMHash]walked)}
	ancestors := make(map[AUMHash]bool)
	for _, h := range heads {
		res, err := w.walk(h)
		if err != nil {
			return AUMHash{}, err
		}
		ancestors[res.oldest] = ancestors[res.oldest] || res.through
	}
	if len(ancestors) == 1 {
		for a := range ancestors {
			return a, nil
		}
	}
	for a, through := range ancestors {
		if through {
			return a, nil
		}
	}
	return AUMHash{}, errors.New("the store holds several unconnected chains and none continues the last active one")
}

// walked is what walking back from one AUM found: the oldest stored AUM of
// its chain, and whether lastOldest is a strict ancestor of it.
type walked struct {
	oldest  AUMHash
	through bool
}

// walker walks chains backwards, remembering every AUM it passed so that
// forks sharing a trunk are walked once.
type walker struct {
	st         Store
	lastOldest *AUMHash
	memo       map[AUMHash]walked
}

func (w *walker) walk(from AUMHash) (walked, error) {
	var path []AUMHash // from, then its parents
	cur := from
	var base walked // what lies below path's last element
	baseKnown := false
	for {
		if m, ok := w.memo[cur]; ok {
			base, baseKnown = walked{m.oldest, m.through || w.isLast(cur)}, true
			break
		}
		parent, ok, err := w.st.Parent(cur)
		if err != nil {
			return walked{}, fmt.Errorf("reading AUM %v: %w", cur, err)
		}
		path = append(path, cur)
		if ok {
			if _, _, err := w.st.Parent(parent); errors.Is(err, ErrNotStored) {
				ok = false
			} else if err != nil {
				return walked{}, fmt.Errorf("reading AUM %v: %w", parent, err)
			}
		}
		if !ok {
			break
		}
		cur = parent
	}
	if !baseKnown {
		last := path[len(path)-1]
		w.memo[last] = walked{oldest: last}
		base = walked{last, w.isLast(last)}
		path = path[:len(path)-1]
	}
	// Fill the memo from the oldest end of the path towards from.
	for i := len(path) - 1; i >= 0; i-- {
		w.memo[path[i]] = walked{base.oldest, base.through}
		base.through = base.through || w.isLast(path[i])
	}
	return w.memo[from], nil
}

func (w *walker) isLast(h AUMHash) bool { return w.lastOldest != nil && *w.lastOldest == h }

// stateAt computes the state at the stored AUM want: it walks back to a
// checkpoint or a genesis AUM and applies the path forward.
func stateAt(st Store, want AUMHash) (State, error) {
	var path []Entry
	cur := want
	for {
		a, err := st.AUM(cur)
		if err != nil {
			return State{}, fmt.Errorf("reading AUM %v: %w", cur, err)
		}
		if a.MessageKind == AUMCheckpoint {
			if a.State == nil {
				return State{}, fmt.Errorf("checkpoint %v has no state", cur)
			}
			s := a.State.shallow()
			h := cur
			s.LastAUMHash = &h
			return applyPath(s, path)
		}
		parent, ok := a.Parent()
		if !ok {
			if a.MessageKind != AUMNoOp && a.MessageKind != AUMAddKey {
				return State{}, fmt.Errorf("genesis AUM %v is a %v; only checkpoint, no-op and add-key AUMs can start a chain", cur, a.MessageKind)
			}
			var s State
			if err := s.apply(a, cur); err != nil {
				return State{}, fmt.Errorf("applying genesis AUM %v: %w", cur, err)
			}
			return applyPath(s, path)
		}
		path = append(path, Entry{cur, a})
		cur = parent
	}
}

// applyPath applies path (newest first) to s.
func applyPath(s State, path []Entry) (State, error) {
	for i := len(path) - 1; i >= 0; i-- {
		if err := s.apply(path[i].AUM, path[i].Hash); err != nil {
			return State{}, fmt.Errorf("applying AUM %v: %w", path[i].Hash, err)
		}
	}
	return s, nil
}

// fastForward follows the primary chain from the AUM start (with state at
// it) to the head, resolving every fork.
func fastForward(st Store, start AUMHash, state State) (Entry, State, error) {
	a, err := st.AUM(start)
	if err != nil {
		return Entry{}, State{}, fmt.Errorf("reading AUM %v: %w", start, err)
	}
	cur := Entry{start, a}
	for {
		kids, err := st.Children(cur.Hash)
		if err != nil {
			return Entry{}, State{}, fmt.Errorf("reading children of %v: %w", cur.Hash, err)
		}
		if len(kids) == 0 {
			return cur, state, nil
		}
		next := pickNext(&state, kids)
		if err := state.apply(next.AUM, next.Hash); err != nil {
			return Entry{}, State{}, fmt.Errorf("advancing to %v: %w", next.Hash, err)
		}
		cur = next
	}
}

// pickNext resolves a fork: the child with the most signing votes wins,
// then a remove-key AUM, then the lowest hash.
func pickNext(state *State, kids []Entry) Entry {
	best := kids[0]
	if len(kids) == 1 {
		return best
	}
	bestW := best.AUM.weight(state)
	for _, k := range kids[1:] {
		w := k.AUM.weight(state)
		if forkBefore(k, w, best, bestW) {
			best, bestW = k, w
		}
	}
	return best
}

// forkBefore reports whether fork candidate a (weight aw) wins over b.
func forkBefore(a Entry, aw uint, b Entry, bw uint) bool {
	if aw != bw {
		return aw > bw
	}
	aRemove, bRemove := a.AUM.MessageKind == AUMRemoveKey, b.AUM.MessageKind == AUMRemoveKey
	if aRemove != bRemove {
		return aRemove
	}
	return bytes.Compare(a.Hash[:], b.Hash[:]) < 0
}
