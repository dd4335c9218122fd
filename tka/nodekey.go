package tka

import (
	"errors"
	"fmt"
)

// NodeKeyAuthorized returns nil if sig (a serialized NodeKeySignature)
// authorizes nodeKey under the authority's trusted keys, and otherwise an
// error saying why not. The verdict is tailscale.com's in every case.
func (a *Authority) NodeKeyAuthorized(nodeKey NodeKey, sig []byte) error {
	return a.state.NodeKeyAuthorized(nodeKey, sig)
}

// NodeKeyAuthorized is Authority.NodeKeyAuthorized under the trusted keys
// of s, for a caller that holds an authority's state but not its chain.
func (s *State) NodeKeyAuthorized(nodeKey NodeKey, sig []byte) error {
	checks, err := s.planNodeKey(nodeKey, sig, nil)
	if err != nil {
		return err
	}
	for _, c := range checks {
		if !c.ok() {
			return errors.New("invalid signature")
		}
	}
	return nil
}

// planNodeKey decodes sig and does every check but the Ed25519 ones, which
// it returns.
func (st *State) planNodeKey(nodeKey NodeKey, sig []byte, checks []edCheck) ([]edCheck, error) {
	s, err := DecodeNodeKeySignature(sig)
	if err != nil {
		return nil, err
	}
	if s.SigKind == SigCredential {
		return nil, errors.New("a credential signature cannot authorize a node on its own")
	}
	id, err := s.AuthorizingKeyID()
	if err != nil {
		return nil, err
	}
	trusted := st.key(id)
	if trusted == nil {
		return nil, fmt.Errorf("signed by %s, which is not a trusted key", FormatTLPub(id))
	}
	if checks, err = s.plan(nodeKey.Binary(), trusted, checks); err != nil {
		return nil, err
	}
	// tailscale.com also refuses a rotation whose nested node keys do not
	// parse, even where no signature covers them.
	if _, err := s.PrevNodeKeys(); err != nil {
		return nil, err
	}
	return checks, nil
}

// NodeKeyCheck is one node key and the signature that should authorize it.
type NodeKeyCheck struct {
	NodeKey   NodeKey
	Signature []byte
}

// NodeKeysAuthorized checks many node keys at once (an audit of a whole
// tailnet). It returns one result per check, nil where authorized, each the
// same verdict NodeKeyAuthorized gives. ZIP-215 signatures are verified in
// batches.
func (a *Authority) NodeKeysAuthorized(list []NodeKeyCheck) []error {
	return a.state.NodeKeysAuthorized(list)
}

// NodeKeysAuthorized is Authority.NodeKeysAuthorized under the trusted
// keys of s.
func (s *State) NodeKeysAuthorized(list []NodeKeyCheck) []error {
	errs := make([]error, len(list))
	var strict []edCheck
	var strictOwner []int
	var batch sigBatch
	for i, c := range list {
		checks, err := s.planNodeKey(c.NodeKey, c.Signature, nil)
		if err != nil {
			errs[i] = err
			continue
		}
		for _, ch := range checks {
			if !ch.zip215 {
				strict = append(strict, ch)
				strictOwner = append(strictOwner, i)
				continue
			}
			batch.items = append(batch.items, batchItem{pub: ch.pub, msg: ch.msg, sig: ch.sig, tag: i})
		}
	}
	for i, ch := range strict {
		if errs[strictOwner[i]] == nil && !ch.ok() {
			errs[strictOwner[i]] = errors.New("invalid signature")
		}
	}
	verifyChunks(batch.items, func(it batchItem) {
		if errs[it.tag] == nil {
			errs[it.tag] = errors.New("invalid signature")
		}
	})
	return errs
}

// verifyChunks batch-verifies items in chunks and calls bad for each item
// that does not verify.
func verifyChunks(items []batchItem, bad func(batchItem)) {
	for len(items) > 0 {
		n := min(len(items), verifyBatchSize)
		chunk := items[:n]
		items = items[n:]
		if verifyAll(chunk) {
			continue
		}
		for _, it := range chunk {
			if !(edCheck{pub: it.pub, msg: it.msg, sig: it.sig, zip215: true}).ok() {
				bad(it)
			}
		}
	}
}
