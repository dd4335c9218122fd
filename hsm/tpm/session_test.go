package tpm_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/hdevalence/ed25519consensus"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/internal/hsmtest"
	"github.com/signetbox/signet/hsm/tpm"
)

// secretPrompt answers with pin in a locked Secret, counts the questions
// and keeps what it handed out, to check the key closed it.
type secretPrompt struct {
	mu    sync.Mutex
	pin   string
	asked []string
	given []*hsm.Secret
}

func (p *secretPrompt) PIN(ctx context.Context, why string) ([]byte, error) {
	s, err := p.PINSecret(ctx, why)
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), s.Bytes()...), nil
}

func (p *secretPrompt) PINSecret(ctx context.Context, why string) (*hsm.Secret, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked = append(p.asked, why)
	s := hsm.NewSecret(len(p.pin))
	s.Append([]byte(p.pin)...)
	p.given = append(p.given, s)
	return s, nil
}

// TestSessionOnePIN: one PIN and one unseal sign 1,000 digests; the PIN's
// buffer is wiped once the seed is unsealed, and the session refuses to
// sign after Close.
func TestSessionOnePIN(t *testing.T) {
	sw := startSWTPM(t, false)
	path, _ := sw.provisionClosed()
	p := &secretPrompt{pin: testPIN}
	k, err := tpm.Open(context.Background(), path, sw.Device, p)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	ctx := context.Background()
	sess, err := k.Unlock(ctx, "request b1, 1000 signatures")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.given) != 1 || p.given[0].Bytes() != nil {
		t.Fatal("the PIN's buffer is still open after the unseal")
	}
	for i := range 1000 {
		h := hsmtest.Hash(i)
		sig, err := sess.Sign(ctx, h)
		if err != nil {
			t.Fatalf("sign %d: %v", i, err)
		}
		if !ed25519consensus.Verify(k.PublicKey(), h[:], sig) {
			t.Fatalf("signature %d does not verify", i)
		}
	}
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := sess.Sign(ctx, hsmtest.Hash(0)); !errors.Is(err, hsm.ErrSessionClosed) {
		t.Fatalf("sign after Close: %v, want ErrSessionClosed", err)
	}
	if want := "sign with the TPM key (request b1, 1000 signatures)"; len(p.asked) != 1 || p.asked[0] != want {
		t.Errorf("PIN questions %q, want one: %q", p.asked, want)
	}
	if st, _ := k.Status(ctx); st.PINRetries != 3 {
		t.Errorf("the session spent PIN tries: %+v", st)
	}
}

// TestSessionWrongPIN: a wrong PIN fails Unlock with the tries left,
// and its buffer is wiped too.
func TestSessionWrongPIN(t *testing.T) {
	sw := startSWTPM(t, false)
	path, _ := sw.provisionClosed()
	p := &secretPrompt{pin: "000000"}
	k, err := tpm.Open(context.Background(), path, sw.Device, p)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	_, err = k.Unlock(context.Background(), "")
	var w *hsm.WrongPINError
	if !errors.As(err, &w) || w.TriesLeft != 2 {
		t.Fatalf("wrong PIN: %v, want 2 tries left", err)
	}
	if p.given[0].Bytes() != nil {
		t.Error("a refused PIN's buffer is still open")
	}
}

// BenchmarkSessionSWTPM reports the median time of one Unlock (one
// unseal on swtpm) plus 1,000 signatures in memory.
func BenchmarkSessionSWTPM(b *testing.B) {
	sw := startSWTPM(b, false)
	path, _ := sw.provisionClosed()
	k, err := tpm.Open(context.Background(), path, sw.Device, hsm.FixedPIN(testPIN))
	if err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	hsmtest.BenchBatch(b, "session-1000-swtpm", k, 1000)
}
