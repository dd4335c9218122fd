package signer

import (
	"fmt"

	"github.com/signetbox/signet/tka"
)

// ImportChain verifies aums, read from source (a file name or "-", for
// messages), against the authority of st (or from their first AUM, when
// st is empty) and commits the new ones, journaling in j what it adds
// before the commit and the new head after it, so every start can check
// that chain.log still holds them. Nothing is committed unless all of
// them verify. It returns the authority and how many AUMs were added.
func ImportChain(j Appender, st *ChainStore, aums []*tka.AUM, source string) (*tka.Authority, int, error) {
	before := st.Len()
	if err := NoteChainAdds(j, "importing AUMs with signet chain import", st, aums); err != nil {
		return nil, 0, fmt.Errorf("the chain store is unchanged: %w", err)
	}
	a, err := tka.Import(st, aums, before == 0)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: refused, the chain store is unchanged: %w", source, err)
	}
	added := st.Len() - before
	if added > 0 {
		msg := fmt.Sprintf("imported %d AUMs with signet chain import", added)
		if err := NoteChainHead(j, msg, a.Head()); err != nil {
			return nil, added, fmt.Errorf("imported %d AUMs (head %v) but could not journal it: %w", added, a.Head(), err)
		}
	}
	return a, added, nil
}
