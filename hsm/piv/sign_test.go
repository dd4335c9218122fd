package piv

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hdevalence/ed25519consensus"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/internal/vpiv"
)

// TestSign1000 signs 1,000 hashes in one session: one PIN, one touch
// prompt per signature (touch policy "always"), and the next decision
// asks for the PIN again.
func TestSign1000(t *testing.T) {
	card := testCard(t)
	p := &prompt{}
	k := provision(t, ProvisionOptions{}, p) // PIN once, touch always
	var touches atomic.Int32
	k.opts.Touch = func(msg string) { touches.Add(1) }
	ctx := context.Background()
	const n = 1000
	start := time.Now()
	sess, err := k.Unlock(ctx, "request t1, 1000 signatures")
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		h := hashOf(i)
		sig, err := sess.Sign(ctx, h)
		if err != nil {
			t.Fatalf("sign %d: %v", i, err)
		}
		if !ed25519consensus.Verify(k.PublicKey(), h[:], sig) {
			t.Fatalf("signature %d does not verify", i)
		}
	}
	sess.Close()
	t.Logf("%d signs through pcscd in %v", n, time.Since(start))
	if p.count() != 1 || p.asked[0] != "sign with YubiKey 12345678 (request t1, 1000 signatures; 3 tries left)" {
		t.Errorf("PIN asked %d times (%q) for one session with policy once, want once", p.count(), p.asked)
	}
	if touches.Load() != n || card.Signs() != n {
		t.Errorf("touch prompts %d, card signatures %d; want %d each", touches.Load(), card.Signs(), n)
	}
	if _, err := sess.Sign(ctx, hashOf(0)); !errors.Is(err, hsm.ErrSessionClosed) {
		t.Errorf("sign after Close: %v, want ErrSessionClosed", err)
	}
	if st, err := k.Status(ctx); err != nil || st.PINVerified || st.PINRetries != 3 {
		t.Errorf("after Close the card must have forgotten the PIN: %+v, %v", st, err)
	}
	if _, err := k.Sign(ctx, hashOf(0)); err != nil || p.count() != 2 {
		t.Errorf("the next decision must ask again: %v, asked %d times", err, p.count())
	}
}

// TestSessionPINAlways: policy "always" asks once per session and
// presents the kept PIN before each signature; the copy the prompt
// returned is wiped at once.
func TestSessionPINAlways(t *testing.T) {
	card := testCard(t)
	p := &prompt{}
	k := provision(t, ProvisionOptions{PINPolicy: PINAlways, TouchPolicy: TouchNever}, p)
	ctx := context.Background()
	sess, err := k.Unlock(ctx, "request t2, 25 signatures")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range p.returned {
		if !bytes.Equal(b, make([]byte, len(b))) {
			t.Errorf("the PIN the prompt returned was not wiped: %q", b)
		}
	}
	for i := range 25 {
		if _, err := sess.Sign(ctx, hashOf(i)); err != nil {
			t.Fatalf("sign %d: %v", i, err)
		}
	}
	sess.Close()
	if p.count() != 1 || card.Signs() != 25 {
		t.Errorf("PIN asked %d times, card signed %d; want 1 and 25", p.count(), card.Signs())
	}
	if s := sess.(*session); s.pin != nil {
		t.Error("Close kept the PIN")
	}
}

// TestSessionWrongPIN: a wrong PIN fails Unlock with the tries left and
// signs nothing.
func TestSessionWrongPIN(t *testing.T) {
	card := testCard(t)
	for _, pol := range []PINPolicy{PINOnce, PINAlways} {
		card.Reset()
		card.SetSerial(testSerial)
		p := &prompt{pin: "99999999"}
		k := provision(t, ProvisionOptions{PINPolicy: pol, TouchPolicy: TouchNever}, p)
		_, err := k.Unlock(context.Background(), "request t3, 2 signatures")
		var w *hsm.WrongPINError
		if !errors.As(err, &w) || w.TriesLeft != 2 || !errors.Is(err, hsm.ErrWrongPIN) {
			t.Fatalf("policy %v: wrong PIN: %v, want a WrongPINError with 2 tries left", pol, err)
		}
		if card.Signs() != 0 {
			t.Fatalf("policy %v: a refused unlock signed", pol)
		}
		k.Close()
	}
}

// TestSessionCardReplaced: a card that went away during a session has
// forgotten its PIN; the session says so instead of signing unverified.
func TestSessionCardReplaced(t *testing.T) {
	testCard(t)
	k := provision(t, ProvisionOptions{TouchPolicy: TouchNever}, &prompt{})
	ctx := context.Background()
	sess, err := k.Unlock(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if _, err := sess.Sign(ctx, hashOf(0)); err != nil {
		t.Fatal(err)
	}
	k.acquire(ctx)
	k.disconnect() // what a removed card does to the Key
	k.release()
	if _, err := sess.Sign(ctx, hashOf(1)); !errors.Is(err, ErrCardRemoved) {
		t.Fatalf("sign after the connection dropped: %v, want ErrCardRemoved", err)
	}
}

func TestPINAlwaysAsksEveryTime(t *testing.T) {
	testCard(t)
	p := &prompt{}
	k := provision(t, ProvisionOptions{PINPolicy: PINAlways, TouchPolicy: TouchNever}, p)
	for i := range 3 {
		if _, err := k.Sign(context.Background(), hashOf(i)); err != nil {
			t.Fatal(err)
		}
	}
	if p.count() != 3 {
		t.Errorf("PIN asked %d times for 3 signatures with policy always, want 3", p.count())
	}
}

func TestWrongPINThenBlockedThenPUK(t *testing.T) {
	card := testCard(t)
	p := &prompt{pin: "99999999"}
	k := provision(t, ProvisionOptions{TouchPolicy: TouchNever}, p)
	ctx := context.Background()
	for _, left := range []int{2, 1} {
		_, err := k.Sign(ctx, hashOf(0))
		var pe *PINError
		if !errors.As(err, &pe) || pe.Left != left || !errors.Is(err, ErrWrongPIN) {
			t.Fatalf("wrong PIN: err = %v, want a PINError with %d tries left", err, left)
		}
		if st, err := k.Status(ctx); err != nil || !st.Present || st.PINRetries != left || st.Blocked {
			t.Fatalf("Status = %+v, %v; want present with %d tries left", st, err, left)
		}
	}
	if _, err := k.Sign(ctx, hashOf(0)); !errors.Is(err, ErrPINBlocked) {
		t.Fatalf("third wrong PIN: err = %v, want ErrPINBlocked", err)
	}
	p.set(testPIN)
	asked := p.count()
	_, err := k.Sign(ctx, hashOf(0))
	if !errors.Is(err, ErrPINBlocked) || !strings.Contains(err.Error(), "unblock-pin") {
		t.Fatalf("right PIN on a blocked card: err = %v, want ErrPINBlocked naming the unblock command", err)
	}
	if p.count() != asked {
		t.Error("a blocked card still asked for the PIN")
	}
	if st, _ := k.Status(ctx); !st.Blocked || card.PINRetries() != 0 {
		t.Fatalf("Status = %+v, want blocked", st)
	}
	wrongPUK := &prompt{answers: map[string]string{WhyPUK: "00000000", WhyNewPIN: "13243546"}}
	var pe *PINError
	if err := Unblock(ctx, testSerial, wrongPUK); err == nil {
		t.Fatal("Unblock while a Key holds the card succeeded; piv-go opens cards exclusively")
	}
	k.opts.Prompt = wrongPUK
	if err := k.Unblock(ctx); !errors.As(err, &pe) || !pe.PUK || pe.Left != 2 {
		t.Fatalf("wrong PUK: err = %v, want a PUK PINError with 2 tries left", err)
	}
	k.opts.Prompt = &prompt{answers: map[string]string{WhyPUK: testPUK, WhyNewPIN: "13243546"}}
	if err := k.Unblock(ctx); err != nil {
		t.Fatal(err)
	}
	k.opts.Prompt = &prompt{pin: "13243546"}
	if _, err := k.Sign(ctx, hashOf(0)); err != nil {
		t.Fatalf("Sign after unblocking: %v", err)
	}
}

func TestTouch(t *testing.T) {
	card := testCard(t)
	k := provision(t, ProvisionOptions{TouchPolicy: TouchAlways}, &prompt{})
	var told []string
	k.opts.Touch = func(msg string) { told = append(told, msg) }
	ctx := context.Background()

	card.SetTouch(func() error { time.Sleep(50 * time.Millisecond); return nil })
	if _, err := k.Sign(ctx, hashOf(1)); err != nil {
		t.Fatalf("touched: %v", err)
	}
	if len(told) != 1 || told[0] != "touch YubiKey 12345678 now to sign" {
		t.Errorf("touch prompts = %q", told)
	}

	card.SetTouch(func() error { return errors.New("no touch within 15s") })
	if _, err := k.Sign(ctx, hashOf(2)); !errors.Is(err, ErrTouchTimeout) {
		t.Fatalf("untouched: err = %v, want ErrTouchTimeout", err)
	}

	release := make(chan struct{})
	waiting := make(chan struct{})
	card.SetTouch(func() error { close(waiting); <-release; return nil })
	cctx, cancel := context.WithCancel(ctx)
	go func() { <-waiting; cancel() }()
	signs := card.Signs()
	if _, err := k.Sign(cctx, hashOf(3)); !errors.Is(err, ErrCanceled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled while waiting for touch: err = %v, want ErrCanceled", err)
	}
	close(release)
	card.SetTouch(nil)
	if _, err := k.Sign(ctx, hashOf(4)); err != nil {
		t.Fatalf("sign after a canceled sign: %v", err)
	}
	if card.Signs() != signs+2 {
		t.Errorf("card made %d signatures after the cancel, want 2 (the dropped one and the next)", card.Signs()-signs)
	}
}

func TestCardRemovedMidSign(t *testing.T) {
	card := testCard(t)
	k := provision(t, ProvisionOptions{TouchPolicy: TouchAlways}, &prompt{})
	ctx := context.Background()
	if _, err := k.Sign(ctx, hashOf(0)); err != nil {
		t.Fatal(err)
	}
	card.SetTouch(func() error { return vpiv.ErrUnplug })
	_, err := k.Sign(ctx, hashOf(1))
	if !errors.Is(err, ErrCardRemoved) || !strings.Contains(err.Error(), "reinsert") {
		t.Fatalf("unplugged mid-sign: err = %v, want ErrCardRemoved saying to reinsert", err)
	}
	t.Logf("mid-sign removal: %v", err)
	card.Remove()
	card.SetTouch(nil)
	if st, err := k.Status(ctx); err != nil || st.Present {
		t.Errorf("Status with the card out = %+v, %v; want not present", st, err)
	}
	if _, err := k.Sign(ctx, hashOf(2)); !errors.Is(err, ErrNoDevice) {
		t.Errorf("sign with the card out: err = %v, want ErrNoDevice", err)
	}
	if _, err := Open(ctx, Options{Serial: testSerial}); !errors.Is(err, ErrNoDevice) {
		t.Errorf("Open with the card out: err = %v, want ErrNoDevice", err)
	}
	ictx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := card.Insert(ictx); err != nil {
		t.Fatal(err)
	}
	// pcscd notices a card on its next presence poll (about 400 ms, more
	// on a loaded machine): wait until the key sees it, as an operator
	// waits for the light, then sign.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if st, err := k.Status(ctx); err == nil && st.Present {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the reinserted card never showed up as present")
		}
	}
	h := hashOf(3)
	sig, err := k.Sign(ctx, h)
	if err != nil || !ed25519consensus.Verify(k.PublicKey(), h[:], sig) {
		t.Fatalf("sign after reinserting: %v", err)
	}
}

func TestWrongSerialAndOldFirmware(t *testing.T) {
	card := testCard(t)
	ctx := context.Background()
	_, err := Open(ctx, Options{Serial: 87654321})
	if !errors.Is(err, ErrWrongSerial) || !strings.Contains(err.Error(), "12345678") {
		t.Errorf("wrong serial: err = %v, want ErrWrongSerial naming the card found", err)
	}
	card.SetVersion(5, 4, 3)
	if _, err := Provision(ctx, ProvisionOptions{Prompt: freshPrompt()}); !errors.Is(err, ErrFirmware) || !strings.Contains(err.Error(), "5.4.3") {
		t.Errorf("provision on 5.4.3: err = %v, want ErrFirmware naming the version", err)
	}
	if _, err := Open(ctx, Options{Serial: testSerial}); !errors.Is(err, ErrFirmware) {
		t.Errorf("open on 5.4.3: err = %v, want ErrFirmware", err)
	}
	if pin, puk, mgm := card.Defaults(); !pin || !puk || !mgm {
		t.Error("refused provisioning still changed credentials")
	}
}
