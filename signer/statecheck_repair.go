package signer

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/signetbox/signet/statedir"
)

// Repair does what a start may write once its checks passed, and
// journals each step in a note: it moves an incomplete last chain commit
// aside, completes or cuts the end of the index (see StartCheck), and
// pins the key files. It returns one line per step for the log, and does
// nothing the second time. The caller holds the state dir lock.
func (c *StartCheck) Repair(j *Journal) ([]string, error) {
	if c.repaired {
		return nil, nil
	}
	var said []string
	note := func(msg string, detail map[string]string) error {
		said = append(said, msg)
		d := map[string]string{DetailMessage: msg}
		for k, v := range detail {
			d[k] = v
		}
		_, err := j.Append(Record{Type: RecNote, Detail: d})
		return err
	}
	if c.chain != nil && c.chain.Torn() != nil {
		t := c.chain.Torn()
		aside, err := c.chain.CutTorn()
		if err != nil {
			return said, err
		}
		msg := fmt.Sprintf("moved an incomplete commit (%d bytes, never acknowledged) off the end of chain.log into %s", t.Bytes, filepath.Base(aside))
		if err := note(msg, map[string]string{detailEvent: "chain-torn"}); err != nil {
			return said, err
		}
	}
	if err := c.repairIndex(note); err != nil {
		return said, err
	}
	if c.pinChain {
		heads, err := c.chain.Heads()
		if err != nil {
			return said, err
		}
		names := make([]string, len(heads))
		for i, h := range heads {
			names[i] = h.String()
		}
		if err := note("pinned the chain: no journal record named its AUMs (a state dir from an older signet)", map[string]string{detailHead: strings.Join(names, " ")}); err != nil {
			return said, err
		}
	}
	if c.pin != nil {
		d := map[string]string{detailEvent: eventKeyFiles}
		for k, v := range c.pin {
			d[k] = v
		}
		if err := note("pinned the key files: "+c.pinWhy, d); err != nil {
			return said, err
		}
	}
	c.repaired = true
	return said, nil
}

// repairIndex completes a last line of an issued request that lacks its
// newline, or moves what follows the issued requests' lines aside.
func (c *StartCheck) repairIndex(note func(string, map[string]string) error) error {
	x := c.index
	end := x.size + int64(len(x.tail))
	if !c.newline && end == c.keep {
		return nil
	}
	f, err := os.OpenFile(x.path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("opening the signature index: %w", err)
	}
	defer f.Close()
	if c.newline {
		if _, err := f.WriteAt([]byte("\n"), c.keep); err != nil {
			return fmt.Errorf("completing the last line of the signature index: %w", err)
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("syncing the signature index: %w", err)
		}
		c.keep++
		c.newline = false
		return note("added the newline missing at the end of signatures.jsonl (an interrupted write)", map[string]string{detailEvent: "index-newline"})
	}
	buf := make([]byte, end-c.keep)
	if _, err := f.ReadAt(buf, c.keep); err != nil {
		return fmt.Errorf("reading the end of the signature index: %w", err)
	}
	aside, err := writeAside(c.dir, statedir.SigIndexTorn, buf)
	if err != nil {
		return err
	}
	if err := f.Truncate(c.keep); err != nil {
		return fmt.Errorf("cutting the end of the signature index (its bytes are safe in %s): %w", aside, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("syncing the signature index: %w", err)
	}
	what := "a partial last line left by an interrupted write"
	if len(c.unissued) > 0 {
		what = "the signatures of request(s) " + strings.Join(c.unissued, ", ") + ", approved but stopped before their issued record (never released)"
	}
	return note(fmt.Sprintf("moved %s (%d bytes) off the end of signatures.jsonl into %s", what, len(buf), filepath.Base(aside)), map[string]string{detailEvent: "index-torn"})
}

// indexSize is the size of the index once Repair ran.
func (c *StartCheck) indexSize() int64 { return c.keep }

// Pending says, one line each, what Repair would do (nothing is done).
func (c *StartCheck) Pending() []string {
	var out []string
	if c.repaired {
		return nil
	}
	if c.chain != nil && c.chain.Torn() != nil {
		out = append(out, fmt.Sprintf("move an incomplete commit (%d bytes) off the end of chain.log", c.chain.Torn().Bytes))
	}
	if end := c.index.size + int64(len(c.index.tail)); c.newline {
		out = append(out, "add the newline missing at the end of signatures.jsonl")
	} else if end > c.keep {
		out = append(out, fmt.Sprintf("move %d bytes no issued record backs off the end of signatures.jsonl", end-c.keep))
	}
	if c.pinChain {
		out = append(out, "pin the chain's heads: no journal record names its AUMs")
	}
	if c.pin != nil {
		out = append(out, "pin the key files: "+c.pinWhy)
	}
	return out
}
