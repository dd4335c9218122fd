package fsck

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
)

// JournalSchema is the schema version of "signet journal verify --json".
const JournalSchema = 1

// JournalReport is what VerifyJournal found: the output of "signet
// journal verify --json".
type JournalReport struct {
	SchemaVersion int    `json:"schema_version"`
	Journal       string `json:"journal"` // the file checked
	Records       int    `json:"records"`
	FirstTime     string `json:"first_time,omitempty"` // left out with no records
	LastTime      string `json:"last_time,omitempty"`
	Head          string `json:"head,omitempty"` // the last record's hash
	// StateChecks is left out when a FILE was checked.
	StateChecks *StateChecks `json:"state_checks,omitempty"`
}

// StateChecks is what the start checks found in a state directory.
type StateChecks struct {
	Dir string `json:"dir"`
	// KeyFiles says whether the key files were checked too (the state
	// directory holds a key).
	KeyFiles bool `json:"key_files"`
	// NextStart lists what the daemon's next start will repair.
	NextStart []string `json:"next_start"`
}

// VerifyJournal verifies every record and hash link of the journal at
// path. An error says which records before the damage still verify.
func VerifyJournal(path string) (*JournalReport, error) {
	sum, err := signer.Verify(path)
	if err != nil {
		return nil, JournalErr(sum, err)
	}
	r := &JournalReport{SchemaVersion: JournalSchema, Journal: path, Records: sum.Records}
	if sum.Records > 0 {
		r.FirstTime, r.LastTime, r.Head = sum.First.UTC().Format(time.RFC3339), sum.Last.UTC().Format(time.RFC3339), sum.Head
	}
	return r, nil
}

// Line is the one-line summary of the journal that journal verify
// prints.
func (r *JournalReport) Line() string {
	if r.Records == 0 {
		return fmt.Sprintf("%s: no records, verified", r.Journal)
	}
	return fmt.Sprintf("%s: %d records from %s to %s, head %s, verified", r.Journal, r.Records, r.FirstTime, r.LastTime, r.Head)
}

// CheckState runs the start checks of signet serve on the state
// directory dir, reading only. A disagreement is a *signer.StateError.
func CheckState(dir string) (*StateChecks, error) {
	pub, files, err := KeyFilesOf(dir)
	if err != nil {
		return nil, err
	}
	chk, err := signer.CheckStateDir(dir, pub, files)
	if err != nil {
		return nil, err
	}
	return &StateChecks{Dir: dir, KeyFiles: files != nil, NextStart: cli.EmptyIfNil(chk.Pending())}, nil
}

// Lines are what journal verify prints of the state checks: what agrees,
// then one line per repair the next start will do.
func (c *StateChecks) Lines() []string {
	what := "the chain store and the signature index agree with the journal"
	if c.KeyFiles {
		what = "the chain store, the signature index and the key files agree with the journal"
	}
	out := []string{fmt.Sprintf("%s: %s", c.Dir, what)}
	for _, n := range c.NextStart {
		out = append(out, fmt.Sprintf("%s: the next start will: %s", c.Dir, n))
	}
	return out
}

// KeyFilesOf returns the box's public key and the key files the start
// checks pin, or nothing for a state directory without a key (a copy of
// the journal alone).
func KeyFilesOf(dir string) (ed25519.PublicKey, []string, error) {
	if there, err := statedir.HasKey(dir); err != nil || !there {
		return nil, nil, err
	}
	ks, err := statedir.LoadKey(dir)
	if err != nil {
		return nil, nil, err
	}
	return ks.Pub, statedir.KeyFiles(), nil
}

// JournalErr adds to err, an error of reading the journal, hints that say
// what still verified: sum counts the records before the damage.
func JournalErr(sum signer.Summary, err error) error {
	var torn *signer.TornError
	var chain *signer.ChainError
	good := "no record before it verifies"
	if sum.Records == 1 {
		good = "record 1 before it verifies"
	} else if sum.Records > 1 {
		good = fmt.Sprintf("records 1 to %d before it verify", sum.Records)
	}
	switch {
	case errors.As(err, &torn):
		return cli.WithHint(err, good)
	case errors.As(err, &chain):
		return cli.WithHint(err, good, "keep this file for investigation")
	}
	return err
}

// StateErr splits a *signer.StateError (the start checks' verdict) into
// an error and its hints, for the CLI's verbs and signet serve; any other
// error is returned as it is.
func StateErr(err error) error {
	var se *signer.StateError
	if errors.As(err, &se) {
		return cli.WithHint(errors.New(se.Problem), se.Fix, "signet serve does not start until the state dir's files agree; 'signet journal verify --state DIR' runs the same checks")
	}
	return err
}
