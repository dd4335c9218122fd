package ceremony

import (
	"context"
	"fmt"
	"io"
)

// Terminal is the console the ceremony talks to the people present on.
// The CLI provides it. Disablement secrets are written to it, so it must
// be the terminal itself: never stdout, stderr, a pipe or a file.
type Terminal interface {
	// Write shows text on the terminal.
	io.Writer
	// ReadLine shows prompt and reads one line typed with echo on. It
	// returns the line without its newline and surrounding space, and
	// fails when ctx ends or the terminal closes.
	ReadLine(ctx context.Context, prompt string) (string, error)
	// ReadSecret shows prompt, reads one line with echo off and erases
	// the prompt. The caller wipes the result. An empty line is an empty,
	// non-nil slice; ctx ending or the terminal closing is an error.
	ReadSecret(ctx context.Context, prompt string) ([]byte, error)
	// ShowQR shows text as a full-screen QR code under title until
	// Enter is pressed, then gives the terminal back for line reads.
	ShowQR(ctx context.Context, title string, text []byte) error
}

// printf writes a message to the terminal.
func printf(t Terminal, format string, args ...any) {
	fmt.Fprintf(t, format, args...)
}

// confirmWord asks the person to type word and fails unless they did.
func confirmWord(ctx context.Context, t Terminal, question, word string) error {
	line, err := t.ReadLine(ctx, fmt.Sprintf("%s\nType %q to go on: ", question, word))
	if err != nil {
		return err
	}
	if line != word {
		return fmt.Errorf("you did not type %q; nothing was changed", word)
	}
	return nil
}
