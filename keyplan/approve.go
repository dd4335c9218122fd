package keyplan

import (
	"fmt"
	"path"
	"strings"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/internal/devices"
	"github.com/signetbox/signet/internal/lockstatus"
)

// Selector picks locked-out nodes for a batch approval. An empty field
// selects everything.
type Selector struct {
	Name string   // a shell pattern matched against the DNS name, without its final dot
	Tags []string // every tag must be on the node (needs the device list)
}

// SelectLockedOut picks the locked-out nodes of the status (its
// FilteredPeers) that match sel, in the order of the status. devs (may be
// nil) adds each node's OS, user, tags and tailnet-lock key as claims. An
// empty selection is an error.
func SelectLockedOut(st *lockstatus.Status, devs map[string]devices.Device, sel Selector) ([]api.BatchNode, error) {
	peers, err := st.LockedOut()
	if err != nil {
		return nil, fmt.Errorf("--status-json: %w", err)
	}
	var out []api.BatchNode
	for _, p := range peers {
		name := strings.TrimSuffix(p.DNSName, ".")
		if sel.Name != "" {
			if ok, _ := path.Match(sel.Name, name); !ok {
				continue
			}
		}
		d, known := devs[p.NodeKey]
		if len(sel.Tags) > 0 && (!known || !d.HasAllTags(sel.Tags)) {
			continue
		}
		out = append(out, batchNode(p, name, d, known))
	}
	if len(out) == 0 {
		return nil, cli.WithHint(fmt.Errorf("no locked-out node matches (the status lists %d locked-out node(s))", len(peers)),
			"check --name and --tag; 'signet approve --dry-run' lists the selection")
	}
	return out, nil
}

// batchNode is a locked-out peer as a batch entry; what the device list
// says of it (if known) goes in as claims.
func batchNode(p lockstatus.Peer, name string, d devices.Device, known bool) api.BatchNode {
	n := api.BatchNode{NodeKey: p.NodeKey, Claims: map[string]string{"device": name, "id": p.ID}}
	if known {
		n.TLPub = d.TailnetLockKey
		n.Claims["os"], n.Claims["login"] = d.OS, d.User
		if len(d.Tags) > 0 {
			n.Claims["tags"] = strings.Join(d.Tags, ",")
		}
	}
	return n
}
