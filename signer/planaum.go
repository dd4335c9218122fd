package signer

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/tka"
)

// buildAUMs makes the AUMs a key request asks for, on the current head,
// signed by key (nil: unsigned, for the review). A checkpoint is added when
// the chain needs one, in the preview too, so the review shows every AUM
// that gets signed. Signed, each AUM after the first has the signed AUM
// before it as parent (chainDigest says what the review covers).
func (p *planner) buildAUMs(ctx context.Context, req *api.Request, key tka.Signer) ([]*tka.AUM, error) {
	b := p.auth.NewBuilder(key)
	var err error
	switch req.Kind {
	case api.KindAddKey, api.KindRemoveKey:
		err = p.changeKeys(ctx, b, req)
	case api.KindUpdateKey:
		err = updateKey(ctx, b, req)
	case api.KindCheckpoint:
		err = b.Checkpoint(ctx)
	}
	if err != nil {
		return nil, err
	}
	if req.Kind != api.KindCheckpoint {
		need, err := b.NeedCheckpoint(p.store)
		if err != nil {
			return nil, err
		}
		if need {
			if err := b.Checkpoint(ctx); err != nil {
				return nil, err
			}
		}
	}
	return b.Updates()
}

// changeKeys adds or removes each key the request names, one AUM each.
func (p *planner) changeKeys(ctx context.Context, b *tka.Builder, req *api.Request) error {
	changes, err := keyChanges(req)
	if err != nil {
		return err
	}
	for _, c := range changes {
		pub, err := tka.ParseTLPub(c.Key)
		if err != nil {
			return err
		}
		if req.Kind == api.KindRemoveKey {
			err = b.RemoveKey(ctx, tka.KeyID(pub))
		} else {
			err = addKey(ctx, b, pub, c.Votes, c.Meta)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func addKey(ctx context.Context, b *tka.Builder, pub ed25519.PublicKey, votes uint, meta map[string]string) error {
	if votes == 0 {
		votes = 1
	}
	k := tka.NewEd25519Key(pub, votes)
	k.Meta = meta
	if err := k.Validate(); err != nil {
		return err
	}
	return b.AddKey(ctx, k)
}

// updateKey changes a key's votes, its metadata, or both (two AUMs).
func updateKey(ctx context.Context, b *tka.Builder, req *api.Request) error {
	if len(req.Keys) > 0 {
		return errors.New("an update-key request names its key in key, not keys")
	}
	pub, err := tka.ParseTLPub(req.Key)
	if err != nil {
		return err
	}
	id := tka.KeyID(pub)
	if req.Votes == 0 && len(req.Meta) == 0 {
		return errors.New("an update-key request must set votes or meta")
	}
	if req.Votes != 0 {
		if err := b.SetKeyVotes(ctx, id, req.Votes); err != nil {
			return err
		}
	}
	if len(req.Meta) > 0 {
		return b.SetKeyMeta(ctx, id, req.Meta)
	}
	return nil
}

// keyChanges lists the keys an add-key or remove-key request changes:
// Keys, or the one Key with Votes and Meta.
func keyChanges(req *api.Request) ([]api.KeyChange, error) {
	if len(req.Keys) == 0 {
		return []api.KeyChange{{Key: req.Key, Votes: req.Votes, Meta: req.Meta}}, nil
	}
	if req.Key != "" || req.Votes != 0 || len(req.Meta) > 0 {
		return nil, errors.New("give either key (with votes and meta) or keys, not both")
	}
	if len(req.Keys) > api.MaxKeyChanges {
		return nil, fmt.Errorf("the request changes %d keys, more than %d; split it", len(req.Keys), api.MaxKeyChanges)
	}
	seen := map[string]bool{}
	for i, c := range req.Keys {
		if req.Kind == api.KindRemoveKey && (c.Votes != 0 || len(c.Meta) > 0) {
			return nil, fmt.Errorf("keys[%d]: a removal takes no votes or meta", i)
		}
		pub, err := tka.ParseTLPub(c.Key)
		if err != nil {
			return nil, fmt.Errorf("keys[%d]: %w", i, err)
		}
		if seen[string(pub)] {
			return nil, fmt.Errorf("keys[%d]: %s is listed twice", i, tka.FormatTLPub(pub))
		}
		seen[string(pub)] = true
	}
	return req.Keys, nil
}

// keyDetail names the keys of a request for the journal.
func keyDetail(req *api.Request) string {
	if len(req.Keys) == 0 {
		return req.Key
	}
	names := make([]string, len(req.Keys))
	for i, c := range req.Keys {
		names[i] = c.Key
	}
	return strings.Join(names, ",")
}

// chainDigest is what the approval code covers for AUMs built in one
// request: the SHA-256 over each AUM's review hash, in order. An AUM's
// parent link is the hash of its parent with the parent's signatures, so
// the link of an AUM that follows another of the same request is known
// only once that one is signed. The review therefore covers every field
// of every AUM, the first AUM's parent (the head), and the rule that
// each later AUM's parent is the one above it as signed, which the
// signing keeps and checks (sameChain). Nothing the operator did not see
// can get in: the links are filled in by this box, from its own
// signatures, in the order shown.
func chainDigest(aums []*tka.AUM) []byte {
	d := sha256.New()
	for i, u := range aums {
		h := reviewHash(u, i > 0)
		d.Write(h[:])
	}
	return d.Sum(nil)
}

// reviewHash is u's SigHash, without its parent link when it follows
// another AUM of the same request (chained).
func reviewHash(u *tka.AUM, chained bool) tka.SigHash {
	if !chained {
		return u.SigHash()
	}
	c := *u
	c.PrevAUMHash = nil
	return c.SigHash()
}

// sameChain checks that the signed AUMs are the reviewed ones: the same
// fields in the same order, the first on the reviewed head, and each
// later one on the AUM above it as signed.
func sameChain(preview, signed []*tka.AUM) error {
	differ := errors.New("the AUMs made differ from the ones reviewed; nothing was released")
	if len(signed) != len(preview) {
		return differ
	}
	for i, u := range signed {
		if reviewHash(u, i > 0) != reviewHash(preview[i], i > 0) {
			return differ
		}
		if i > 0 {
			if parent, ok := u.Parent(); !ok || parent != signed[i-1].Hash() {
				return differ
			}
		}
	}
	return nil
}

func (p *planner) planAUM(req *api.Request) (*plan, error) {
	preview, err := p.buildAUMs(context.Background(), req, nil)
	if err != nil {
		return nil, err
	}
	effect, rail := p.effect(preview)
	if rail != "" && !req.Override {
		return nil, errRail{rail}
	}
	var summary []string
	var signed []Claim
	for i, u := range preview {
		lines, meta := describeAUM(u, i > 0)
		summary = append(summary, lines...)
		signed = append(signed, meta...)
	}
	pl := &plan{
		digest:     chainDigest(preview),
		signatures: len(preview),
		detail:     map[string]string{DetailKey: keyDetail(req), DetailAUMs: fmt.Sprint(len(preview))},
		review:     Review{Kind: req.Kind, Summary: summary, Effect: effect, Signed: signed, Override: railIf(req.Override, rail)},
		onHead:     true,
	}
	pl.sign = func(ctx context.Context, key tka.Signer) (*issued, error) {
		aums, err := p.buildAUMs(ctx, req, key)
		if err != nil {
			return nil, err
		}
		return p.issuedAUMs(req.ID, req.Kind, preview, aums)
	}
	return pl, nil
}

func railIf(override bool, rail string) string {
	if override {
		return rail
	}
	return ""
}

// issuedAUMs checks that the signed AUMs are the reviewed ones and makes
// the response.
func (p *planner) issuedAUMs(id string, kind api.Kind, preview, aums []*tka.AUM) (*issued, error) {
	if err := sameChain(preview, aums); err != nil {
		return nil, err
	}
	out := &issued{aums: aums}
	var parts signedParts
	for _, u := range aums {
		parts.aums = append(parts.aums, tka.FormatHexAUM(u))
		h := u.Hash()
		out.sigHashes = append(out.sigHashes, hex.EncodeToString(h[:]))
	}
	out.resp = signedAnswer(id, kind, parts)
	return out, nil
}

// effect describes what AUMs do to the trusted keys, and names the safety
// rail they break, if any.
func (p *planner) effect(aums []*tka.AUM) (lines []string, rail string) {
	before := p.auth.State()
	after := before.Clone()
	for _, u := range aums {
		switch u.MessageKind {
		case tka.AUMAddKey:
			lines = append(lines, fmt.Sprintf("adds %s with %d vote(s)", tka.FormatTLPub(u.Key.Public), u.Key.Votes))
			after.Keys = append(after.Keys, *u.Key)
		case tka.AUMRemoveKey:
			lines = append(lines, "removes "+tka.FormatTLPub(u.KeyID))
			after.Keys = removeKey(after.Keys, u.KeyID)
			if n := p.signedBy(u.KeyID); n > 0 {
				lines = append(lines, fmt.Sprintf("%d node signature(s) this box issued with that key stop being valid: re-sign them in a batch", n))
			}
		case tka.AUMUpdateKey:
			lines = append(lines, "updates "+tka.FormatTLPub(u.KeyID)+updateText(u))
		case tka.AUMCheckpoint:
			lines = append(lines, "checkpoint: records the whole state (no change to the keys)")
		}
	}
	lines = append(lines, fmt.Sprintf("trusted keys: %d before, %d after", len(before.Keys), len(after.Keys)))
	switch {
	case KeyCountRail(len(after.Keys)) != "":
		rail = KeyCountRail(len(after.Keys))
	case !after.Trusts(p.boxPub):
		rail = "this change removes the last key this box holds"
	}
	return lines, rail
}

func updateText(u *tka.AUM) string {
	s := ""
	if u.Votes != nil {
		s += fmt.Sprintf(": votes %d", *u.Votes)
	}
	if u.Meta != nil {
		s += ": new metadata (shown as given, below)"
	}
	return s
}

func removeKey(keys []tka.Key, id tka.KeyID) []tka.Key {
	var out []tka.Key
	for _, k := range keys {
		if !bytes.Equal(k.Public, id) {
			out = append(out, k)
		}
	}
	return out
}

// signedBy counts the node signatures this box issued that chain to id.
func (p *planner) signedBy(id tka.KeyID) int {
	n := 0
	for _, raw := range p.signed {
		s, err := tka.DecodeNodeKeySignature(raw)
		if err != nil {
			continue
		}
		if k, err := s.AuthorizingKeyID(); err == nil && bytes.Equal(k, id) {
			n++
		}
	}
	return n
}

func (p *planner) planCosign(req *api.Request) (*plan, error) {
	u, err := tka.ParseHexAUM(req.AUM)
	if err != nil {
		return nil, err
	}
	// Check the co-signature would be accepted, on a copy.
	probe := *u
	probe.Signatures = append([]tka.Signature(nil), u.Signatures...)
	if err := p.auth.CoSign(context.Background(), p.store, &probe, noSign{p.boxPub}); err != nil && !errors.Is(err, errNoSign) {
		return nil, err
	}
	removed := keyDiff(p.auth.State().Keys, u.State)
	h := u.SigHash()
	var effect []string
	for _, id := range removed {
		effect = append(effect, "revokes "+tka.FormatTLPub(id)+" retroactively")
	}
	parent, _ := u.Parent()
	effect = append(effect, fmt.Sprintf("forks from %v; carries %d signature(s) before this one", parent, len(u.Signatures)))
	lines, signed := describeAUM(u, false)
	pl := &plan{
		digest:     h[:],
		signatures: 1,
		detail:     map[string]string{DetailRecoveryAUM: u.Hash().String()},
		review: Review{Kind: api.KindCosign, Summary: append([]string{"co-signature on recovery checkpoint " + u.Hash().String()}, lines...),
			Effect: effect, Signed: signed},
	}
	pl.sign = func(ctx context.Context, key tka.Signer) (*issued, error) {
		signed := *u
		signed.Signatures = append([]tka.Signature(nil), u.Signatures...)
		if err := p.auth.CoSign(ctx, p.store, &signed, key); err != nil {
			return nil, err
		}
		blob := tka.FormatHexAUM(&signed)
		return &issued{
			resp:      signedAnswer(req.ID, api.KindCosign, signedParts{cosigned: blob}),
			sigHashes: []string{hashHex(signed.Serialize())},
			// The co-signed AUM is in no chain: the journal keeps it
			// (public) so a replay after a restart can answer with it.
			detail: map[string]string{DetailCosignedAUM: blob},
		}, nil
	}
	return pl, nil
}

// keyDiff lists the IDs in before that are not in after.
func keyDiff(before []tka.Key, after *tka.State) []tka.KeyID {
	var out []tka.KeyID
	for _, k := range before {
		if !after.Trusts(k.Public) {
			out = append(out, tka.KeyID(k.Public))
		}
	}
	return out
}

// noSign is a tka.Signer that refuses to sign: CoSign's checks run, and
// nothing is signed before an approval.
type noSign struct{ pub ed25519.PublicKey }

var errNoSign = errors.New("probe: not signing")

func (n noSign) PublicKey() ed25519.PublicKey                   { return n.pub }
func (n noSign) Sign(context.Context, [32]byte) ([]byte, error) { return nil, errNoSign }
