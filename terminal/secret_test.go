package terminal

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/signetbox/signet/hsm"
)

type secretResult struct {
	s   *hsm.Secret
	err error
}

// readSecret runs ReadSecret in the background.
func (p *ptyTTY) readSecret(ctx context.Context, prompt string) <-chan secretResult {
	ch := make(chan secretResult, 1)
	go func() {
		s, err := p.tty.ReadSecret(ctx, prompt)
		ch <- secretResult{s, err}
	}()
	return ch
}

func waitSecret(t *testing.T, ch <-chan secretResult) secretResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("ReadSecret did not return")
	}
	return secretResult{}
}

// The secret is never echoed, editing keys work, what was typed before
// the prompt is dropped, and the prompt row is erased afterwards.
func TestReadSecret(t *testing.T) {
	p := newPTY(t, 24, 80, Options{})
	p.typeKeys("early")
	time.Sleep(50 * time.Millisecond)
	ch := p.readSecret(context.Background(), "PIN to \x1b[31msign: ")
	p.waitFor(`PIN to \x1b[31msign: `)
	p.typeKeys("zz\x15" + "73\x01" + "9\x7f5194\r")
	r := waitSecret(t, ch)
	if r.err != nil {
		t.Fatal(r.err)
	}
	defer r.s.Close()
	if got := string(r.s.Bytes()); got != "735194" {
		t.Fatalf("got %q, want 735194", got)
	}
	p.waitFor("\x1b[23;1H\x1b[2K") // the prompt row is erased
	if all := p.all(); strings.Contains(all, "73") || strings.Contains(all, "*") {
		t.Fatalf("the secret (or a mask) reached the screen: %q", all)
	}
}

func TestReadSecretEnds(t *testing.T) {
	p := newPTY(t, 24, 80, Options{})
	for _, tc := range []struct {
		keys string
		want error
	}{{"12\x1b", ErrSecretCanceled}, {"12\x03", ErrSecretCanceled}, {"\r", ErrSecretEmpty}} {
		ch := p.readSecret(context.Background(), "PIN: ")
		p.waitFor("PIN: ")
		p.typeKeys(tc.keys)
		if r := waitSecret(t, ch); !errors.Is(r.err, tc.want) || r.s != nil {
			t.Errorf("keys %q: got %v, %v; want %v", tc.keys, r.s, r.err, tc.want)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	ch := p.readSecret(ctx, "PIN: ")
	p.waitFor("PIN: ")
	p.typeKeys("1234")
	cancel()
	if r := waitSecret(t, ch); !errors.Is(r.err, context.Canceled) {
		t.Errorf("cancelled: got %v", r.err)
	}

	ch = p.readSecret(context.Background(), "PIN: ")
	p.waitFor("PIN: ")
	p.tty.Stop()
	if r := waitSecret(t, ch); !errors.Is(r.err, ErrClosed) {
		t.Errorf("stopped: got %v, want ErrClosed", r.err)
	}
}

// A notice that arrives while a secret is typed is drawn on the status
// line, and the secret is unharmed.
func TestReadSecretNotice(t *testing.T) {
	p := newPTY(t, 24, 80, Options{NoColor: true})
	ch := p.readSecret(context.Background(), "PIN: ")
	p.waitFor("PIN: ")
	p.typeKeys("12")
	p.tty.Notify("touch the key")
	p.waitFor("\x1b[24;1H\x1b[2Ktouch the key")
	p.typeKeys("34\r")
	r := waitSecret(t, ch)
	if r.err != nil || string(r.s.Bytes()) != "1234" {
		t.Fatalf("got %v, %v", r.s, r.err)
	}
	r.s.Close()
}

func TestReadSecretNotATerminal(t *testing.T) {
	p := newPTY(t, 24, 80, Options{})
	p.tty.Close()
	p.slave.Close()
	if _, err := p.tty.ReadSecret(context.Background(), "PIN: "); err == nil {
		t.Fatal("ReadSecret on a closed terminal did not fail")
	}
}
