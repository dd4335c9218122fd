package ceremony

// Rules for this file, as for secretparse.go: a disablement secret is
// read from the console with echo off, or from stdin when stdin is not a
// terminal; never from argv, the environment or a file named on the
// command line. It is held in a byte slice (never a string), wiped after
// use, and never printed: errors name what was wrong with it, not its
// digits.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/terminal"
	"github.com/signetbox/signet/tka"
)

// SecretPrompt is the prompt for a disablement secret typed with echo off.
const SecretPrompt = "Disablement secret (disablement-secret:HEX, echo off): "

// SecretConsole reads one line with echo off (terminal.Line does).
type SecretConsole interface {
	// ReadSecret shows prompt and reads one line with echo off; the
	// caller wipes the result.
	ReadSecret(ctx context.Context, prompt string) ([]byte, error)
}

// ReadDisablementSecret reads one disablement secret: on con with echo
// off when con is not nil, else the first line of stdin, which must carry
// the disablement-secret: prefix. The caller wipes the result.
func ReadDisablementSecret(ctx context.Context, con SecretConsole, stdin io.Reader) ([]byte, error) {
	var line []byte
	var err error
	if con != nil {
		line, err = con.ReadSecret(ctx, SecretPrompt)
	} else {
		line, err = readStdinLine(stdin)
	}
	if err != nil {
		return nil, err
	}
	defer hsm.Wipe(line)
	return ParseSecret(line, con == nil)
}

// readStdinLine reads the first line of stdin (the newline is optional).
// The caller wipes the result.
func readStdinLine(stdin io.Reader) ([]byte, error) {
	buf := make([]byte, terminal.MaxLineLen+1)
	defer hsm.Wipe(buf)
	n, err := io.ReadFull(stdin, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("reading stdin: %w", err)
	}
	line, _, _ := bytes.Cut(buf[:n], []byte{'\n'})
	if len(bytes.TrimSpace(line)) == 0 {
		return nil, hinted(errors.New("no disablement secret on stdin"),
			"pipe one line disablement-secret:HEX, or run on a terminal to type it")
	}
	return bytes.Clone(line), nil
}

// DisablementSchema is the schema version of "signet disablement check
// --json".
const DisablementSchema = 1

// DisablementMatch says which of the authority's disablement values a
// secret matches: the output of "signet disablement check --json".
type DisablementMatch struct {
	SchemaVersion     int    `json:"schema_version"`
	Head              string `json:"head"`
	Matches           int    `json:"matches"`            // 1-based position in the authority's list
	DisablementValue  string `json:"disablement_value"`  // disablement:HEX, public
	DisablementValues int    `json:"disablement_values"` // how many the authority has
}

// CheckDisablement says which disablement value of a the secret matches,
// and wipes the secret. A secret that matches none is an error.
func CheckDisablement(a *tka.Authority, secret []byte) (*DisablementMatch, error) {
	value := tka.DisablementKDF(secret)
	hsm.Wipe(secret)
	values := a.State().DisablementValues
	i := MatchDisablement(values, value)
	if i == 0 {
		return nil, hinted(fmt.Errorf("the secret matches none of the authority's %d disablement values (head %v)", len(values), a.Head()),
			"check the copy, or import the current chain with 'signet chain import'")
	}
	return &DisablementMatch{SchemaVersion: DisablementSchema, Head: a.Head().String(), Matches: i,
		DisablementValue: tka.FormatDisablement(values[i-1]), DisablementValues: len(values)}, nil
}

// Line is the text form of the match.
func (m *DisablementMatch) Line() string {
	return fmt.Sprintf("the secret matches disablement value %d of %d of the authority (head %s)", m.Matches, m.DisablementValues, m.Head)
}
