//go:build !linux

package signer

// Claim fails: the console prompt needs Linux.
func (c *Console) Claim() error { return errConsoleOS }

// TIOCSTIAllowed assumes the worst off Linux.
func (c *Console) TIOCSTIAllowed() (bool, string) { return true, errConsoleOS.Error() }

// ProbeTIOCSTI fails: the console prompt needs Linux.
func ProbeTIOCSTI(fd int) error { return errConsoleOS }
