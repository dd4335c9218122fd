package signer

// The journal is one append-only file, journal.log, in the state dir: one
// JSON object per line, each hash-chained to the one before. A record is
// written and fsync'd before Append returns, so a record Append returned
// survives a crash. Nothing in the file is ever rewritten; the only change
// besides an append is RepairTorn, which moves an unacknowledged partial
// last line aside (never deletes it).
//
// NOTE(journal): records must never hold a secret. Append refuses any
// field that looks like one (an auth key, a disablement secret, a private
// key); callers store SecretDigest(secret) instead.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/durable"
	"github.com/signetbox/signet/statedir"
)

const (
	// maxJournalLine bounds one record so a corrupt file cannot make the
	// reader allocate without bound; real records are well under 4 KiB.
	maxJournalLine = 64 << 10
)

// RecordType says what a journal record marks in a request's life.
type RecordType string

// Record types, in the order a request passes through them.
const (
	RecReceived  RecordType = "received"  // the request was parsed and validated
	RecDecision  RecordType = "decision"  // the console's answer (Outcome)
	RecIssued    RecordType = "issued"    // the HSM signed; SigHash names the result
	RecReleased  RecordType = "released"  // the result left the box
	RecDelivered RecordType = "delivered" // the result reached the tailnet
	RecNote      RecordType = "note"      // anything else worth keeping
	// RecFailed closes an approved request whose signing failed (the PIN
	// was refused, the device went away): nothing was issued or released,
	// and the request is final. Detail "reason" says why.
	RecFailed RecordType = "failed"
)

// Record is one line of the journal. Fields are in their wire order: the
// JSON members appear in this order, and Hash is always last.
type Record struct {
	Seq       uint64            // 1 for the first record, then +1
	Time      time.Time         // when it was appended, UTC
	Type      RecordType        // what happened
	RequestID string            `json:",omitempty"` // the request it belongs to
	Kind      api.Kind          `json:",omitempty"` // the request's kind
	Requester string            `json:",omitempty"` // who asked
	Digest    string            `json:",omitempty"` // hex of what gets signed
	Outcome   Outcome           `json:",omitempty"` // for a decision
	SigHash   string            `json:",omitempty"` // for issued: hex SHA-256 of the released bytes
	Detail    map[string]string `json:",omitempty"` // more facts; never secrets
	Prev      string            // hex hash of the previous record (zeros for the first)
	Hash      string            `json:",omitempty"` // hex SHA-256(prev hash || canonical bytes)
}

// ErrJournalWrite means a record could not be written durably. Whatever
// the record was about must not go ahead.
var ErrJournalWrite = errors.New("the journal could not be written, so nothing will be signed")

// Journal is an open journal.log. It is safe for concurrent use; appends
// are serialized.
type Journal struct {
	mu      sync.Mutex
	f       *os.File
	path    string
	size    int64
	last    Record // zero before the first record
	pending *pendingIndex
	hist    *history
	broken  error // set when a failed append could not be undone
	now     func() time.Time
}

// OpenJournal opens (or creates) the journal in dir and verifies every
// record. A torn last line is reported as a *TornError (see RepairTorn); a
// broken chain as a *ChainError. The caller should hold LockStateDir.
func OpenJournal(dir string) (*Journal, error) {
	path := filepath.Join(dir, statedir.Journal)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the journal: %w", err)
	}
	j := &Journal{f: f, path: path, pending: newPendingIndex(), hist: newHistory(), now: time.Now}
	sum, err := verifyFile(f, func(r Record) { j.pending.add(r); j.hist.add(r) })
	if err != nil {
		f.Close()
		return nil, err
	}
	j.size, j.last = sum.Size, sum.last
	if sum.Records == 0 {
		if err := durable.SyncDir(dir); err != nil {
			f.Close()
			return nil, fmt.Errorf("syncing the state dir: %w", err)
		}
	}
	return j, nil
}

// withHistory calls fn with the journal's history, under its lock.
func (j *Journal) withHistory(fn func(h *history)) {
	j.mu.Lock()
	defer j.mu.Unlock()
	fn(j.hist)
}

// Close closes the file.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.f.Close()
}

// Path returns the journal file's path.
func (j *Journal) Path() string { return j.path }

// Last returns the newest record, and false for an empty journal.
func (j *Journal) Last() (Record, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.last, j.last.Seq != 0
}

// Append fills r's Seq, Time, Prev and Hash, writes it and fsyncs the
// file before returning it. On error nothing was added: the file is cut
// back to where it was, and the error wraps ErrJournalWrite.
func (j *Journal) Append(r Record) (Record, error) {
	if err := r.check(); err != nil {
		return Record{}, fmt.Errorf("journal record refused: %w", err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.broken != nil {
		return Record{}, fmt.Errorf("%w: an earlier write failed and could not be undone: %w", ErrJournalWrite, j.broken)
	}
	r.Seq = j.last.Seq + 1
	r.Time = j.now().UTC()
	r.Prev = j.last.Hash
	if r.Seq == 1 {
		r.Prev = zeroHash
	}
	line, err := sealRecord(&r)
	if err != nil {
		return Record{}, fmt.Errorf("journal record refused: %w", err)
	}
	if err := j.writeSync(line); err != nil {
		return Record{}, err
	}
	j.size += int64(len(line))
	j.last = r
	j.pending.add(r)
	j.hist.add(r)
	wrote(j.path)
	return r, nil
}

// writeSync appends line and fsyncs; on failure it cuts the file back.
func (j *Journal) writeSync(line []byte) error {
	_, err := j.f.WriteAt(line, j.size)
	if err == nil {
		err = j.f.Sync()
	}
	if err == nil {
		return nil
	}
	if terr := j.f.Truncate(j.size); terr != nil {
		j.broken = terr
	} else if serr := j.f.Sync(); serr != nil {
		j.broken = serr
	}
	return fmt.Errorf("%w (is the disk full?): %w", ErrJournalWrite, err)
}

// zeroHash is the Prev of the first record.
var zeroHash = strings.Repeat("0", 2*sha256.Size)

// hashSuffix is how every line ends: `,"Hash":"<64 hex>"}` and a newline.
const (
	hashPrefix = `,"Hash":"`
	hashSuffix = len(hashPrefix) + 2*sha256.Size + len(`"}`) + 1
)

// sealRecord computes r.Hash and returns the record's line. The canonical
// bytes are the record's JSON without the Hash member; the line is those
// bytes with `,"Hash":"…"` inserted before the closing brace.
func sealRecord(r *Record) ([]byte, error) {
	r.Hash = ""
	canon, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	r.Hash = recordHash(r.Prev, canon)
	line := slices.Concat(canon[:len(canon)-1], []byte(hashPrefix), []byte(r.Hash), []byte("\"}\n"))
	if len(line) > maxJournalLine {
		return nil, fmt.Errorf("record is %d bytes, over the %d-byte limit", len(line), maxJournalLine)
	}
	return line, nil
}

// recordHash is hex(SHA-256(prev || canon)), prev being the previous
// record's hash as 32 raw bytes.
func recordHash(prev string, canon []byte) string {
	p, _ := hex.DecodeString(prev)
	h := sha256.New()
	h.Write(p)
	h.Write(canon)
	return hex.EncodeToString(h.Sum(nil))
}

// SecretDigest returns how a secret may appear in the journal:
// "sha256:" and the hex SHA-256 of s.
func SecretDigest(s string) string {
	h := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(h[:])
}
