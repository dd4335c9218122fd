package tka

// The "theirs" side of the conformance suite: tailscale.com/tka of one
// release, either the one this module pins, linked into the test (inProc),
// or another release answering from its own process (an oracle, see
// release_test.go). The suite's checks take a theirTKA and run unchanged
// against either.

import (
	"errors"
	"os/exec"
	"strings"
	"sync"

	"go4.org/mem"

	ts "tailscale.com/tka"
	"tailscale.com/types/key"
	"tailscale.com/types/tkatype"
)

// theirTKA is tailscale.com/tka of one release.
type theirTKA interface {
	// name is the release, e.g. "v1.102.5".
	name() string
	decodeAUM(b []byte) theirAUM
	decodeNKS(b []byte) theirNKS
	bootstrap(genesis *AUM) (theirAuthority, error)
	kdf(secret []byte) []byte
	// wrapped decodes a wrapped pre-auth key as tailscaled does when it
	// registers with one and signs nk with its credential.
	wrapped(text string, nk NodeKey) (theirWrapped, error)
	// has reports whether the release has an optional feature ("wrapped",
	// "revoke").
	has(feature string) bool
}

// theirAUM is what a release makes of AUM bytes.
type theirAUM struct {
	err     error // decoding refused
	enc     []byte
	hash    AUMHash
	sigHash SigHash
	invalid error // StaticValidate
}

// theirNKS is what a release makes of node-key signature bytes.
type theirNKS struct {
	err      error
	enc      []byte
	sigHash  SigHash
	authzID  []byte
	authzErr error
	wrap     []byte
	wrapOK   bool
}

// theirWrapped is a wrapped pre-auth key as a release takes it apart.
type theirWrapped struct {
	authKey    string
	credential []byte
	private    []byte
	signature  []byte // the credential's signature over the node key asked
}

// theirAuthority is an authority of a release, in storage of its own.
type theirAuthority interface {
	inform(updates []*AUM) error
	head() AUMHash
	stateIDs() (uint64, uint64)
	keys() []Key
	// reopen opens the authority's storage afresh.
	reopen() (theirAuthority, error)
	nodeKeyAuthorized(nk NodeKey, sig []byte) error
	keyTrusted(id KeyID) bool
	validateDeeplink(link string) ts.DeeplinkValidationResult
	newDeeplink(d DeviceLink) (string, error)
	// revoke builds an unsigned recovery AUM (MakeRetroactiveRevocation).
	revoke(remove []KeyID, ours KeyID, forkFrom AUMHash) ([]byte, error)
}

// pinnedVersion is the tailscale.com version this module pins (a test
// binary records no dependency versions, so the go command is asked).
var pinnedVersion = sync.OnceValue(func() string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", "tailscale.com").Output()
	if err != nil {
		return "pinned"
	}
	return strings.TrimSpace(string(out))
})

// inProc is the pinned tailscale.com, linked into this test.
type inProc struct{}

// pinned is the pinned tailscale.com/tka.
var pinned theirTKA = inProc{}

func (inProc) name() string                { return pinnedVersion() }
func (inProc) has(string) bool             { return true }
func (inProc) kdf(s []byte) []byte         { return ts.DisablementKDF(s) }
func nodePublic(nk NodeKey) key.NodePublic { return key.NodePublicFromRaw32(mem.B(nk[:])) }

func (inProc) decodeAUM(b []byte) theirAUM {
	var u ts.AUM
	if err := u.Unserialize(b); err != nil {
		return theirAUM{err: err}
	}
	return theirAUM{enc: u.Serialize(), hash: AUMHash(u.Hash()), sigHash: SigHash(u.SigHash()), invalid: u.StaticValidate()}
}

func (inProc) decodeNKS(b []byte) theirNKS {
	var s ts.NodeKeySignature
	if err := s.Unserialize(b); err != nil {
		return theirNKS{err: err}
	}
	out := theirNKS{enc: s.Serialize(), sigHash: SigHash(s.SigHash())}
	out.authzID, out.authzErr = s.UnverifiedAuthorizingKeyID()
	out.wrap, out.wrapOK = s.UnverifiedWrappingPublic()
	return out
}

func (inProc) wrapped(text string, nk NodeKey) (theirWrapped, error) {
	authKey, isWrapped, cred, priv := ts.DecodeWrappedAuthkey(text, func(string, ...any) {})
	if !isWrapped {
		return theirWrapped{authKey: authKey}, errors.New("not a wrapped pre-auth key")
	}
	sig, err := ts.SignByCredential(priv, cred, nodePublic(nk))
	if err != nil {
		return theirWrapped{authKey: authKey}, err
	}
	return theirWrapped{authKey: authKey, credential: cred.Serialize(), private: priv, signature: sig}, nil
}

func (inProc) bootstrap(genesis *AUM) (theirAuthority, error) {
	var g ts.AUM
	if err := g.Unserialize(genesis.Serialize()); err != nil {
		return nil, err
	}
	st := ts.ChonkMem()
	a, err := ts.Bootstrap(st, g)
	if err != nil {
		return nil, err
	}
	return &inProcAuthority{a: a, st: st}, nil
}

type inProcAuthority struct {
	a  *ts.Authority
	st *ts.Mem
}

func (p *inProcAuthority) inform(updates []*AUM) error {
	list := make([]ts.AUM, len(updates))
	for i, u := range updates {
		if err := list[i].Unserialize(u.Serialize()); err != nil {
			return err
		}
	}
	return p.a.Inform(p.st, list)
}

func (p *inProcAuthority) head() AUMHash              { return AUMHash(p.a.Head()) }
func (p *inProcAuthority) stateIDs() (uint64, uint64) { return p.a.StateIDs() }
func (p *inProcAuthority) keyTrusted(id KeyID) bool   { return p.a.KeyTrusted(tkatype.KeyID(id)) }

func (p *inProcAuthority) keys() []Key {
	var out []Key
	for _, k := range p.a.Keys() {
		out = append(out, Key{Kind: KeyKind(k.Kind), Votes: k.Votes, Public: k.Public, Meta: k.Meta})
	}
	return out
}

func (p *inProcAuthority) reopen() (theirAuthority, error) {
	a, err := ts.Open(p.st)
	if err != nil {
		return nil, err
	}
	return &inProcAuthority{a: a, st: p.st}, nil
}

func (p *inProcAuthority) nodeKeyAuthorized(nk NodeKey, sig []byte) error {
	return p.a.NodeKeyAuthorized(nodePublic(nk), tkatype.MarshaledSignature(sig))
}

func (p *inProcAuthority) validateDeeplink(link string) ts.DeeplinkValidationResult {
	return p.a.ValidateDeeplink(link)
}

func (p *inProcAuthority) newDeeplink(d DeviceLink) (string, error) {
	return p.a.NewDeeplink(ts.NewDeeplinkParams{NodeKey: d.NodeKey, TLPub: d.TLPub, DeviceName: d.DeviceName, OSName: d.OSName, LoginName: d.LoginName})
}

func (p *inProcAuthority) revoke(remove []KeyID, ours KeyID, forkFrom AUMHash) ([]byte, error) {
	ids := make([]tkatype.KeyID, len(remove))
	for i, id := range remove {
		ids[i] = tkatype.KeyID(id)
	}
	u, err := p.a.MakeRetroactiveRevocation(p.st, ids, tkatype.KeyID(ours), ts.AUMHash(forkFrom))
	if err != nil {
		return nil, err
	}
	return u.Serialize(), nil
}
