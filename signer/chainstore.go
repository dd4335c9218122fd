package signer

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"golang.org/x/crypto/blake2s"

	"github.com/signetbox/signet/internal/durable"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

// The chain store is one append-only file, chain.log, in the state dir.
// After an 8-byte magic, it holds records:
//
//	kind   1 byte   recAUM or recAncestor
//	length 4 bytes  big-endian length of data
//	digest 32 bytes BLAKE2s-256 of data (for an AUM, its AUM hash)
//	data   length bytes
//
// A commit appends all its records with one write and one fsync (group
// commit), so a crash leaves either the whole commit or a torn tail: an
// incomplete last record (its header or its data runs past the end of the
// file). Opening never writes. A torn tail is reported in Torn and not
// read; only CutTorn, called by the daemon's start after its checks or by
// `signet journal repair`, moves it aside. A complete record that fails
// its check is corruption wherever it is, and the store refuses to open
// (see chainstore_torn.go).
const (
	chainMagic  = "SGNCHN1\n"
	recAUM      = 1
	recAncestor = 2
	recHeader   = 1 + 4 + 32
	// maxRecord bounds one record so a corrupt length cannot make the
	// reader allocate without bound; AUMs are far smaller.
	maxRecord = 1 << 20
)

// ChainStore is a crash-safe tka.Store in a state directory. It keeps an
// index (hash → offset, parent, children) in memory and reads AUMs from the
// file on demand, so memory stays small however long the chain is.
type ChainStore struct {
	mu       sync.RWMutex
	path     string
	f        *os.File
	size     int64
	index    map[tka.AUMHash]recLoc
	children map[tka.AUMHash][]tka.AUMHash
	heads    map[tka.AUMHash]struct{}
	ancestor *tka.AUMHash
	// readOnly stores never write: see OpenChainStoreReadOnly.
	readOnly bool
	// torn describes an incomplete last commit, left in the file until
	// CutTorn moves it aside; nil when the file ends cleanly.
	torn *ChainTornError
}

type recLoc struct {
	off       int64 // of the data
	n         uint32
	parent    tka.AUMHash
	hasParent bool
}

var _ tka.Store = (*ChainStore)(nil)

// OpenChainStore opens (or creates) the chain store in dir.
func OpenChainStore(dir string) (*ChainStore, error) {
	path := filepath.Join(dir, statedir.Chain)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the chain store: %w", err)
	}
	s := &ChainStore{
		path:     path,
		f:        f,
		index:    make(map[tka.AUMHash]recLoc),
		children: make(map[tka.AUMHash][]tka.AUMHash),
		heads:    make(map[tka.AUMHash]struct{}),
	}
	if err := s.load(path); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

// Path is the store's file.
func (s *ChainStore) Path() string { return s.path }

// Close closes the file.
func (s *ChainStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f.Close()
}

// Len returns the number of stored AUMs.
func (s *ChainStore) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.index)
}

func (s *ChainStore) load(path string) error {
	st, err := s.f.Stat()
	if err != nil {
		return fmt.Errorf("reading the chain store: %w", err)
	}
	if st.Size() == 0 {
		if s.readOnly {
			return fmt.Errorf("%s is empty: this box holds no authority yet", path)
		}
		if err := s.writeSync([]byte(chainMagic)); err != nil {
			return fmt.Errorf("initialising the chain store: %w", err)
		}
		s.size = int64(len(chainMagic))
		return durable.SyncDir(filepath.Dir(path))
	}
	r := bufio.NewReaderSize(io.NewSectionReader(s.f, 0, st.Size()), 1<<16)
	magic := make([]byte, len(chainMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != chainMagic {
		return fmt.Errorf("%s is not a signet chain store (bad magic); restore it from a backup or move it away", path)
	}
	off := int64(len(chainMagic))
	for rec := 1; off < st.Size(); rec++ {
		n, err := s.readRecord(r, off, st.Size())
		if err != nil {
			return s.badTail(off, st.Size(), rec, err)
		}
		off += n
	}
	s.size = off
	return nil
}

// readRecord reads the record at off, in a file of size bytes, and
// indexes it. A record that runs past the end of the file is errIncomplete.
func (s *ChainStore) readRecord(r *bufio.Reader, off, size int64) (int64, error) {
	var hdr [recHeader]byte
	if off+recHeader > size {
		return 0, errIncomplete
	}
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, fmt.Errorf("reading the record header: %w", err)
	}
	n := binary.BigEndian.Uint32(hdr[1:5])
	if n > maxRecord {
		return 0, fmt.Errorf("record length %d is over the limit", n)
	}
	if off+recHeader+int64(n) > size {
		return 0, errIncomplete
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(r, data); err != nil {
		return 0, fmt.Errorf("reading the record: %w", err)
	}
	digest := tka.AUMHash(hdr[5:])
	if blake2s.Sum256(data) != [32]byte(digest) {
		return 0, errors.New("record digest does not match its data")
	}
	switch hdr[0] {
	case recAUM:
		parent, hasParent, err := parentOf(data)
		if err != nil {
			return 0, err
		}
		s.indexAUM(digest, recLoc{off: off + recHeader, n: n, parent: parent, hasParent: hasParent})
	case recAncestor:
		if n != 32 {
			return 0, errors.New("ancestor record is not 32 bytes")
		}
		h := tka.AUMHash(data)
		s.ancestor = &h
	default:
		return 0, fmt.Errorf("unknown record kind %d", hdr[0])
	}
	return recHeader + int64(n), nil
}

// parentOf reads an AUM's parent hash. The store writes canonical
// encodings, whose first fields are fixed: a map head, key 1 and a small
// kind, key 2 and either null or a 32-byte string. That prefix is read
// directly; anything else is decoded in full.
func parentOf(data []byte) (tka.AUMHash, bool, error) {
	if len(data) >= 4 && data[0]&0xe0 == 0xa0 && data[1] == 0x01 && data[2] < 24 && data[3] == 0x02 {
		switch {
		case len(data) >= 5 && data[4] == 0xf6:
			return tka.AUMHash{}, false, nil
		case len(data) >= 6+32 && data[4] == 0x58 && data[5] == 32:
			return tka.AUMHash(data[6 : 6+32]), true, nil
		}
	}
	u, err := tka.DecodeAUM(data)
	if err != nil {
		return tka.AUMHash{}, false, err
	}
	p, ok := u.Parent()
	return p, ok, nil
}

func (s *ChainStore) indexAUM(h tka.AUMHash, loc recLoc) {
	if _, dup := s.index[h]; dup {
		return
	}
	s.index[h] = loc
	if len(s.children[h]) == 0 {
		s.heads[h] = struct{}{}
	}
	if loc.hasParent {
		s.children[loc.parent] = append(s.children[loc.parent], h)
		delete(s.heads, loc.parent)
	}
}

// AUM implements tka.Store.
func (s *ChainStore) AUM(h tka.AUMHash) (*tka.AUM, error) {
	s.mu.RLock()
	loc, ok := s.index[h]
	s.mu.RUnlock()
	if !ok {
		return nil, tka.ErrNotStored
	}
	return s.read(loc)
}

func (s *ChainStore) read(loc recLoc) (*tka.AUM, error) {
	buf := make([]byte, loc.n)
	if _, err := s.f.ReadAt(buf, loc.off); err != nil {
		return nil, fmt.Errorf("reading the chain store: %w", err)
	}
	return tka.DecodeAUM(buf)
}

// Parent implements tka.Store.
func (s *ChainStore) Parent(h tka.AUMHash) (tka.AUMHash, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	loc, ok := s.index[h]
	if !ok {
		return tka.AUMHash{}, false, tka.ErrNotStored
	}
	return loc.parent, loc.hasParent, nil
}

// Children implements tka.Store.
func (s *ChainStore) Children(h tka.AUMHash) ([]tka.Entry, error) {
	s.mu.RLock()
	kids := slices.Clone(s.children[h])
	locs := make([]recLoc, len(kids))
	for i, k := range kids {
		locs[i] = s.index[k]
	}
	s.mu.RUnlock()
	out := make([]tka.Entry, len(kids))
	for i := range kids {
		u, err := s.read(locs[i])
		if err != nil {
			return nil, err
		}
		out[i] = tka.Entry{Hash: kids[i], AUM: u}
	}
	return out, nil
}

// Heads implements tka.Store.
func (s *ChainStore) Heads() ([]tka.AUMHash, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]tka.AUMHash, 0, len(s.heads))
	for h := range s.heads {
		out = append(out, h)
	}
	slices.SortFunc(out, func(a, b tka.AUMHash) int { return bytes.Compare(a[:], b[:]) })
	return out, nil
}

// Commit implements tka.Store: one write and one fsync for all entries.
func (s *ChainStore) Commit(entries []tka.Entry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var buf []byte
	var locs []recLoc
	var hashes []tka.AUMHash
	seen := make(map[tka.AUMHash]bool, len(entries))
	for _, e := range entries {
		if _, dup := s.index[e.Hash]; dup || seen[e.Hash] {
			continue
		}
		seen[e.Hash] = true
		data := e.AUM.Serialize()
		if tka.AUMHash(blake2s.Sum256(data)) != e.Hash {
			return fmt.Errorf("AUM %v: its bytes do not hash to its stated hash", e.Hash)
		}
		p, ok := e.AUM.Parent()
		locs = append(locs, recLoc{off: s.size + int64(len(buf)) + recHeader, n: uint32(len(data)), parent: p, hasParent: ok})
		hashes = append(hashes, e.Hash)
		buf = appendRecord(buf, recAUM, e.Hash, data)
	}
	if len(buf) == 0 {
		return nil
	}
	if err := s.writeSync(buf); err != nil {
		return err
	}
	s.size += int64(len(buf))
	for i, h := range hashes {
		s.indexAUM(h, locs[i])
	}
	return nil
}

func appendRecord(buf []byte, kind byte, digest [32]byte, data []byte) []byte {
	buf = append(buf, kind)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(data)))
	buf = append(buf, digest[:]...)
	return append(buf, data...)
}

// writeSync appends b at the end of the file and fsyncs it. On failure the
// file is cut back, so a failed commit leaves nothing behind.
func (s *ChainStore) writeSync(b []byte) error {
	if s.readOnly {
		return errReadOnlyStore
	}
	if s.torn != nil {
		return fmt.Errorf("not writing after a torn commit: %w", s.torn)
	}
	if _, err := s.f.WriteAt(b, s.size); err != nil {
		_ = s.f.Truncate(s.size)
		return fmt.Errorf("writing the chain store (is the disk full?): %w", err)
	}
	if err := s.f.Sync(); err != nil {
		_ = s.f.Truncate(s.size)
		return fmt.Errorf("syncing the chain store: %w", err)
	}
	defer wrote(s.path)
	return nil
}

// LastActiveAncestor implements tka.Store.
func (s *ChainStore) LastActiveAncestor() (*tka.AUMHash, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.ancestor == nil {
		return nil, nil
	}
	h := *s.ancestor
	return &h, nil
}

// SetLastActiveAncestor implements tka.Store.
func (s *ChainStore) SetLastActiveAncestor(h tka.AUMHash) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	buf := appendRecord(nil, recAncestor, blake2s.Sum256(h[:]), h[:])
	if err := s.writeSync(buf); err != nil {
		return err
	}
	s.size += int64(len(buf))
	s.ancestor = &h
	return nil
}
