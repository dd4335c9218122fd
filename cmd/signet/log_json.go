package main

import (
	"fmt"
	"io"

	"github.com/signetbox/signet/tka"
)

// printLogJSON prints aums (in the given order) as `tailscale lock log
// --json` does.
func printLogJSON(w io.Writer, aums []*tka.AUM) error {
	b, err := tka.MarshalLogJSON(aums)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("writing the log: %w", err)
	}
	return nil
}
