package cli

// Rules for this file: every error reaches the user as exactly one line
// "PROG: error: <msg>" on stderr, followed by zero or more
// "PROG: hint: <next step>" lines. Nothing else is printed for an error.

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/signetbox/signet/internal/safetext"
)

// Exit statuses.
const (
	ExitOK    = 0
	ExitError = 1 // the command ran and failed
	ExitUsage = 2 // the command line was wrong; nothing ran
)

// hintError is an error that carries next steps for the user.
type hintError struct {
	err   error
	hints []string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }

// Hints returns the next steps, printed after the error line.
func (e *hintError) Hints() []string { return e.hints }

// WithHint attaches hints (next steps) to err. A nil err stays nil.
func WithHint(err error, hints ...string) error {
	if err == nil {
		return nil
	}
	return &hintError{err: err, hints: hints}
}

// usageError marks an error in the command line itself.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// Usage marks err as a usage error: an unknown flag or argument, a flag
// value out of range, a required flag left out. The exit status is 2.
// A nil err stays nil.
func Usage(err error) error {
	if err == nil {
		return nil
	}
	return &usageError{err: err}
}

// Usagef formats a usage error.
func Usagef(format string, args ...any) error {
	return Usage(fmt.Errorf(format, args...))
}

// IsUsage reports whether err is, or wraps, a usage error.
func IsUsage(err error) bool {
	var u *usageError
	return errors.As(err, &u)
}

// PrintError writes err as one "prog: error:" line plus a "prog: hint:"
// line for each hint err carries (any error in its chain with a
// Hints() []string method).
func PrintError(w io.Writer, prog string, err error) {
	fmt.Fprintf(w, "%s: error: %s\n", prog, OneLine(err.Error()))
	var h interface{ Hints() []string }
	if !errors.As(err, &h) {
		return
	}
	for _, hint := range h.Hints() {
		fmt.Fprintf(w, "%s: hint: %s\n", prog, OneLine(hint))
	}
}

// OneLine folds s onto a single line and escapes control and format
// characters (safetext.EscapeControls), so that a message is exactly one
// line whatever a library put in it, and no escape sequence from a file
// name or a peer's answer reaches the terminal.
func OneLine(s string) string {
	return safetext.EscapeControls(strings.Join(strings.Fields(s), " "))
}

// Plain renders untrusted text (a name or reason a status file or a peer
// gave) for a report on a terminal: it trims the spaces around it,
// doubles each backslash (so an escape cannot be forged) and escapes
// control and format characters (safetext.EscapeControls). The
// console's review screen uses the stricter safetext.Sanitize, as its
// layout counts columns.
func Plain(s string) string {
	return safetext.EscapeControls(strings.ReplaceAll(strings.TrimSpace(s), `\`, `\\`))
}
