package keyplan

import (
	"fmt"
	"strings"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/tka"
)

// KeyChangeRequest is the request of "signet add" or "signet remove" for
// the keys in args (tlpub:HEX, with ?VOTES for an addition): one key goes
// in Key (and Votes), several in Keys. Every error is a usage error.
func KeyChangeRequest(kind api.Kind, args []string) (*api.Request, error) {
	var changes []api.KeyChange
	seen := map[string]bool{}
	for _, arg := range args {
		k, err := tka.ParseKeyArg(arg)
		if err != nil {
			return nil, cli.Usage(err)
		}
		if kind == api.KindRemoveKey && strings.Contains(arg, "?") {
			return nil, cli.Usagef("%s: a key to remove takes no ?VOTES", tka.FormatTLPub(k.Public))
		}
		if seen[string(k.Public)] {
			return nil, cli.Usagef("%s is given twice", tka.FormatTLPub(k.Public))
		}
		seen[string(k.Public)] = true
		c := api.KeyChange{Key: tka.FormatTLPub(k.Public)}
		if kind == api.KindAddKey {
			c.Votes = k.Votes
		}
		changes = append(changes, c)
	}
	switch {
	case len(changes) == 0:
		return nil, cli.Usagef("no key given")
	case len(changes) == 1:
		return &api.Request{Kind: kind, Key: changes[0].Key, Votes: changes[0].Votes}, nil
	case len(changes) > api.MaxKeyChanges:
		return nil, cli.Usage(fmt.Errorf("%d keys in one request; at most %d: split them", len(changes), api.MaxKeyChanges))
	}
	return &api.Request{Kind: kind, Keys: changes}, nil
}
