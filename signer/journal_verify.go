package signer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Summary describes a verified journal file.
type Summary struct {
	Records     int       // records that verified
	First, Last time.Time // times of the first and last of them
	Head        string    // hash of the last of them; empty for none
	Size        int64     // bytes they take
	Torn        *TornError
	last        Record
}

// TornError means the journal ends in a partial line: a write that a crash
// interrupted. That record was never acknowledged. RepairTorn moves the
// bytes aside, or, when only the final newline is missing (Whole), adds
// it.
type TornError struct {
	Offset int64 // where the partial line starts
	Bytes  int64 // how long it is
	// Whole is set when the partial line is a complete record that
	// verifies and lacks only its newline.
	Whole bool
}

func (e *TornError) Error() string {
	if e.Whole {
		return fmt.Sprintf("the journal's last record (%d bytes at offset %d) lacks its final newline, left by an interrupted write; complete it with `signet journal repair`", e.Bytes, e.Offset)
	}
	return fmt.Sprintf("the journal ends in a torn record (%d bytes at offset %d) left by an interrupted write; move it aside with `signet journal repair`", e.Bytes, e.Offset)
}

// ChainError means a record does not verify: the file was damaged or
// edited. Seq is the position of the bad record (1 for the first line).
type ChainError struct {
	Seq    uint64
	Reason string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("journal record %d %s: restore journal.log from a backup", e.Seq, e.Reason)
}

// Verify checks the journal file at path (a journal.log, or a copy of
// one) without changing it. It returns the summary of the records that
// verified and, if the file does not verify in full, a *TornError, a
// *ChainError or a read error.
func Verify(path string) (Summary, error) {
	return ScanFile(path, nil)
}

// ScanFile verifies the journal file at path and calls fn, if not nil,
// with each record in order, stopping at fn's first error.
func ScanFile(path string, fn func(Record) error) (Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return Summary{}, fmt.Errorf("opening the journal: %w", err)
	}
	defer f.Close()
	return scan(f, -1, fn)
}

// Scan calls fn with each record of the journal in order, stopping at
// fn's first error. Records appended meanwhile are not visited.
func (j *Journal) Scan(fn func(Record) error) error {
	j.mu.Lock()
	size := j.size
	j.mu.Unlock()
	_, err := scan(j.f, size, fn)
	return err
}

// verifyFile verifies a whole file, handing each record to each.
func verifyFile(f *os.File, each func(Record)) (Summary, error) {
	return scan(f, -1, func(r Record) error { each(r); return nil })
}

// VerifyAppended continues a verification: it verifies appended, the
// bytes that follow a journal prefix whose Verify (or VerifyAppended)
// summary is prefix, and calls fn, if not nil, with each record in it. It
// returns the summary of prefix and appended together. The prefix is not
// read again: the caller makes sure its bytes did not change.
func VerifyAppended(prefix Summary, appended io.Reader, fn func(Record) error) (Summary, error) {
	return scanFrom(prefix, appended, fn, maxJournalLine)
}

// scan reads and verifies the first size bytes of f (all of it for a
// negative size).
func scan(f *os.File, size int64, fn func(Record) error) (Summary, error) {
	if size < 0 {
		st, err := f.Stat()
		if err != nil {
			return Summary{}, fmt.Errorf("reading the journal: %w", err)
		}
		size = st.Size()
	}
	// A buffer larger than the file is never needed.
	buf := int(min(size+1, maxJournalLine))
	return scanFrom(Summary{}, io.NewSectionReader(f, 0, size), fn, buf)
}

// scanFrom verifies the records in rd, which follow those sum describes,
// reading through a buffer of buf bytes (maxJournalLine, or more than rd
// holds).
func scanFrom(sum Summary, rd io.Reader, fn func(Record) error, buf int) (Summary, error) {
	r := bufio.NewReaderSize(rd, buf)
	sum.Torn = nil
	prev := zeroHash
	if sum.Records > 0 {
		prev = sum.Head
	}
	for {
		line, err := r.ReadSlice('\n')
		switch {
		case err == io.EOF && len(line) == 0:
			return sum, nil
		case err == io.EOF:
			return sum, tornOrDamaged(&sum, line, prev)
		case errors.Is(err, bufio.ErrBufferFull):
			return sum, &ChainError{Seq: uint64(sum.Records) + 1, Reason: fmt.Sprintf("is longer than %d bytes", maxJournalLine)}
		case err != nil:
			return sum, fmt.Errorf("reading the journal: %w", err)
		}
		rec, err := parseLine(line, uint64(sum.Records)+1, prev)
		if err != nil {
			return sum, err
		}
		sum.add(rec, len(line))
		prev = rec.Hash
		if fn != nil {
			if err := fn(rec); err != nil {
				return sum, err
			}
		}
	}
}

// tornOrDamaged classifies a last line without a newline. A crash leaves
// a prefix of the line it was writing, so the line is torn, unless it is
// a whole record whose newline was replaced by another byte: that is
// damage, never a torn write.
func tornOrDamaged(sum *Summary, line []byte, prev string) error {
	seq := uint64(sum.Records) + 1
	if n := len(line); n > 1 {
		fixed := append(bytes.Clone(line[:n-1]), '\n')
		if _, err := parseLine(fixed, seq, prev); err == nil {
			return &ChainError{Seq: seq, Reason: fmt.Sprintf("ends in byte %#02x where its newline belongs (it was changed after it was written)", line[n-1])}
		}
	}
	_, err := parseLine(append(bytes.Clone(line), '\n'), seq, prev)
	sum.Torn = &TornError{Offset: sum.Size, Bytes: int64(len(line)), Whole: err == nil}
	return sum.Torn
}

func (s *Summary) add(r Record, n int) {
	if s.Records == 0 {
		s.First = r.Time
	}
	s.Records++
	s.Last, s.Head, s.last = r.Time, r.Hash, r
	s.Size += int64(n)
}

// parseLine decodes one line and checks that it is record seq, that it
// follows the record whose hash is prev, and that its hash is right.
func parseLine(line []byte, seq uint64, prev string) (Record, error) {
	bad := func(format string, args ...any) (Record, error) {
		return Record{}, &ChainError{Seq: seq, Reason: fmt.Sprintf(format, args...)}
	}
	n := len(line) - hashSuffix
	if n < 1 || !bytes.HasPrefix(line[n:], []byte(hashPrefix)) || !bytes.HasSuffix(line, []byte("\"}\n")) {
		return bad("is not a journal record (it does not end in its Hash)")
	}
	var rec Record
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec); err != nil {
		return bad("is not a valid record (%v)", err)
	}
	if rec.Seq != seq {
		return bad("has sequence number %d", rec.Seq)
	}
	if rec.Prev != prev {
		return bad("does not follow record %d (hash mismatch)", seq-1)
	}
	canon := append(bytes.Clone(line[:n]), '}')
	if recordHash(rec.Prev, canon) != rec.Hash {
		return bad("does not match its hash (it was changed after it was written)")
	}
	return rec, nil
}
