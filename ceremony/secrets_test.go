package ceremony

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/signetbox/signet/tka"
)

// TestMakeDisablements shows each secret once, takes its last digits
// (either case), shows it again after a wrong answer, and returns the
// KDF values of exactly the secrets shown.
func TestMakeDisablements(t *testing.T) {
	term := newTerm("26a5", "0000", "88F2")
	values, err := makeDisablements(context.Background(), term, rand.NewChaCha8(seed), 2, true)
	if err != nil {
		t.Fatal(err)
	}
	out := term.out.String()
	shown := shownSecrets(out)
	if len(shown) != 3 || shown[1] != shown[2] {
		t.Fatalf("shown %q, want secret 1 once and secret 2 twice", shown)
	}
	for i, s := range []string{shown[0], shown[1]} {
		secret, err := tka.ParseDisablementSecret(s)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(tka.DisablementKDF(secret), values[i]) {
			t.Errorf("value %d is not the KDF of the secret shown", i+1)
		}
	}
	if term.qrs != 3 {
		t.Errorf("%d QR codes shown, want 3", term.qrs)
	}
	if !strings.Contains(out, "Those are not the last 4 digits of secret 2") || !strings.HasSuffix(out, "\x1b[H\x1b[2J\x1b[3J") {
		t.Errorf("no retry message or no screen clear at the end:\n%q", out)
	}
}

// shownSecrets returns the disablement-secret:HEX strings in out.
func shownSecrets(out string) []string {
	var s []string
	for _, f := range strings.Fields(out) {
		if strings.HasPrefix(f, tka.PrefixDisablementSecret) {
			s = append(s, f)
		}
	}
	return s
}

// TestMakeDisablementsStops checks the ways the secrets step ends early.
func TestMakeDisablementsStops(t *testing.T) {
	ctx := context.Background()
	_, err := makeDisablements(ctx, newTerm("1111", "2222", "3333"), rand.NewChaCha8(seed), 1, false)
	if err == nil || err.Error() != "the last 4 digits of disablement secret 1 were typed wrong 3 times; the ceremony stopped and nothing was written" {
		t.Errorf("three wrong answers: %v", err)
	}
	_, err = makeDisablements(ctx, newTerm(), rand.NewChaCha8(seed), 1, false)
	if err == nil || err.Error() != "the terminal closed before a line was typed" {
		t.Errorf("closed: %v", err)
	}
	_, err = makeDisablements(ctx, newTerm(), io.LimitReader(rand.NewChaCha8(seed), 10), 1, false)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short RNG: %v", err)
	}
	term := newTerm("26A5")
	term.qrErr = errors.New("the terminal is\ntoo small")
	if _, err := makeDisablements(ctx, term, rand.NewChaCha8(seed), 1, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(term.out.String(), "(no QR code: the terminal is too small)\n") {
		t.Errorf("a failed QR code is not said:\n%s", term.out.String())
	}
}

// TestFormatSecret prints upper-case hex after the stock client's prefix.
func TestFormatSecret(t *testing.T) {
	got := string(formatSecret([]byte{0xab, 0x01, 0xff}))
	if got != "disablement-secret:AB01FF" {
		t.Errorf("formatSecret = %q", got)
	}
}

// BenchmarkDisablementKDF measures the disablement KDF per secret.
func BenchmarkDisablementKDF(b *testing.B) {
	secret := make([]byte, SecretLen)
	start := time.Now()
	for b.Loop() {
		tka.DisablementKDF(secret)
	}
	ms := float64(time.Since(start).Microseconds()) / 1000 / float64(b.N)
	fmt.Printf("FIGURE disablement-kdf %.1f ms\n", ms)
}
