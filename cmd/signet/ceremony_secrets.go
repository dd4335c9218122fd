package main

// Rules for this file: disablement secrets exist only here, in byte
// slices that are wiped once their values are computed. They are written
// to the terminal only (never stdout, stderr, a file or the journal), each
// shown once, and the screen and its scrollback are cleared afterwards.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/tka"
	"golang.org/x/sys/unix"
)

// testOnlyCeremonyRand, when non-nil, replaces crypto/rand in the
// ceremony, so scripts know the secrets' last digits in advance.
var testOnlyCeremonyRand io.Reader

// ceremonyRand is the ceremony's source of randomness.
func ceremonyRand() io.Reader {
	if testOnlyCeremonyRand != nil {
		return testOnlyCeremonyRand
	}
	return rand.Reader
}

// showQR shows text full screen as a QR code, for paper storage of a
// disablement secret, until the operator presses Enter. It is a variable
// so the ceremony can run without it (--no-qr).
var showQR = func(ctx context.Context, tty *os.File, title string, text []byte) error {
	sc, err := signer.NewConsole(tty, signer.ConsoleOptions{})
	if err != nil {
		return err
	}
	err = sc.ShowQR(ctx, title, string(text))
	sc.Close()
	// The console reads tty with deadlines (Close sets one in the past to
	// wake a reader), or a non-blocking duplicate that shares tty's mode:
	// the line prompts that follow want plain blocking reads.
	tty.SetReadDeadline(time.Time{})
	if nbErr := unix.SetNonblock(int(tty.Fd()), false); err == nil {
		err = nbErr
	}
	return err
}

// makeDisablements makes n secrets, shows each once, has the operator
// confirm each was written down, and returns the disablement values.
func makeDisablements(ctx context.Context, con *console, n int, qr bool) ([][]byte, error) {
	values := make([][]byte, 0, n)
	for i := range n {
		secret := make([]byte, disablementSecretLen)
		if _, err := io.ReadFull(ceremonyRand(), secret); err != nil {
			return nil, fmt.Errorf("reading the system RNG: %w", err)
		}
		err := showSecret(ctx, con, i+1, n, secret, qr)
		if err == nil {
			values = append(values, tka.DisablementKDF(secret))
		}
		hsm.Wipe(secret)
		if err != nil {
			return nil, err
		}
	}
	// Clear the screen and the scrollback: the secrets are on paper now.
	con.printf("\x1b[H\x1b[2J\x1b[3J")
	return values, nil
}

// showSecret shows secret i of n and asks for its last 4 hex digits; a
// wrong answer shows it again, up to maxRetries times.
func showSecret(ctx context.Context, con *console, i, n int, secret []byte, qr bool) error {
	text := formatSecret(secret)
	defer hsm.Wipe(text)
	for try := 1; ; try++ {
		if qr {
			title := fmt.Sprintf("Disablement secret %d of %d: print or copy this QR code, then press Enter", i, n)
			if err := showQR(ctx, con.in, title, text); err != nil {
				con.printf("(no QR code: %s)\n", oneLine(err.Error()))
			}
		}
		con.printf("\nDisablement secret %d of %d. Write it down now; it is not stored and WILL NOT be\nshown again after this step:\n\n    ", i, n)
		con.out.Write(text)
		con.printf("\n\n")
		ok, err := confirmLast4(ctx, con, i, text)
		if err != nil || ok {
			return err
		}
		if try == maxRetries {
			return fmt.Errorf("the last 4 digits of disablement secret %d were typed wrong %d times; the ceremony stopped and nothing was written", i, maxRetries)
		}
		con.printf("Those are not the last 4 digits of secret %d; check what you wrote against it.\n", i)
	}
}

// confirmLast4 reads 4 hex digits with echo off and compares them, in
// constant time and ignoring case, with the end of text.
func confirmLast4(ctx context.Context, con *console, i int, text []byte) (bool, error) {
	line, err := con.readSecret(ctx, fmt.Sprintf("Type the LAST 4 hex digits of secret %d to confirm you wrote it down: ", i))
	if err != nil {
		return false, err
	}
	defer hsm.Wipe(line)
	typed := bytes.ToUpper(bytes.TrimSpace(line))
	defer hsm.Wipe(typed)
	return subtle.ConstantTimeCompare(typed, text[len(text)-4:]) == 1, nil
}

// formatSecret returns disablement-secret:HEX (upper case, as the stock
// client prints it) in a fresh slice the caller wipes.
func formatSecret(secret []byte) []byte {
	out := make([]byte, len(tka.PrefixDisablementSecret)+hex.EncodedLen(len(secret)))
	n := copy(out, tka.PrefixDisablementSecret)
	hex.Encode(out[n:], secret)
	for j := n; j < len(out); j++ {
		if out[j] >= 'a' {
			out[j] -= 'a' - 'A'
		}
	}
	return out
}
