//go:build !linux

package terminal

// Claim fails: the console needs Linux.
func (t *TTY) Claim() error { return errOS }

// TIOCSTIAllowed assumes the worst off Linux.
func (t *TTY) TIOCSTIAllowed() (bool, string) { return true, errOS.Error() }

// ProbeTIOCSTI fails: the console needs Linux.
func ProbeTIOCSTI(fd int) error { return errOS }
