package signer

import (
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

// plan is a validated request: what the console shows and, once a person
// approved it, how to sign it. Nothing in a plan has touched the key.
type plan struct {
	review Review
	digest []byte
	// detail goes into the journal's "received" record; never secrets.
	detail map[string]string
	// sign makes the signatures; called only after an approval, with the
	// key unlocked for this decision.
	sign func(ctx context.Context, key tka.Signer) (*issued, error)
	// signatures is how many signatures sign makes: the PIN prompt and
	// the progress say it.
	signatures int
	// answer, when set, is returned at once without a prompt (the node
	// key is already validly signed).
	answer *api.Response
	// head is the chain head the plan was made on.
	head tka.AUMHash
	// onHead marks AUMs built on head: they are signed and added only
	// while head is still the chain's head.
	onHead bool
}

// issued is what a plan's sign made: the response and, for AUM kinds, the
// AUMs to append to the chain.
type issued struct {
	resp *api.Response
	aums []*tka.AUM
	// sigHashes are the hashes of everything signed, for the journal.
	sigHashes []string
	// nodes are node keys and their new signatures, for the index of
	// issued signatures.
	nodes map[tka.NodeKey][]byte
	// detail goes into the journal's "issued" record; public facts only.
	detail map[string]string
}

// planner validates requests against the authority. auth is a snapshot
// that nothing else changes: a plan's sign reads it after the console,
// without the service's lock.
type planner struct {
	auth   *tka.Authority
	store  tka.Store
	boxPub ed25519.PublicKey
	// signed are the node signatures this box issued, newest per node.
	signed map[tka.NodeKey][]byte
	policy Policy
}

// errRail is returned when a change needs a confirmed override.
type errRail struct{ rail string }

func (e errRail) Error() string {
	return e.rail + "; if this is deliberate, send the request again with override set and confirm the override on the console"
}

func (p *planner) plan(req *api.Request) (*plan, error) {
	pl, err := p.planOnHead(req)
	if pl != nil {
		pl.head = p.auth.Head()
	}
	return pl, err
}

func (p *planner) planOnHead(req *api.Request) (*plan, error) {
	if !p.auth.KeyTrusted(tka.KeyID(p.boxPub)) {
		return nil, fmt.Errorf("this box's key %s is not trusted by the authority; add it with `tailscale lock add` first", tka.FormatTLPub(p.boxPub))
	}
	if id1, _ := p.auth.StateIDs(); req.StateID != 0 && req.StateID != id1 {
		return nil, fmt.Errorf("the request is for the tailnet with state id %d, but this box's authority has state id %d: it comes from another tailnet (or the box holds another tailnet's chain); nothing was signed", req.StateID, id1)
	}
	switch req.Kind {
	case api.KindSignNode:
		return p.planSignNode(req)
	case api.KindBatch:
		return p.planBatch(req)
	case api.KindWrapAuthKey:
		return p.planWrap(req)
	case api.KindAddKey, api.KindRemoveKey, api.KindUpdateKey, api.KindCheckpoint:
		return p.planAUM(req)
	case api.KindCosign:
		return p.planCosign(req)
	}
	return nil, fmt.Errorf("unknown request kind %q", req.Kind)
}

// nodeTarget is a node key to sign and its optional rotation key.
type nodeTarget struct {
	nk     tka.NodeKey
	rot    ed25519.PublicKey
	claims []Claim
}

func parseNode(nodeKey, tlpub string, claims map[string]string) (nodeTarget, error) {
	var t nodeTarget
	var err error
	if t.nk, err = tka.ParseNodeKey(nodeKey); err != nil {
		return t, err
	}
	if tlpub != "" {
		if t.rot, err = tka.ParseTLPub(tlpub); err != nil {
			return t, fmt.Errorf("node's tailnet-lock key: %w", err)
		}
	}
	t.claims = claimList(claims)
	return t, nil
}

// claimList orders claims by name, for a stable screen.
func claimList(m map[string]string) []Claim {
	var out []Claim
	for _, name := range []string{"device", "os", "login"} {
		if v, ok := m[name]; ok {
			out = append(out, Claim{name, v})
		}
	}
	for k, v := range m {
		if k != "device" && k != "os" && k != "login" {
			out = append(out, Claim{k, v})
		}
	}
	return out
}

// preview is the unsigned direct signature that approving t makes; its
// SigHash is what the key will sign.
func (p *planner) preview(t nodeTarget) *tka.NodeKeySignature {
	return &tka.NodeKeySignature{SigKind: tka.SigDirect, Pubkey: t.nk.Binary(), KeyID: []byte(p.boxPub), WrappingPubkey: t.rot}
}

// existing returns the signature this box issued for nk if the authority
// still accepts it.
func (p *planner) existing(nk tka.NodeKey) ([]byte, bool) {
	sig, ok := p.signed[nk]
	if !ok || p.auth.NodeKeyAuthorized(nk, sig) != nil {
		return nil, false
	}
	return sig, true
}

func (p *planner) planSignNode(req *api.Request) (*plan, error) {
	var t nodeTarget
	var err error
	if req.Deeplink != "" {
		if req.NodeKey != "" || req.TLPub != "" {
			return nil, errors.New("give either a deeplink or node_key/tlpub, not both")
		}
		d, err := p.auth.ValidateDeeplink(req.Deeplink)
		if err != nil {
			return nil, err
		}
		t, err = parseNode(d.NodeKey, d.TLPub, map[string]string{"device": d.DeviceName, "os": d.OSName, "login": d.LoginName})
		if err != nil {
			return nil, fmt.Errorf("deeplink: %w", err)
		}
	} else if t, err = parseNode(req.NodeKey, req.TLPub, req.Claims); err != nil {
		return nil, err
	}
	if sig, ok := p.existing(t.nk); ok {
		return &plan{answer: &api.Response{ID: req.ID, Status: api.StatusAlreadySigned, Signature: hex.EncodeToString(sig), Deliver: deliverNode(t.nk.String())}}, nil
	}
	h := p.preview(t).SigHash()
	pl := &plan{
		digest:     h[:],
		signatures: 1,
		detail:     map[string]string{DetailNodeKey: t.nk.String()},
		review: Review{
			Kind:    api.KindSignNode,
			Summary: nodeSummary(t),
			Claims:  t.claims,
			Compare: compareKeys(t),
		},
	}
	if req.Deeplink != "" {
		pl.review.Via = "a sign-device link"
	}
	pl.sign = func(ctx context.Context, key tka.Signer) (*issued, error) {
		s, err := tka.SignNodeKey(ctx, key, t.nk, t.rot)
		if err != nil {
			return nil, err
		}
		if s.SigHash() != h {
			return nil, errors.New("the signature made differs from the one reviewed; nothing was released")
		}
		raw := s.Serialize()
		return &issued{
			resp:      signedAnswer(req.ID, api.KindSignNode, signedParts{nodes: []api.NodeResult{{NodeKey: t.nk.String(), Signature: hex.EncodeToString(raw)}}}),
			sigHashes: []string{hashHex(raw)},
			nodes:     map[tka.NodeKey][]byte{t.nk: raw},
		}, nil
	}
	return pl, nil
}

// nodeSummary lists what a direct signature over t covers: its kind, the
// node key and the node's own tailnet-lock key (the signing key's row
// shows the key ID).
func nodeSummary(t nodeTarget) []string {
	if t.rot == nil {
		return []string{"a direct signature over node key", t.nk.String()}
	}
	return []string{"a direct signature over node key", t.nk.String(),
		"and the node's own tailnet-lock key (it may sign the node's next keys):", tka.FormatTLPub(t.rot)}
}

// compareKeys are the keys of t the device itself prints.
func compareKeys(t nodeTarget) []string {
	keys := []string{t.nk.String()}
	if t.rot != nil {
		keys = append(keys, tka.FormatTLPub(t.rot))
	}
	return keys
}

// setHash names everything a request issued with one hex hash: the hash
// itself for one item, else the SHA-256 over the items' hashes.
func (o *issued) setHash() string {
	if len(o.sigHashes) == 1 {
		return o.sigHashes[0]
	}
	h := sha256.New()
	for _, s := range o.sigHashes {
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func (p *planner) planBatch(req *api.Request) (*plan, error) {
	if len(req.Nodes) == 0 {
		return nil, errors.New("the batch lists no nodes")
	}
	if len(req.Nodes) > p.policy.MaxBatch {
		return nil, fmt.Errorf("the batch lists %d nodes, more than the policy's %d; split it", len(req.Nodes), p.policy.MaxBatch)
	}
	if req.Limit < 0 {
		return nil, fmt.Errorf("the batch limit is %d; it must be 0 (all) or more", req.Limit)
	}
	targets, already, alreadyAt, over, err := p.batchTargets(req)
	if err != nil {
		return nil, err
	}
	if len(targets) == 0 {
		return &plan{answer: &api.Response{ID: req.ID, Status: api.StatusAlreadySigned, Nodes: already}}, nil
	}
	items := make([]string, len(targets))
	digest := sha256.New()
	for i, t := range targets {
		items[i] = batchItem(t)
		h := p.preview(t).SigHash()
		digest.Write(h[:])
	}
	pl := &plan{
		digest:     digest.Sum(nil),
		signatures: len(targets),
		detail:     map[string]string{DetailNodes: fmt.Sprint(len(targets)), DetailAlreadySigned: fmt.Sprint(len(already))},
		review: Review{
			Kind:    api.KindBatch,
			Summary: []string{batchSummary(len(targets), len(already), over)},
			Items:   items,
		},
	}
	if over > 0 {
		pl.detail[DetailOverLimit] = fmt.Sprint(over)
	}
	pl.sign = func(ctx context.Context, key tka.Signer) (*issued, error) {
		if !key.PublicKey().Equal(p.boxPub) {
			return nil, errors.New("the key signing is not the box's key; nothing was released")
		}
		// The signatures reviewed, signed as one set: the backend verifies
		// every one (in a single batch when it signs in memory).
		sigs := make([]*tka.NodeKeySignature, len(targets))
		hashes := make([][32]byte, len(targets))
		for i, t := range targets {
			sigs[i] = p.preview(t)
			hashes[i] = sigs[i].SigHash()
		}
		made, err := signAll(ctx, key, hashes)
		if err != nil {
			return nil, fmt.Errorf("signing the batch: %w", err)
		}
		out := &issued{nodes: map[tka.NodeKey][]byte{}}
		parts := signedParts{already: already, alreadyAt: alreadyAt}
		for i, t := range targets {
			s := sigs[i]
			s.Signature = made[i]
			raw := s.Serialize()
			out.nodes[t.nk] = raw
			out.sigHashes = append(out.sigHashes, hashHex(raw))
			parts.nodes = append(parts.nodes, api.NodeResult{NodeKey: t.nk.String(), Signature: hex.EncodeToString(raw)})
		}
		out.resp = signedAnswer(req.ID, api.KindBatch, parts)
		if len(alreadyAt) > 0 {
			// The positions let a replay list the skipped nodes as
			// this answer does (answer.go).
			out.detail = map[string]string{DetailAlreadyAt: formatPositions(alreadyAt)}
		}
		return out, nil
	}
	return pl, nil
}

// batchTargets parses a batch's nodes and sorts them: the nodes to sign
// (at most req.Limit, when set), those this box signed already, and how
// many more the limit left out.
func (p *planner) batchTargets(req *api.Request) (targets []nodeTarget, already []api.NodeResult, alreadyAt []int, over int, err error) {
	seen := map[tka.NodeKey]bool{}
	for i, n := range req.Nodes {
		t, err := parseNode(n.NodeKey, n.TLPub, n.Claims)
		if err != nil {
			return nil, nil, nil, 0, fmt.Errorf("batch node %d: %w", i, err)
		}
		if seen[t.nk] {
			return nil, nil, nil, 0, fmt.Errorf("batch node %d: %s is listed twice", i, t.nk)
		}
		seen[t.nk] = true
		switch sig, ok := p.existing(t.nk); {
		case ok:
			already, alreadyAt = append(already, alreadyResult(t.nk, sig)), append(alreadyAt, i)
		case req.Limit > 0 && len(targets) == req.Limit:
			over++
		default:
			targets = append(targets, t)
		}
	}
	return targets, already, alreadyAt, over, nil
}

// batchSummary is the review's first line: how many signatures, and
// which nodes of the request it leaves out.
func batchSummary(sign, already, over int) string {
	s := fmt.Sprintf("direct signatures over %d node keys (%d more already signed, skipped", sign, already)
	if over > 0 {
		s += fmt.Sprintf("; %d more left for a later batch by the limit", over)
	}
	return s + ")"
}

func batchItem(t nodeTarget) string {
	line := t.nk.String()
	if t.rot != nil {
		line += "  " + tka.FormatTLPub(t.rot) // signed too: shown whole
	}
	for _, c := range t.claims {
		line += "  " + c.Name + "=" + c.Value
	}
	return line
}

func (p *planner) planWrap(req *api.Request) (*plan, error) {
	if !strings.HasPrefix(req.AuthKey, "tskey-") || strings.Contains(req.AuthKey, "--TL") {
		return nil, errors.New("auth_key must be an unwrapped pre-auth key starting with tskey-")
	}
	keyHash := SecretDigest(req.AuthKey)
	digest := sha256.Sum256([]byte("signet wrap-authkey v1\x00" + keyHash))
	shown := authKeyLabel(req.AuthKey)
	pl := &plan{
		digest:     digest[:],
		signatures: 1,
		detail:     map[string]string{DetailAuthKey: keyHash},
		review: Review{
			Kind: api.KindWrapAuthKey,
			Summary: []string{
				"a credential signature inside pre-auth key " + shown,
				"it covers a one-time wrapping key made when you approve (no node key)",
				"any device that joins with the wrapped key is signed at once",
			},
			Claims: claimList(req.Claims),
		},
	}
	pl.sign = func(ctx context.Context, key tka.Signer) (*issued, error) {
		wrapped, err := tka.WrapAuthKey(ctx, key, req.AuthKey, nil)
		if err != nil {
			return nil, err
		}
		w, err := tka.ParseWrappedAuthKey(wrapped)
		if err != nil {
			return nil, err
		}
		// The credential's wrapping key is public: `signet review` finds
		// the node that used the key by it. The private half stays out.
		cred := tka.FormatTLPub(w.Credential.WrappingPubkey)
		clear(w.Private)
		return &issued{
			detail:    map[string]string{DetailCredential: cred},
			resp:      signedAnswer(req.ID, api.KindWrapAuthKey, signedParts{wrapped: wrapped}),
			sigHashes: []string{hashHex([]byte(wrapped))},
		}, nil
	}
	return pl, nil
}

// authKeyLabel shows the non-secret prefix of a pre-auth key.
func authKeyLabel(k string) string {
	parts := strings.SplitN(k, "-", 4)
	if len(parts) >= 3 {
		label := strings.Join(parts[:3], "-")
		if len(label) > 40 { // the key's ID is short; the rest would be secret
			label = label[:40]
		}
		return label + "-..."
	}
	return "tskey-..."
}
