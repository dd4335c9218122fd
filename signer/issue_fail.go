package signer

// A write that fails while a request is signed (a full disk, most often)
// must not be reported as "nothing will be signed" once the key has
// signed. These errors say, for each step of issue, exactly what was
// signed, what was recorded and what was released (issue 12, item 13).
// Every step leaves the files in a state the start checks accept.

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/signetbox/signet/tka"
)

// journalCause strips ErrJournalWrite's "so nothing will be signed" off a
// failed append made after the key signed, keeping the cause.
func journalCause(err error) error {
	var pe *fs.PathError
	if errors.Is(err, ErrJournalWrite) && errors.As(err, &pe) {
		return fmt.Errorf("writing the journal (is the disk full?): %w", pe)
	}
	return err
}

// issuedRecord is the "issued" record of out.
func issuedRecord(base Record, out *issued) Record {
	rec := base
	rec.Type, rec.SigHash = RecIssued, out.setHash()
	rec.Detail = out.detail
	if len(out.sigHashes) > 1 {
		if rec.Detail == nil {
			rec.Detail = map[string]string{}
		}
		rec.Detail[DetailCount] = fmt.Sprint(len(out.sigHashes))
	}
	if hashes := out.aumHashes(); hashes != "" {
		if rec.Detail == nil {
			rec.Detail = map[string]string{}
		}
		rec.Detail[DetailAUMs] = hashes
	}
	return rec
}

// indexWriteFailed: the key signed, signatures.jsonl could not be written
// (and was cut back), nothing was journaled as issued or released.
func indexWriteFailed(id string, n int, err error) error {
	return fmt.Errorf("request %s: the key signed %d node key(s), but signatures.jsonl could not be written, so nothing was released and the signatures were discarded; send the request again once the disk has room (it is reviewed again): %w", id, n, err)
}

// issuedWriteFailed: the key signed, the signatures (if any) were written
// to the index, the "issued" record could not be journaled. The index
// lines were cut back (undoErr nil), so nothing is left that the journal
// does not back.
func issuedWriteFailed(id string, undoErr, err error) error {
	err = journalCause(err)
	if undoErr != nil {
		return fmt.Errorf("request %s: the key signed it, but the journal could not record it, so nothing was released; its signatures could not be cut back off signatures.jsonl (%v), so nothing more is signed until a restart moves them aside: %w", id, undoErr, err)
	}
	return fmt.Errorf("request %s: the key signed it, but the journal could not record it, so nothing was released and the signature was discarded; send the request again once the disk has room (it is reviewed again): %w", id, err)
}

// chainWriteFailed: signed and journaled as issued, the AUMs could not be
// added to chain.log (which is cut back), nothing was released.
func chainWriteFailed(id string, issuedSeq uint64, err error) error {
	return fmt.Errorf("request %s: signed and journaled (record #%d, issued), but its AUMs could not be added to chain.log, so nothing was released; it is not signed again under this id: send a new request with a new id once the disk has room: %w", id, issuedSeq, err)
}

// releaseWriteFailed: signed, journaled as issued, recorded (index and
// chain), but the "released" record could not be journaled, so the
// answer is withheld.
func releaseWriteFailed(id string, issuedSeq uint64, nodes int, head tka.AUMHash, aums int, err error) error {
	err = journalCause(err)
	kept := ""
	switch {
	case aums > 0:
		kept = fmt.Sprintf(", its %d AUM(s) added to chain.log (head %v)", aums, head)
	case nodes > 0:
		kept = fmt.Sprintf(", its %d signature(s) recorded in signatures.jsonl", nodes)
	}
	return fmt.Errorf("request %s: signed and journaled (record #%d, issued)%s, but its release could not be journaled, so the result was not released; it is not signed again under this id: %w", id, issuedSeq, kept, err)
}
