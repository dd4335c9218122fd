package keyplan

import (
	"crypto/ed25519"
	"fmt"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/tka"
)

// CosignBlob parses a --cosign blob and refuses one that is no recovery
// AUM (a checkpoint) before anything is sent. Errors are usage errors.
func CosignBlob(blob string) (*tka.AUM, error) {
	u, err := tka.ParseHexAUM(blob)
	if err != nil {
		return nil, cli.Usage(fmt.Errorf("--cosign: %w", err))
	}
	if u.MessageKind != tka.AUMCheckpoint || u.State == nil {
		return nil, cli.Usage(fmt.Errorf("--cosign: a recovery AUM is a checkpoint, not a %v", u.MessageKind))
	}
	return u, nil
}

// ParseKeys reads tlpub:HEX keys given with flag. Errors are usage
// errors naming the flag.
func ParseKeys(flag string, keys []string) ([]tka.KeyID, error) {
	var out []tka.KeyID
	for _, s := range keys {
		pub, err := tka.ParseTLPub(s)
		if err != nil {
			return nil, cli.Usage(fmt.Errorf("%s: %w", flag, err))
		}
		out = append(out, tka.KeyID(pub))
	}
	return out, nil
}

// CheckRemoves compares the keys the recovery AUM u removes from the
// daemon's authority with want, the keys the operator expects (--removes):
// it must remove exactly those. u must be for this authority.
func CheckRemoves(u *tka.AUM, want []tka.KeyID, info *api.StatusInfo) error {
	if u.State.StateID1 != info.StateID {
		return fmt.Errorf("--cosign: the recovery AUM is for another authority (state ID %d, this box's is %d)", u.State.StateID1, info.StateID)
	}
	wanted := &tka.State{}
	for _, id := range want {
		wanted.Keys = append(wanted.Keys, tka.NewEd25519Key(ed25519.PublicKey(id), 1))
	}
	removed := &tka.State{}
	for _, k := range info.Keys {
		pub, err := tka.ParseTLPub(k)
		if err != nil {
			return fmt.Errorf("the daemon's trusted key: %w", err)
		}
		if u.State.Trusts(pub) {
			continue
		}
		removed.Keys = append(removed.Keys, tka.NewEd25519Key(pub, 1))
		if !wanted.Trusts(pub) {
			return cli.WithHint(fmt.Errorf("the recovery AUM also removes %s, which --removes does not name; nothing was sent", k),
				"do not co-sign a blob that does more than its sender said")
		}
	}
	for _, id := range want {
		if !removed.Trusts(id) {
			return fmt.Errorf("the recovery AUM does not remove %s, which --removes names; nothing was sent", tka.FormatTLPub(id))
		}
	}
	return nil
}

// RecoveryRequest is what "signet revoke-keys --plan" asks for: the keys
// to revoke, and the AUM to fork from (zero: the newest that trusts none
// of them).
type RecoveryRequest struct {
	Remove []tka.KeyID
	Fork   tka.AUMHash
}

// ParseRecovery reads the --plan keys and the --fork-from hash (may be
// empty). Errors are usage errors.
func ParseRecovery(keys []string, fork string) (RecoveryRequest, error) {
	var r RecoveryRequest
	var err error
	if r.Remove, err = ParseKeys("--plan", keys); err != nil {
		return r, err
	}
	if fork != "" {
		if r.Fork, err = tka.ParseAUMHash(fork); err != nil {
			return r, cli.Usage(fmt.Errorf("--fork-from: %w", err))
		}
	}
	return r, nil
}

// Recovery is an unsigned recovery AUM and the keys it leaves trusted
// that a revoked key added after the fork.
type Recovery struct {
	AUM *tka.AUM
	// Kept are keys added by AUMs signed by a key being revoked, after
	// the fork, that the recovery keeps: a recovery copies the current
	// keys minus those named, so whatever a compromised key added stays
	// trusted unless it is named too.
	Kept []tka.Addition
}

// BuildRecovery builds the recovery AUM on auth (whose chain is in st)
// for r; ours is the box's key, which the fork point must trust.
func BuildRecovery(auth *tka.Authority, st tka.Store, r RecoveryRequest, ours tka.KeyID) (*Recovery, error) {
	u, err := auth.RecoveryAUM(st, r.Remove, ours, r.Fork)
	if err != nil {
		return nil, err
	}
	fork, _ := u.Parent()
	added, err := auth.AddedSince(st, fork, r.Remove)
	if err != nil {
		return nil, fmt.Errorf("looking for keys added since the fork: %w", err)
	}
	out := &Recovery{AUM: u}
	for _, a := range added {
		if u.State.Trusts(a.Key.Public) {
			out.Kept = append(out.Kept, a)
		}
	}
	return out, nil
}

// ParseNodeKeys reads nodekey:HEX keys given with flag (--exclude) as a
// set. Errors are usage errors naming the flag.
func ParseNodeKeys(flag string, keys []string) (map[tka.NodeKey]bool, error) {
	out := map[tka.NodeKey]bool{}
	for _, s := range keys {
		nk, err := tka.ParseNodeKey(s)
		if err != nil {
			return nil, cli.Usage(fmt.Errorf("%s: %w", flag, err))
		}
		out[nk] = true
	}
	return out, nil
}
