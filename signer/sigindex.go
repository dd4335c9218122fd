package signer

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/signetbox/signet/tka"
)

// sigIndexFile lists the node-key signatures this box issued, one JSON
// line per signature, written (one write, one fsync per request) before
// the journal's "issued" record. Signatures are public; the index lets a
// restarted daemon answer "already signed" and replays without the key.
const sigIndexFile = "signatures.jsonl"

type sigLine struct {
	Request   string `json:"request"`
	NodeKey   string `json:"node_key"`
	Signature string `json:"signature"`
}

type sigIndex struct {
	f *os.File
}

// openSigIndex reads the index in dir into signed (newest per node) and
// byRequest. Only lines of requests in issued (those with an "issued"
// record in the journal) are trusted: a line written just before a crash,
// before its request's "issued" record, was never released, and answering
// "already signed" with it would release a signature the journal does not
// show. Such lines at the end of the file, and a torn last line, are cut
// off; any in the middle (none after the first start that cut them) are
// skipped.
func openSigIndex(dir string, issued map[string]bool, signed map[tka.NodeKey][]byte, byRequest map[string][]NodeResult) (*sigIndex, error) {
	path := filepath.Join(dir, sigIndexFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the signature index: %w", err)
	}
	var good, off int64
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var l sigLine
		if err := json.Unmarshal(line, &l); err != nil {
			break
		}
		nk, err := tka.ParseNodeKey(l.NodeKey)
		sig, herr := hex.DecodeString(l.Signature)
		if err != nil || herr != nil {
			break
		}
		off += int64(len(line)) + 1
		if !issued[l.Request] {
			continue
		}
		signed[nk] = sig
		byRequest[l.Request] = append(byRequest[l.Request], NodeResult{NodeKey: l.NodeKey, Signature: l.Signature})
		good = off
	}
	if err := f.Truncate(good); err != nil {
		f.Close()
		return nil, fmt.Errorf("cutting the torn end of %s: %w", path, err)
	}
	if _, err := f.Seek(good, 0); err != nil {
		f.Close()
		return nil, err
	}
	return &sigIndex{f: f}, nil
}

// add records one request's signatures durably, in the order given (the
// order of its answer, so a replay lists them the same way).
func (x *sigIndex) add(request string, nodes []NodeResult) error {
	if len(nodes) == 0 {
		return nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, n := range nodes {
		if err := enc.Encode(sigLine{Request: request, NodeKey: n.NodeKey, Signature: n.Signature}); err != nil {
			return err
		}
	}
	if _, err := x.f.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writing the signature index (is the disk full?): %w", err)
	}
	if err := x.f.Sync(); err != nil {
		return fmt.Errorf("syncing the signature index: %w", err)
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
// changing it, calling fn for each well-formed line in order. A line of a
// request the journal does not show as issued must be ignored by the
// caller (see openSigIndex). A missing index is an empty one.
func ScanSignatures(dir string, fn func(IssuedSignature)) error {
	f, err := os.Open(filepath.Join(dir, sigIndexFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("opening the signature index: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		var l sigLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			break
		}
		nk, err := tka.ParseNodeKey(l.NodeKey)
		sig, herr := hex.DecodeString(l.Signature)
		if err != nil || herr != nil {
			break
		}
		fn(IssuedSignature{Request: l.Request, NodeKey: nk, Signature: sig})
	}
	return sc.Err()
}
