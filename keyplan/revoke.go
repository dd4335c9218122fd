package keyplan

import (
	"fmt"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/internal/lockstatus"
	"github.com/signetbox/signet/tka"
)

// RevokedSigner is the trusted key that signed nk, from the status's
// entries whose signatures verify under the daemon's authority. An entry
// for nk that does not verify names no key to remove.
func RevokedSigner(st *lockstatus.Status, info *api.StatusInfo, nk tka.NodeKey) (tka.KeyID, error) {
	trusted, err := TrustedState(info)
	if err != nil {
		return nil, err
	}
	nodes, refused := st.VerifiedNodes(trusted)
	for _, n := range nodes {
		if n.NodeKey == nk {
			return n.Authorizing, nil
		}
	}
	for _, r := range refused {
		if rk, err := tka.ParseNodeKey(r.NodeKey); err == nil && rk == nk {
			return nil, cli.WithHint(fmt.Errorf("the status's signature for %s does not verify under the authority (%s), so it names no key to remove", nk, cli.Plain(r.Reason)),
				"take the status again on an online node of this tailnet; a device signed by a key no longer trusted is already locked out")
		}
	}
	return nil, cli.WithHint(fmt.Errorf("%s is not a signed node of the status", nk),
		"take the status on a node that sees the device (it is listed under VisiblePeers)")
}

// RevokeInput is the plan input of revoking device nk, signed by
// signedBy: add newKey, re-sign every other node signedBy signed, remove
// signedBy, and leave nk (only nk) unsigned.
func RevokeInput(info *api.StatusInfo, st *lockstatus.Status, nk tka.NodeKey, signedBy tka.KeyID, newKey string) Input {
	only := map[tka.NodeKey]bool{nk: true}
	return Input{Info: info, Status: st, Add: newKey, Remove: tka.FormatTLPub(signedBy), Exclude: only, Intended: only}
}
