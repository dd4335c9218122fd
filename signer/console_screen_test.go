package signer

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/signetbox/signet/terminal/qrscreen"
)

// showQR shows a QR code on the console in the background, as the
// daemon does (qrscreen.Via).
func (p *ptyConsole) showQR(ctx context.Context, title, data string) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- qrscreen.Via(p.c.WithTerminal)(ctx, title, data) }()
	return ch
}

func waitErr(t *testing.T, p *ptyConsole, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(20 * time.Second):
		t.Fatalf("ShowQR did not return; screen:\n%q", tail(p.output(), 2000))
	}
	return nil
}

// A screen of the caller's own (a QR code) gets the console's terminal
// like any prompt, and Esc, a cancelled ctx and Close end it. The QR
// screen itself is tested in package qrscreen.
func TestConsoleWithTerminal(t *testing.T) {
	p := newPTYConsole(t, ConsoleOptions{})
	ch := p.showQR(context.Background(), "esc", "data")
	p.waitFor("press Enter when done")
	p.typeKeys("x\x1b")
	if err := waitErr(t, p, ch); err != nil {
		t.Fatalf("ShowQR after Esc: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	ch = p.showQR(ctx, "cancel", "data")
	p.waitFor("press Enter when done")
	cancel()
	if err := waitErr(t, p, ch); !errors.Is(err, context.Canceled) {
		t.Fatalf("ShowQR after cancel: err = %v, want context.Canceled", err)
	}

	ch = p.showQR(context.Background(), "close", "data")
	p.waitFor("press Enter when done")
	p.c.Close()
	if err := waitErr(t, p, ch); !errors.Is(err, ErrConsoleClosed) {
		t.Fatalf("ShowQR after Close: err = %v, want ErrConsoleClosed", err)
	}
}

// The review workflow links no QR encoder: QR screens are
// terminal/qrscreen's, which the daemon composes with WithTerminal.
func TestConsoleLinksNoQREncoder(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasSuffix(pkg, "/internal/qr") || strings.HasSuffix(pkg, "/qrscreen") {
			t.Errorf("signer links %s", pkg)
		}
	}
}
