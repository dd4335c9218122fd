package tka

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"math/rand/v2"
)

// This file generates random but mostly well-formed chains, node-key
// signatures and wire values for the conformance tests and fuzz targets.

// testSigner is a software tka.Signer for tests.
type testSigner struct{ priv ed25519.PrivateKey }

func (s testSigner) PublicKey() ed25519.PublicKey { return s.priv.Public().(ed25519.PublicKey) }
func (s testSigner) Sign(_ context.Context, h [32]byte) ([]byte, error) {
	return ed25519.Sign(s.priv, h[:]), nil
}

// newTestKey makes a deterministic Ed25519 key from r.
func newTestKey(r *rand.Rand) ed25519.PrivateKey {
	var seed [32]byte
	for i := 0; i < 32; i += 8 {
		binary.LittleEndian.PutUint64(seed[i:], r.Uint64())
	}
	return ed25519.NewKeyFromSeed(seed[:])
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}

func randMeta(r *rand.Rand, maxBytes int) map[string]string {
	if r.IntN(3) == 0 {
		return nil
	}
	m := map[string]string{}
	n := r.IntN(4)
	for range n {
		k := string(randText(r, 1+r.IntN(12)))
		m[k] = string(randText(r, r.IntN(maxBytes/4+1)))
	}
	return m
}

func randText(r *rand.Rand, n int) []byte {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_ .é"
	out := make([]byte, 0, n)
	for len(out) < n {
		out = append(out, alphabet[r.IntN(len(alphabet)-2)])
	}
	return out
}

// chainGen grows a random AUM tree from a genesis checkpoint. It tracks
// the state at every AUM so that most AUMs it makes are valid, and makes a
// share of them invalid in every way the rules can be broken.
type chainGen struct {
	r       *rand.Rand
	keys    map[string]ed25519.PrivateKey // every key ever made, by public key
	pool    []ed25519.PrivateKey          // keys not yet trusted anywhere
	states  map[AUMHash]State
	order   []AUMHash
	aums    []*AUM // all AUMs made after genesis, in order
	genesis *AUM
	bad     float64 // share of deliberately broken AUMs
}

func newChainGen(seed uint64, bad float64) *chainGen {
	g := &chainGen{
		r:      rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		keys:   map[string]ed25519.PrivateKey{},
		states: map[AUMHash]State{},
		bad:    bad,
	}
	for range 12 {
		g.pool = append(g.pool, g.newKey())
	}
	nKeys := 1 + g.r.IntN(4)
	st := State{StateID1: g.r.Uint64(), StateID2: g.r.Uint64()}
	if g.r.IntN(8) == 0 {
		st.StateID2 = 0
	}
	for range 1 + g.r.IntN(3) {
		st.DisablementValues = append(st.DisablementValues, randBytes(g.r, 32))
	}
	for range nKeys {
		st.Keys = append(st.Keys, g.takeKey())
	}
	gen := &AUM{MessageKind: AUMCheckpoint, State: &st}
	g.sign(gen, st.Keys)
	g.genesis = gen
	h := gen.Hash()
	s := st.shallow()
	s.LastAUMHash = &h
	g.states[h] = s
	g.order = append(g.order, h)
	return g
}

func (g *chainGen) newKey() ed25519.PrivateKey {
	k := newTestKey(g.r)
	g.keys[string(k.Public().(ed25519.PublicKey))] = k
	return k
}

func (g *chainGen) takeKey() Key {
	var priv ed25519.PrivateKey
	if len(g.pool) > 0 {
		priv = g.pool[0]
		g.pool = g.pool[1:]
	} else {
		priv = g.newKey()
	}
	votes := uint(1 + g.r.IntN(3))
	if g.r.IntN(10) == 0 {
		votes = uint(1 + g.r.IntN(4096))
	}
	k := NewEd25519Key(priv.Public().(ed25519.PublicKey), votes)
	k.Meta = randMeta(g.r, 200)
	return k
}

// sign signs u with a random non-empty subset of keys.
func (g *chainGen) sign(u *AUM, keys []Key) {
	h := u.SigHash()
	n := 1 + g.r.IntN(len(keys))
	for _, i := range g.r.Perm(len(keys))[:n] {
		priv := g.keys[string(keys[i].Public)]
		u.Signatures = append(u.Signatures, Signature{KeyID: KeyID(keys[i].Public), Signature: ed25519.Sign(priv, h[:])})
	}
}

// pickParent prefers recent AUMs, so chains are long with some forks.
func (g *chainGen) pickParent() AUMHash {
	n := len(g.order)
	if g.r.IntN(4) == 0 {
		return g.order[g.r.IntN(n)]
	}
	return g.order[n-1-g.r.IntN(min(n, 3))]
}

// next makes one more AUM.
func (g *chainGen) next() *AUM {
	parent := g.pickParent()
	st := g.states[parent]
	u := g.body(&st)
	u.PrevAUMHash = append([]byte(nil), parent[:]...)
	g.sign(u, st.Keys)
	if g.r.Float64() < g.bad {
		g.breakAUM(u, &st)
	}
	// Keep what the wire keeps: an empty map, for one, is not encoded.
	u, err := DecodeAUM(u.Serialize())
	if err != nil {
		panic(err)
	}
	if err := u.Validate(); err == nil {
		ns := st
		h := u.Hash()
		if ns.apply(u, h) == nil && len(ns.Keys) > 0 {
			if _, dup := g.states[h]; !dup {
				g.states[h] = ns
				g.order = append(g.order, h)
			}
		}
	}
	g.aums = append(g.aums, u)
	return u
}

func (g *chainGen) body(st *State) *AUM {
	switch g.r.IntN(10) {
	case 0, 1:
		k := g.takeKey()
		return &AUM{MessageKind: AUMAddKey, Key: &k}
	case 2, 3:
		k := st.Keys[g.r.IntN(len(st.Keys))]
		return &AUM{MessageKind: AUMRemoveKey, KeyID: KeyID(k.Public)}
	case 4, 5:
		k := st.Keys[g.r.IntN(len(st.Keys))]
		u := &AUM{MessageKind: AUMUpdateKey, KeyID: KeyID(k.Public)}
		if g.r.IntN(2) == 0 {
			v := uint(1 + g.r.IntN(4))
			u.Votes = &v
		}
		if u.Votes == nil || g.r.IntN(2) == 0 {
			u.Meta = randMeta(g.r, 200)
			if u.Meta == nil {
				u.Meta = map[string]string{"n": "1"}
			}
		}
		return u
	case 6:
		s := st.Clone()
		s.LastAUMHash = nil
		return &AUM{MessageKind: AUMCheckpoint, State: &s}
	case 7:
		return &AUM{MessageKind: AUMKind(6 + g.r.IntN(3))}
	default:
		return &AUM{MessageKind: AUMNoOp}
	}
}

// breakAUM damages u in one of the ways the rules forbid.
func (g *chainGen) breakAUM(u *AUM, st *State) {
	switch g.r.IntN(12) {
	case 0: // corrupt a signature
		u.Signatures[0].Signature = append([]byte(nil), u.Signatures[0].Signature...)
		u.Signatures[0].Signature[g.r.IntN(64)] ^= 1 << g.r.IntN(8)
	case 1: // sign with an untrusted key
		priv := g.newKey()
		h := u.SigHash()
		u.Signatures = []Signature{{KeyID: KeyID(priv.Public().(ed25519.PublicKey)), Signature: ed25519.Sign(priv, h[:])}}
	case 2: // unknown parent
		u.PrevAUMHash = randBytes(g.r, 32)
		g.resign(u, st)
	case 3: // no signatures
		u.Signatures = nil
	case 4: // too many votes
		k := g.takeKey()
		k.Votes = 4097 + uint(g.r.IntN(10))
		*u = AUM{MessageKind: AUMAddKey, Key: &k, PrevAUMHash: u.PrevAUMHash}
		g.resign(u, st)
	case 5: // oversized metadata
		k := g.takeKey()
		k.Meta = map[string]string{"big": string(randText(g.r, 600))}
		*u = AUM{MessageKind: AUMAddKey, Key: &k, PrevAUMHash: u.PrevAUMHash}
		g.resign(u, st)
	case 6: // add a key that is already trusted
		k := st.Keys[0]
		*u = AUM{MessageKind: AUMAddKey, Key: &k, PrevAUMHash: u.PrevAUMHash}
		g.resign(u, st)
	case 7: // remove a key that is not trusted
		*u = AUM{MessageKind: AUMRemoveKey, KeyID: randBytes(g.r, 32), PrevAUMHash: u.PrevAUMHash}
		g.resign(u, st)
	case 8: // checkpoint with other state IDs
		s := st.Clone()
		s.LastAUMHash = nil
		s.StateID1++
		*u = AUM{MessageKind: AUMCheckpoint, State: &s, PrevAUMHash: u.PrevAUMHash}
		g.resign(u, st)
	case 9: // a field that the kind must not carry
		v := uint(2)
		u.Votes = &v
		if u.MessageKind == AUMUpdateKey {
			u.Key = &st.Keys[0]
		}
		g.resign(u, st)
	case 10: // duplicate signature by the same key (weight counts once)
		u.Signatures = append(u.Signatures, u.Signatures[0])
	case 11: // a signature with a short key ID
		u.Signatures[0].KeyID = u.Signatures[0].KeyID[:31]
	}
}

func (g *chainGen) resign(u *AUM, st *State) {
	u.Signatures = nil
	g.sign(u, st.Keys)
}

// randWireAUM makes an AUM with random field values, valid or not, for
// round-trip tests of the codec.
func randWireAUM(r *rand.Rand) *AUM {
	u := &AUM{MessageKind: AUMKind(r.IntN(8))}
	if r.IntN(4) != 0 {
		u.PrevAUMHash = randBytes(r, []int{0, 32, 31, 5}[r.IntN(4)])
	}
	if r.IntN(3) == 0 {
		k := randWireKey(r)
		u.Key = &k
	}
	if r.IntN(3) == 0 {
		u.KeyID = randBytes(r, r.IntN(40))
	}
	if r.IntN(4) == 0 {
		s := randWireState(r)
		u.State = &s
	}
	if r.IntN(3) == 0 {
		v := uint(r.Uint64N(1 << uint(r.IntN(64))))
		u.Votes = &v
	}
	if r.IntN(3) == 0 {
		u.Meta = randMeta(r, 1000)
	}
	for range r.IntN(4) {
		u.Signatures = append(u.Signatures, Signature{KeyID: randNilBytes(r, 32), Signature: randNilBytes(r, 64)})
	}
	return u
}

func randNilBytes(r *rand.Rand, n int) []byte {
	switch r.IntN(8) {
	case 0:
		return nil
	case 1:
		return []byte{}
	}
	return randBytes(r, n)
}

func randWireKey(r *rand.Rand) Key {
	return Key{
		Kind:   KeyKind(r.IntN(3)),
		Votes:  uint(r.Uint64N(1 << uint(r.IntN(64)))),
		Public: randNilBytes(r, 32),
		Meta:   randMeta(r, 600),
	}
}

func randWireState(r *rand.Rand) State {
	var s State
	if r.IntN(3) == 0 {
		h := AUMHash(randBytes(r, 32))
		s.LastAUMHash = &h
	}
	if r.IntN(5) != 0 {
		s.DisablementValues = [][]byte{}
		for range r.IntN(4) {
			s.DisablementValues = append(s.DisablementValues, randNilBytes(r, 32))
		}
	}
	if r.IntN(5) != 0 {
		s.Keys = []Key{}
		for range r.IntN(4) {
			s.Keys = append(s.Keys, randWireKey(r))
		}
	}
	if r.IntN(2) == 0 {
		s.StateID1 = r.Uint64N(1 << uint(r.IntN(64)))
	}
	if r.IntN(2) == 0 {
		s.StateID2 = r.Uint64()
	}
	return s
}

// randWireNKS makes a node-key signature with random fields, nested up to
// depth.
func randWireNKS(r *rand.Rand, depth int) *NodeKeySignature {
	s := &NodeKeySignature{
		SigKind:        SigKind(r.IntN(5)),
		Pubkey:         randNilBytes(r, 34),
		KeyID:          randNilBytes(r, 32),
		Signature:      randNilBytes(r, 64),
		WrappingPubkey: randNilBytes(r, 32),
	}
	if depth > 0 && r.IntN(2) == 0 {
		s.Nested = randWireNKS(r, depth-1)
	}
	return s
}
