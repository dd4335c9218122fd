package signer

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

// The signature index (statedir.SigIndex) lists the node-key signatures
// this box issued, one JSON line per signature, written (one write, one
// fsync per request) before the journal's "issued" record. Signatures are public; the index lets a
// restarted daemon answer "already signed" and replays without the key.
//
// Every byte of a line matters: a line must be exactly what the daemon
// writes for what it decodes to (canonical JSON), and its signature must
// be over its node key. The start checks (statecheck.go) then bind each
// request's lines to the SigHash of its "issued" record. The file is
// never cut or rewritten silently: see statecheck.go for the one tail a
// start moves aside, and sigindex_rebuild.go for the explicit rebuild.

// maxIndexLine bounds one line so a damaged file cannot make the reader
// allocate without bound; real lines are well under 1 KiB.
const maxIndexLine = 64 << 10

type sigLine struct {
	Request   string `json:"request"`
	NodeKey   string `json:"node_key"`
	Signature string `json:"signature"`
}

// sigEntry is one line of the index, decoded and checked on its own.
type sigEntry struct {
	line    int   // 1 for the first line
	off     int64 // where it starts
	n       int64 // its length, newline included
	request string
	nk      tka.NodeKey
	sig     []byte
	// noNewline marks a last line that is whole but for its newline.
	noNewline bool
}

func (e sigEntry) result() api.NodeResult {
	return api.NodeResult{NodeKey: e.nk.String(), Signature: hex.EncodeToString(e.sig)}
}

// indexContents is the index as read: its lines and what follows the
// last complete one.
type indexContents struct {
	path    string
	entries []sigEntry
	size    int64 // bytes up to the end of the last newline
	// tail is what follows the last newline: nothing, a partial line
	// left by an interrupted write, or a whole line without its newline
	// (then also the last of entries, marked noNewline).
	tail []byte
}

// IndexError means a line of signatures.jsonl is damaged, or disagrees
// with the journal. The daemon does not start until it is dealt with.
type IndexError struct {
	Path   string
	Line   int   // 1 for the first line
	Offset int64 // where the line starts
	Reason string
}

func (e *IndexError) Error() string {
	return fmt.Sprintf("%s line %d (byte %d) %s: restore signatures.jsonl from a backup, or run `signet journal repair --rebuild-index` (it keeps every signature that still verifies and journals the others as lost)",
		e.Path, e.Line, e.Offset, e.Reason)
}

// readSigIndex reads and checks every line of the index at path without
// changing it. A missing index is an empty one.
func readSigIndex(path string) (*indexContents, error) {
	x := &indexContents{path: path}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return x, nil
	}
	if err != nil {
		return nil, fmt.Errorf("opening the signature index: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, maxIndexLine)
	for line := 1; ; line++ {
		b, err := r.ReadSlice('\n')
		switch {
		case err == io.EOF && len(b) == 0:
			return x, nil
		case err == io.EOF:
			x.tail = bytes.Clone(b)
			if e, reason := parseSigLine(b); reason == "" {
				e.line, e.off, e.n, e.noNewline = line, x.size, int64(len(b)), true
				x.entries = append(x.entries, e)
			}
			return x, nil
		case errors.Is(err, bufio.ErrBufferFull):
			return nil, &IndexError{Path: path, Line: line, Offset: x.size, Reason: fmt.Sprintf("is longer than %d bytes", maxIndexLine)}
		case err != nil:
			return nil, fmt.Errorf("reading the signature index: %w", err)
		}
		e, reason := parseSigLine(b[:len(b)-1])
		if reason != "" {
			return nil, &IndexError{Path: path, Line: line, Offset: x.size, Reason: reason}
		}
		e.line, e.off, e.n = line, x.size, int64(len(b))
		x.entries = append(x.entries, e)
		x.size += int64(len(b))
	}
}

// parseSigLine decodes one line (without its newline); reason says what
// is wrong with it, "" if nothing.
func parseSigLine(b []byte) (sigEntry, string) {
	// Unknown members, other spellings and trailing bytes all fail the
	// canonical comparison below.
	var l sigLine
	if err := json.Unmarshal(b, &l); err != nil {
		return sigEntry{}, fmt.Sprintf("is not an index line (%v)", err)
	}
	if !api.ValidID(l.Request) {
		return sigEntry{}, "has no valid request id"
	}
	nk, err := tka.ParseNodeKey(l.NodeKey)
	if err != nil {
		return sigEntry{}, fmt.Sprintf("has a bad node key (%v)", err)
	}
	sig, err := hex.DecodeString(l.Signature)
	if err != nil {
		return sigEntry{}, "has a signature that is not hex"
	}
	s, err := tka.DecodeNodeKeySignature(sig)
	if err != nil {
		return sigEntry{}, fmt.Sprintf("has a bad signature (%v)", err)
	}
	if !bytes.Equal(s.Pubkey, nk.Binary()) {
		return sigEntry{}, "holds a signature over another node key than its node_key"
	}
	// Every byte matters: the line must be exactly what add writes for
	// what it decodes to (no other case, spacing, escaping or order).
	canon, err := json.Marshal(sigLine{Request: l.Request, NodeKey: nk.String(), Signature: hex.EncodeToString(sig)})
	if err != nil || !bytes.Equal(canon, b) {
		return sigEntry{}, "is not in the form signet writes (it was changed after it was written)"
	}
	return sigEntry{request: l.Request, nk: nk, sig: sig}, ""
}

// sigIndex is the index open for appending.
type sigIndex struct {
	f    *os.File
	size int64
	// broken is set when a failed write could not be undone: nothing
	// more is signed until a restart checks the file.
	broken error
}

// openSigIndex opens the index in dir for appending after its first size
// bytes, which the start checks verified (and any tail was dealt with).
func openSigIndex(dir string, size int64) (*sigIndex, error) {
	path := filepath.Join(dir, statedir.SigIndex)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the signature index: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("reading the signature index: %w", err)
	}
	if st.Size() != size {
		f.Close()
		return nil, fmt.Errorf("%s is %d bytes, not the %d the start checked; stop whatever else writes it and start again", path, st.Size(), size)
	}
	return &sigIndex{f: f, size: size}, nil
}

// add records one request's signatures durably, in the order given (the
// order of its answer, so a replay lists them the same way). On error
// nothing was added: the file is cut back to where it was.
func (x *sigIndex) add(request string, nodes []api.NodeResult) error {
	if len(nodes) == 0 {
		return nil
	}
	if x.broken != nil {
		return fmt.Errorf("an earlier write to the signature index failed and could not be undone: %w", x.broken)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, n := range nodes {
		if err := enc.Encode(sigLine{Request: request, NodeKey: n.NodeKey, Signature: n.Signature}); err != nil {
			return err
		}
	}
	_, err := x.f.WriteAt(buf.Bytes(), x.size)
	if err == nil {
		err = x.f.Sync()
	}
	if err != nil {
		x.cutBack(x.size)
		return fmt.Errorf("writing the signature index (is the disk full?): %w", err)
	}
	x.size += int64(buf.Len())
	wrote(x.f.Name())
	return nil
}

// undo cuts the index back to size, the size before a request's add whose
// "issued" record could not be journaled: those signatures were never
// released, and a line the journal does not back must not stay.
func (x *sigIndex) undo(size int64) error {
	if x.size == size {
		return nil
	}
	if err := x.cutBack(size); err != nil {
		return err
	}
	x.size = size
	return nil
}

// cutBack truncates the file to size and syncs it; on failure the index
// is marked broken.
func (x *sigIndex) cutBack(size int64) error {
	err := x.f.Truncate(size)
	if err == nil {
		err = x.f.Sync()
	}
	if err != nil {
		x.broken = err
		return fmt.Errorf("cutting the signature index back: %w", err)
	}
	return nil
}

func (x *sigIndex) close() error { return x.f.Close() }

// IssuedSignature is one line of the index of issued node-key signatures.
type IssuedSignature struct {
	Request   string
	NodeKey   tka.NodeKey
	Signature []byte
}

// ScanSignatures reads the index of issued signatures in dir without
// changing it, calling fn for each line in order. A damaged line is an
// *IndexError; a partial last line left by an interrupted write is
// skipped. A line of a request the journal does not show as issued must
// be ignored by the caller (see statecheck.go). A missing index is an
// empty one.
func ScanSignatures(dir string, fn func(IssuedSignature)) error {
	x, err := readSigIndex(filepath.Join(dir, statedir.SigIndex))
	if err != nil {
		return err
	}
	for _, e := range x.entries {
		fn(IssuedSignature{Request: e.request, NodeKey: e.nk, Signature: e.sig})
	}
	return nil
}
