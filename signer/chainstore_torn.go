package signer

// Rules for this file: telling a torn last commit of chain.log from
// corruption. A crash in the middle of a commit's one write leaves a
// prefix of that write: complete records, then at most one incomplete
// record, whose header or data runs past the end of the file. Nothing
// else is torn. In particular a complete record that fails its digest, or
// whose kind is unknown, is corruption even when it is the last one, and
// so is an "incomplete" record whose bytes up to the end of the file hash
// to its digest (a complete record whose length field was damaged).

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"

	"golang.org/x/crypto/blake2s"

	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

// errIncomplete means a record runs past the end of the file.
var errIncomplete = errors.New("the record runs past the end of the file")

// ChainTornError means chain.log ends in an incomplete commit left by an
// interrupted write. That commit was never acknowledged. The store reads
// up to it; CutTorn moves its bytes aside.
type ChainTornError struct {
	Path   string
	Offset int64 // where the incomplete record starts
	Bytes  int64 // how many bytes it has
}

func (e *ChainTornError) Error() string {
	return fmt.Sprintf("%s ends in an incomplete commit (%d bytes at byte %d) left by an interrupted write; the daemon's next start or `signet journal repair` moves it aside", e.Path, e.Bytes, e.Offset)
}

// ChainCorruptError means a complete record of chain.log fails its check:
// the file was damaged or edited. The store refuses to open.
type ChainCorruptError struct {
	Path   string
	Offset int64 // where the bad record starts
	Record int   // its position, 1 for the first record after the magic
	Reason string
}

func (e *ChainCorruptError) Error() string {
	return fmt.Sprintf("%s is corrupt at byte %d (record %d: %s); restore it from a backup, or move it aside and import the tailnet's chain again ('tailscale lock log --json --limit 100000 | signet chain import -')",
		e.Path, e.Offset, e.Record, e.Reason)
}

// badTail handles a record at off that did not read: an incomplete last
// commit is noted in s.torn and left alone; anything else is corruption.
func (s *ChainStore) badTail(off, size int64, rec int, cause error) error {
	corrupt := &ChainCorruptError{Path: s.path, Offset: off, Record: rec, Reason: cause.Error()}
	if !errors.Is(cause, errIncomplete) {
		return corrupt
	}
	rest := make([]byte, size-off)
	if _, err := s.f.ReadAt(rest, off); err != nil {
		return fmt.Errorf("reading the end of %s: %w", s.path, err)
	}
	if reason := notTorn(rest); reason != "" {
		corrupt.Reason = reason
		return corrupt
	}
	s.torn = &ChainTornError{Path: s.path, Offset: off, Bytes: size - off}
	s.size = off
	return nil
}

// notTorn says why rest, the bytes from an incomplete record to the end
// of the file, cannot be the prefix of an interrupted commit; "" if they
// can be.
func notTorn(rest []byte) string {
	if len(bytes.Trim(rest, "\x00")) == 0 {
		// Some file systems extend a file before its data lands: a crash
		// then leaves zeros, which no record starts with.
		return ""
	}
	if len(rest) >= 1 && rest[0] != recAUM && rest[0] != recAncestor {
		return fmt.Sprintf("unknown record kind %d", rest[0])
	}
	if len(rest) >= recHeader {
		if blake2s.Sum256(rest[recHeader:]) == [32]byte(rest[5:recHeader]) {
			return fmt.Sprintf("its length field says %d bytes but its data is %d bytes and matches its digest", binary.BigEndian.Uint32(rest[1:5]), len(rest)-recHeader)
		}
	}
	for i := 1; i+recHeader <= len(rest); i++ {
		n := int(binary.BigEndian.Uint32(rest[i+1:]))
		if (rest[i] == recAUM || rest[i] == recAncestor) && n <= maxRecord && i+recHeader+n <= len(rest) {
			data := rest[i+recHeader : i+recHeader+n]
			if blake2s.Sum256(data) == [32]byte(rest[i+5:i+recHeader]) {
				return fmt.Sprintf("a complete record follows it at byte +%d", i)
			}
		}
	}
	return ""
}

// Torn returns the incomplete last commit the store ends in, or nil.
func (s *ChainStore) Torn() *ChainTornError {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.torn
}

// CutTorn moves an incomplete last commit into chain.torn.<unix-time>
// next to the store and cuts it off, so the store can be written again.
// It returns the file the bytes went to, or "" if there was none. Only
// the daemon's start (after its checks) and `signet journal repair` call
// it; the caller holds the state dir lock.
func (s *ChainStore) CutTorn() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.torn == nil {
		return "", nil
	}
	if s.readOnly {
		return "", errReadOnlyStore
	}
	buf := make([]byte, s.torn.Bytes)
	if _, err := s.f.ReadAt(buf, s.torn.Offset); err != nil {
		return "", fmt.Errorf("reading the torn commit of %s: %w", s.path, err)
	}
	aside, err := writeAside(filepath.Dir(s.path), statedir.ChainTorn, buf)
	if err != nil {
		return "", err
	}
	if err := s.f.Truncate(s.torn.Offset); err != nil {
		return aside, fmt.Errorf("cutting the torn commit off %s (its bytes are safe in %s): %w", s.path, aside, err)
	}
	if err := s.f.Sync(); err != nil {
		return aside, fmt.Errorf("syncing %s: %w", s.path, err)
	}
	s.torn = nil
	return aside, nil
}

// Has reports whether the store holds the AUM h.
func (s *ChainStore) Has(h tka.AUMHash) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.index[h]
	return ok
}

// Each calls fn with every stored AUM in file order, stopping at fn's
// first error. It reads the file sequentially, once.
func (s *ChainStore) Each(fn func(h tka.AUMHash, u *tka.AUM) error) error {
	s.mu.RLock()
	type at struct {
		h   tka.AUMHash
		loc recLoc
	}
	all := make([]at, 0, len(s.index))
	for h, loc := range s.index {
		all = append(all, at{h, loc})
	}
	size := s.size
	s.mu.RUnlock()
	slices.SortFunc(all, func(a, b at) int { return cmp.Compare(a.loc.off, b.loc.off) })
	r := bufio.NewReaderSize(io.NewSectionReader(s.f, 0, size), 1<<16)
	var pos int64
	for _, a := range all {
		if _, err := r.Discard(int(a.loc.off - pos)); err != nil {
			return fmt.Errorf("reading the chain store: %w", err)
		}
		buf := make([]byte, a.loc.n)
		if _, err := io.ReadFull(r, buf); err != nil {
			return fmt.Errorf("reading the chain store: %w", err)
		}
		pos = a.loc.off + int64(a.loc.n)
		u, err := tka.DecodeAUM(buf)
		if err != nil {
			return fmt.Errorf("AUM %v in the chain store: %w", a.h, err)
		}
		if err := fn(a.h, u); err != nil {
			return err
		}
	}
	return nil
}
