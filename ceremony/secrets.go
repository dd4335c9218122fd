package ceremony

// Rules for this file: disablement secrets exist only here, in byte
// slices that are wiped once their values are computed. They are written
// to the terminal only (never stdout, stderr, a file or the journal), each
// shown once, and the screen and its scrollback are cleared afterwards.

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/tka"
)

// SecretLen is the length of the disablement secrets that
// `tailscale lock init` and the ceremony make. The KDF takes any length,
// but a secret of another length is a copying mistake.
const SecretLen = 32

// MaxSecrets is the most disablement values an authority holds (tka's
// maxDisablementValues).
const MaxSecrets = 32

// makeDisablements makes n secrets from rng, shows each once, has the
// operator confirm each was written down, and returns the disablement
// values.
func makeDisablements(ctx context.Context, t Terminal, rng io.Reader, n int, qr bool) ([][]byte, error) {
	values := make([][]byte, 0, n)
	for i := range n {
		secret := make([]byte, SecretLen)
		if _, err := io.ReadFull(rng, secret); err != nil {
			return nil, fmt.Errorf("reading the system RNG: %w", err)
		}
		err := showSecret(ctx, t, i+1, n, secret, qr)
		if err == nil {
			values = append(values, tka.DisablementKDF(secret))
		}
		hsm.Wipe(secret)
		if err != nil {
			return nil, err
		}
	}
	// Clear the screen and the scrollback: the secrets are on paper now.
	printf(t, "\x1b[H\x1b[2J\x1b[3J")
	return values, nil
}

// showSecret shows secret i of n and asks for its last 4 hex digits; a
// wrong answer shows it again, up to maxRetries times.
func showSecret(ctx context.Context, t Terminal, i, n int, secret []byte, qr bool) error {
	text := formatSecret(secret)
	defer hsm.Wipe(text)
	for try := 1; ; try++ {
		if qr {
			title := fmt.Sprintf("Disablement secret %d of %d: print or copy this QR code, then press Enter", i, n)
			if err := t.ShowQR(ctx, title, text); err != nil {
				printf(t, "(no QR code: %s)\n", strings.Join(strings.Fields(err.Error()), " "))
			}
		}
		printf(t, "\nDisablement secret %d of %d. Write it down now; it is not stored and WILL NOT be\nshown again after this step:\n\n    ", i, n)
		t.Write(text)
		printf(t, "\n\n")
		ok, err := confirmLast4(ctx, t, i, text)
		if err != nil || ok {
			return err
		}
		if try == maxRetries {
			return fmt.Errorf("the last 4 digits of disablement secret %d were typed wrong %d times; the ceremony stopped and nothing was written", i, maxRetries)
		}
		printf(t, "Those are not the last 4 digits of secret %d; check what you wrote against it.\n", i)
	}
}

// confirmLast4 reads 4 hex digits with echo off and compares them, in
// constant time and ignoring case, with the end of text.
func confirmLast4(ctx context.Context, t Terminal, i int, text []byte) (bool, error) {
	line, err := t.ReadSecret(ctx, fmt.Sprintf("Type the LAST 4 hex digits of secret %d to confirm you wrote it down: ", i))
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
