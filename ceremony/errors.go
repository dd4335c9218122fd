package ceremony

import "strings"

// hintError is an error that carries next steps for the operator. The CLI
// prints each hint on its own line after the error.
type hintError struct {
	err   error
	hints []string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }

// Hints returns the next steps, one per line.
func (e *hintError) Hints() []string { return e.hints }

// hinted attaches hints to err.
func hinted(err error, hints ...string) error {
	return &hintError{err: err, hints: hints}
}

// oneLine folds a message onto a single line, for the journal.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
