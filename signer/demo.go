package signer

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/tka"
)

// ErrNoAuthority means the chain store holds no authority yet.
var ErrNoAuthority = errors.New("the chain store is empty: this box holds no authority yet")

// DemoWhy is what the PIN prompt says the PIN signs when a demo
// authority is made.
const DemoWhy = "the DEMO authority's first AUM"

// demoNote is the journal's note on a demo authority.
const demoNote = "created a DEMO authority (box key + a throw-away key)"

// EnsureAuthority checks that store holds an authority. Without one it
// returns ErrNoAuthority, unless demo is set: then it makes a demo
// authority trusting key (2 votes) and a throw-away key (1 vote), with a
// throw-away disablement secret, journals it and stores it, and reports
// made. Every AUM is journaled before it is stored.
func EnsureAuthority(ctx context.Context, store *ChainStore, journal *Journal, key hsm.Key, demo bool) (made bool, err error) {
	if store.Len() > 0 {
		return false, nil
	}
	if !demo {
		return false, ErrNoAuthority
	}
	state, err := demoState(rand.Reader, key.PublicKey())
	if err != nil {
		return false, fmt.Errorf("creating the demo authority: %w", err)
	}
	// Sign the genesis in memory, journal it, then store it. The PIN
	// prompt, if the key asks, says what it signs.
	sess, err := key.Unlock(ctx, DemoWhy)
	if err != nil {
		return false, fmt.Errorf("creating the demo authority: %w", err)
	}
	_, genesis, err := tka.Create(ctx, tka.NewMemStore(), state, sess)
	sess.Close()
	if err != nil {
		return false, fmt.Errorf("creating the demo authority: %w", err)
	}
	if err := NoteChainAdds(journal, demoNote, store, []*tka.AUM{genesis}); err != nil {
		return false, err
	}
	a, err := tka.Bootstrap(store, genesis)
	if err != nil {
		return false, fmt.Errorf("storing the demo authority: %w", err)
	}
	if err := NoteChainHead(journal, demoNote, a.Head()); err != nil {
		return false, err
	}
	return true, nil
}

// demoState is a demo authority's first state: box with 2 votes, a new
// throw-away key with 1, a throw-away disablement secret (wiped; nobody
// can disable the demo authority) and random state IDs, all from r.
func demoState(r io.Reader, box ed25519.PublicKey) (tka.State, error) {
	second, _, err := ed25519.GenerateKey(r)
	if err != nil {
		return tka.State{}, err
	}
	secret := make([]byte, 32)
	defer clear(secret)
	if _, err := io.ReadFull(r, secret); err != nil {
		return tka.State{}, err
	}
	id1, id2, err := NewStateIDs(r)
	if err != nil {
		return tka.State{}, err
	}
	return tka.State{
		Keys:              []tka.Key{tka.NewEd25519Key(box, 2), tka.NewEd25519Key(second, 1)},
		DisablementValues: [][]byte{tka.DisablementKDF(secret)},
		StateID1:          id1,
		StateID2:          id2,
	}, nil
}

// NewStateIDs reads two state IDs for a new authority from r (big-endian,
// 8 bytes each), each with its low bit set so that neither is zero.
func NewStateIDs(r io.Reader) (id1, id2 uint64, err error) {
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return 0, 0, fmt.Errorf("reading random state IDs: %w", err)
	}
	return binary.BigEndian.Uint64(b[:8]) | 1, binary.BigEndian.Uint64(b[8:]) | 1, nil
}
