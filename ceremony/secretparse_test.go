package ceremony

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/signetbox/signet/tka"
)

func TestParseSecretRoundTrip(t *testing.T) {
	secret := bytes.Repeat([]byte{0xab, 0x01}, SecretLen/2)
	text := formatSecret(secret)
	for _, in := range [][]byte{text, bytes.ToLower(text), append([]byte("  "), append(text, '\n')...)} {
		got, err := ParseSecret(in, true)
		if err != nil || !bytes.Equal(got, secret) {
			t.Fatalf("ParseSecret(%q) = %x, %v", in, got, err)
		}
	}
	spaced := []byte("ab01ab01 ab01ab01\tab01ab01 ab01ab01 ab01ab01 ab01ab01 ab01ab01 ab01ab01")
	if got, err := ParseSecret(spaced, false); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("without prefix, spaced: %x, %v", got, err)
	}
}

func TestParseSecretRefuses(t *testing.T) {
	digits := strings.Repeat("ab", SecretLen)
	for _, tc := range []struct {
		in         string
		needPrefix bool
		want       string
	}{
		{digits, true, ErrSecretForm.Error()},
		{tka.PrefixDisablementSecret, true, ErrSecretForm.Error()},
		{tka.PrefixDisablementSecret + digits[:63], true, ErrSecretForm.Error()},
		{tka.PrefixDisablementSecret + "zz" + digits[2:], true, ErrSecretForm.Error()},
		{digits[:62], false, "has 62 hex digits, want 64"},
		{digits + "ab", false, "has 66 hex digits, want 64"},
	} {
		_, err := ParseSecret([]byte(tc.in), tc.needPrefix)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseSecret(%.20q…, %v) = %v, want %q", tc.in, tc.needPrefix, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), "abab") {
			t.Errorf("the error repeats the digits: %v", err)
		}
	}
	_, err := ParseSecret([]byte(digits[:62]), false)
	var h interface{ Hints() []string }
	if !errors.As(err, &h) || !strings.Contains(h.Hints()[0], "missing or extra digit") {
		t.Errorf("a wrong length says what to check: %v", err)
	}
}

func TestMatchDisablement(t *testing.T) {
	values := [][]byte{tka.DisablementKDF([]byte("one")), tka.DisablementKDF([]byte("two")), tka.DisablementKDF([]byte("three"))}
	if got := MatchDisablement(values, tka.DisablementKDF([]byte("two"))); got != 2 {
		t.Fatalf("MatchDisablement = %d, want 2", got)
	}
	if got := MatchDisablement(values, tka.DisablementKDF([]byte("four"))); got != 0 {
		t.Fatalf("MatchDisablement of an unknown value = %d, want 0", got)
	}
	if got := MatchDisablement(nil, values[0]); got != 0 {
		t.Fatalf("MatchDisablement of no values = %d", got)
	}
}
