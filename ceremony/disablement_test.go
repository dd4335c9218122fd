package ceremony

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/terminal"
	"github.com/signetbox/signet/tka"
)

func hintsOf(err error) string {
	var h interface{ Hints() []string }
	if errors.As(err, &h) {
		return strings.Join(h.Hints(), "|")
	}
	return ""
}

func TestReadDisablementSecretStdin(t *testing.T) {
	secret := bytes.Repeat([]byte{0xab}, SecretLen)
	line := tka.FormatDisablementSecret(secret)
	ctx := context.Background()
	for name, in := range map[string]string{"newline": line + "\nmore\n", "no newline": line, "spaces": "  " + line + "  \n"} {
		got, err := ReadDisablementSecret(ctx, nil, strings.NewReader(in))
		if err != nil || !bytes.Equal(got, secret) {
			t.Errorf("%s: %x, %v", name, got, err)
		}
	}
	// stdin needs the prefix.
	if _, err := ReadDisablementSecret(ctx, nil, strings.NewReader(strings.Repeat("ab", SecretLen))); !errors.Is(err, ErrSecretForm) {
		t.Errorf("no prefix on stdin: %v, want ErrSecretForm", err)
	}
	for _, in := range []string{"", "\n", "   \nsecond line\n"} {
		_, err := ReadDisablementSecret(ctx, nil, strings.NewReader(in))
		if err == nil || err.Error() != "no disablement secret on stdin" || !strings.Contains(hintsOf(err), "pipe one line disablement-secret:HEX") {
			t.Errorf("stdin %q: %v (hints %q)", in, err, hintsOf(err))
		}
	}
	boom := errors.New("boom")
	if _, err := ReadDisablementSecret(ctx, nil, iotest.ErrReader(boom)); !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "reading stdin: ") {
		t.Errorf("a failing stdin: %v", err)
	}
	// A line longer than a terminal line is cut there, not read on.
	long := line + strings.Repeat("0", terminal.MaxLineLen)
	if _, err := ReadDisablementSecret(ctx, nil, strings.NewReader(long)); err == nil || strings.Contains(err.Error(), "abab") || !strings.Contains(err.Error(), "1006 hex digits") {
		t.Errorf("an overlong line: %v", err)
	}
}

func TestReadDisablementSecretConsole(t *testing.T) {
	secret := bytes.Repeat([]byte{0x01}, SecretLen)
	ctx := context.Background()
	// On the console the prefix is optional.
	term := newTerm(strings.Repeat("01", SecretLen))
	got, err := ReadDisablementSecret(ctx, term, strings.NewReader("ignored"))
	if err != nil || !bytes.Equal(got, secret) || len(term.prompts) != 1 || term.prompts[0] != SecretPrompt {
		t.Fatalf("console: %x, %v, prompts %q", got, err, term.prompts)
	}
	if _, err := ReadDisablementSecret(ctx, newTerm(), nil); err == nil {
		t.Fatal("a closed console gave a secret")
	}
	if _, err := ReadDisablementSecret(ctx, newTerm("disablement-secret:0102"), nil); err == nil || strings.Contains(err.Error(), "0102") {
		t.Fatalf("a short secret: %v", err)
	}
}

func TestCheckDisablement(t *testing.T) {
	s1, s2 := bytes.Repeat([]byte{1}, SecretLen), bytes.Repeat([]byte{2}, SecretLen)
	k := chaingen.NewKey(1)
	state := tka.State{Keys: []tka.Key{tka.NewEd25519Key(k.PublicKey(), 1)},
		DisablementValues: [][]byte{tka.DisablementKDF(s1), tka.DisablementKDF(s2)}, StateID1: 1}
	a, _, err := tka.Create(context.Background(), tka.NewMemStore(), state, k)
	if err != nil {
		t.Fatal(err)
	}
	secret := bytes.Clone(s2)
	m, err := CheckDisablement(a, secret)
	if err != nil {
		t.Fatal(err)
	}
	if m.SchemaVersion != DisablementSchema || m.Matches != 2 || m.DisablementValues != 2 || m.Head != a.Head().String() ||
		m.DisablementValue != tka.FormatDisablement(tka.DisablementKDF(s2)) {
		t.Fatalf("match %+v", m)
	}
	if !bytes.Equal(secret, make([]byte, SecretLen)) {
		t.Error("CheckDisablement left the secret in memory")
	}
	if want := "the secret matches disablement value 2 of 2 of the authority (head " + a.Head().String() + ")"; m.Line() != want {
		t.Errorf("Line() = %q, want %q", m.Line(), want)
	}
	_, err = CheckDisablement(a, bytes.Repeat([]byte{3}, SecretLen))
	if err == nil || err.Error() != "the secret matches none of the authority's 2 disablement values (head "+a.Head().String()+")" ||
		!strings.Contains(hintsOf(err), "signet chain import") {
		t.Fatalf("no match: %v (hints %q)", err, hintsOf(err))
	}
}
