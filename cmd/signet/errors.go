package main

// Rules for this file: every error reaches the user as exactly one line
// "signet: error: <msg>" on stderr, followed by zero or more
// "signet: hint: <next step>" lines. Nothing else is printed for an error.

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/signetbox/signet/internal/cli"
)

// hintError is an error that carries next steps for the user. The hints are
// printed after the error line, one per line.
type hintError struct {
	err   error
	hints []string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }

// Hints returns the next steps. Errors from library packages (such as
// ceremony) carry hints through the same method.
func (e *hintError) Hints() []string { return e.hints }

// withHint attaches hints to err. A nil err stays nil.
func withHint(err error, hints ...string) error {
	if err == nil {
		return nil
	}
	return &hintError{err: err, hints: hints}
}

// usageError marks an error in the command line itself: an unknown verb or
// flag, or wrong arguments. signet exits with status 2 for it.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usageErr marks err as a usage error. A nil err stays nil.
func usageErr(err error) error {
	if err == nil {
		return nil
	}
	return &usageError{err: err}
}

// usageErrorf formats a usage error.
func usageErrorf(format string, args ...any) error {
	return usageErr(fmt.Errorf(format, args...))
}

// isUsage reports whether err is, or wraps, a usage error: ours, or one
// a library package marked with cli.Usage.
func isUsage(err error) bool {
	var u *usageError
	return errors.As(err, &u) || cli.IsUsage(err)
}

// printError writes err as one error line plus the hint lines it carries.
func printError(w io.Writer, err error) {
	fmt.Fprintf(w, "signet: error: %s\n", oneLine(err.Error()))
	var h interface{ Hints() []string }
	if !errors.As(err, &h) {
		return
	}
	for _, hint := range h.Hints() {
		fmt.Fprintf(w, "signet: hint: %s\n", oneLine(hint))
	}
}

// oneLine folds a message onto a single line so that each printed error is
// exactly one line, whatever a library put in it, and escapes control and
// format characters (an escape sequence from a file name or a daemon's
// answer never reaches the terminal).
func oneLine(s string) string {
	return escapeControls(foldSpace(s))
}

// foldSpace joins the words of s with single spaces.
func foldSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// escapeControls writes each control or format rune (C0, DEL, C1, bidi
// and zero-width controls) and each invalid byte as a Go escape.
func escapeControls(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
