package signer

import (
	"context"
	"errors"
	"fmt"
	"github.com/signetbox/signet/api"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/signetbox/signet/internal/ptytest"
	"github.com/signetbox/signet/terminal"
	"golang.org/x/sys/unix"
)

// testReview is a sign-node review with a real approval code.
func testReview(id string) Review {
	digest := []byte("digest of " + id)
	return Review{
		ID:         id,
		Kind:       api.KindSignNode,
		Requester:  "uid 0 pid 812 signet-cli",
		Summary:    []string{"node key nodekey:7c3a9f0e", "signature kind: direct"},
		Claims:     []Claim{{"hostname", "laptop-7"}, {"os", "linux"}},
		Digest:     fmt.Sprintf("%x", digest),
		Head:       "G3QWJ6XWVPZ3AJIRB2ZLXJ4QGVCMN4OC",
		SigningKey: "tlpub:0f1e2d3c (tpm)",
		Code:       ApprovalCode([]byte("test secret for "+id), digest, id),
		Deadline:   time.Now().Add(time.Minute),
	}
}

// runConfirm shows r on a fresh pty console, types each of keys after the
// screen shows the step it answers, and returns the decision.
func runPTYConfirm(t *testing.T, r Review, keys ...string) (confirmResult, *ptyConsole) {
	t.Helper()
	p := newPTYConsole(t, ConsoleOptions{})
	ch := p.confirm(context.Background(), r)
	p.waitFor(r.Code)
	for i, k := range keys {
		p.waitFor(fmt.Sprintf("Step %d of", i+1))
		p.typeKeys(k)
	}
	return p.result(ch), p
}

func TestConsoleApprove(t *testing.T) {
	r := testReview("req-approve")
	res, p := runPTYConfirm(t, r, strings.ToLower(r.Code[:4])+r.Code[5:]+"\r")
	if res.err != nil || res.d.Outcome != OutcomeApproved {
		t.Fatalf("got %+v, %v; want approved", res.d, res.err)
	}
	if !strings.HasPrefix(res.d.Operator, "console /dev/pts/") {
		t.Errorf("operator %q does not name the tty", res.d.Operator)
	}
	p.waitFor("approved")
}

func TestConsoleOutcomes(t *testing.T) {
	r := testReview("req-outcomes")
	other := ApprovalCode([]byte("another secret"), []byte("digest of req-outcomes"), "req-outcomes")
	for _, tc := range []struct {
		name string
		keys string
		want Outcome
	}{
		{"wrong code", other + "\r", OutcomeWrongCode},
		{"enter alone", "\r", OutcomeEmpty},
		{"spaces then enter", "   \r", OutcomeEmpty},
		{"esc", "\x1b", OutcomeDenied},
		{"ctrl-c", "\x03", OutcomeDenied},
		{"esc while typing the code", r.Code[:4] + "\x1b", OutcomeDenied},
		{"code with a typo fixed by backspace", r.Code + "X\x7f\r", OutcomeApproved},
		{"code cleared with ctrl-u", r.Code + "\x15\r", OutcomeEmpty},
		{"arrow keys do not deny", "\x1b[A\x1b[B" + r.Code + "\r", OutcomeApproved},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, _ := runPTYConfirm(t, r, tc.keys)
			if res.err != nil || res.d.Outcome != tc.want {
				t.Fatalf("got %+v, %v; want %s", res.d, res.err, tc.want)
			}
		})
	}
}

func TestConsoleTimeout(t *testing.T) {
	r := testReview("req-timeout")
	r.Deadline = time.Now().Add(1500 * time.Millisecond)
	p := newPTYConsole(t, ConsoleOptions{})
	ch := p.confirm(context.Background(), r)
	p.waitFor("Denied automatically in 0m02s")
	p.waitFor("Denied automatically in 0m01s")
	p.typeKeys(r.Code[:2]) // typing does not hold the deadline off
	res := p.result(ch)
	if res.err != nil || res.d.Outcome != OutcomeTimeout {
		t.Fatalf("got %+v, %v; want timeout", res.d, res.err)
	}
}

// Keys typed before the prompt is on screen must not answer it.
func TestConsoleTypeAheadDiscarded(t *testing.T) {
	r := testReview("req-typeahead")
	r.Deadline = time.Now().Add(time.Second)
	p := newPTYConsole(t, ConsoleOptions{})
	p.typeKeys(r.Code + "\r")
	time.Sleep(50 * time.Millisecond)
	res := p.result(p.confirm(context.Background(), r))
	if res.d.Outcome != OutcomeTimeout {
		t.Fatalf("got %+v, %v; want timeout (type-ahead discarded)", res.d, res.err)
	}
}

func TestConsoleCancel(t *testing.T) {
	r := testReview("req-cancel")
	p := newPTYConsole(t, ConsoleOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	ch := p.confirm(ctx, r)
	p.waitFor(r.Code)
	p.typeKeys(r.Code)
	p.waitFor(r.Code) // echoed in the input line
	start := time.Now()
	cancel()
	res := p.result(ch)
	if res.d.Outcome != OutcomeDenied || !errors.Is(res.err, context.Canceled) {
		t.Fatalf("got %+v, %v; want denied with context.Canceled", res.d, res.err)
	}
	if waited := time.Since(start); waited > confirmTick*4 {
		t.Errorf("cancel took %v to deny", waited)
	}
}

func TestConsoleCloseDenies(t *testing.T) {
	r := testReview("req-close")
	p := newPTYConsole(t, ConsoleOptions{})
	ch := p.confirm(context.Background(), r)
	p.waitFor(r.Code)
	p.c.Close()
	res := p.result(ch)
	if res.d.Outcome != OutcomeDenied || !errors.Is(res.err, ErrConsoleClosed) {
		t.Fatalf("got %+v, %v; want denied with ErrConsoleClosed", res.d, res.err)
	}
}

func TestConsoleNoCodeRefused(t *testing.T) {
	p := newPTYConsole(t, ConsoleOptions{})
	r := testReview("req-nocode")
	r.Code = " "
	d, err := p.c.Confirm(context.Background(), r)
	if err == nil || d.Approved() {
		t.Fatalf("got %+v, %v; want a refusal", d, err)
	}
}

func TestConsoleOverride(t *testing.T) {
	r := testReview("req-override")
	r.Override = "rate limit: 31 signatures in the last hour (max 30)"
	for _, tc := range []struct {
		name string
		keys []string
		want Outcome
	}{
		{"word then code", []string{"OVERRIDE\r", r.Code + "\r"}, OutcomeApproved},
		{"code without the word", []string{r.Code + "\r"}, OutcomeWrongCode},
		{"lower-case word", []string{"override\r"}, OutcomeWrongCode},
		{"word then enter", []string{"OVERRIDE\r", "\r"}, OutcomeEmpty},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, p := runPTYConfirm(t, r, tc.keys...)
			if res.err != nil || res.d.Outcome != tc.want {
				t.Fatalf("got %+v, %v; want %s", res.d, res.err, tc.want)
			}
			all := p.all()
			for _, want := range []string{"SAFETY RAIL OVERRIDDEN: rate limit: 31", "type OVERRIDE, then type the approval code"} {
				if !strings.Contains(all, want) {
					t.Errorf("screen lacks %q", want)
				}
			}
		})
	}
}

// batchReview is a batch of n node keys.
func batchReview(id string, n int) Review {
	r := testReview(id)
	r.Kind = api.KindBatch
	r.Summary = []string{fmt.Sprintf("%d direct node-key signatures", n)}
	for i := range n {
		r.Items = append(r.Items, fmt.Sprintf("nodekey:%064x", i+1))
	}
	return r
}

func TestConsoleBatch(t *testing.T) {
	r := batchReview("req-batch", 1000)
	for _, tc := range []struct {
		name string
		keys []string
		want Outcome
	}{
		{"count then code", []string{"1000\r", r.Code + "\r"}, OutcomeApproved},
		{"wrong count", []string{"999\r"}, OutcomeWrongCode},
		{"code instead of count", []string{r.Code + "\r"}, OutcomeWrongCode},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, _ := runPTYConfirm(t, r, tc.keys...)
			if res.err != nil || res.d.Outcome != tc.want {
				t.Fatalf("got %+v, %v; want %s", res.d, res.err, tc.want)
			}
		})
	}
}

func TestConsoleBatchScroll(t *testing.T) {
	r := batchReview("req-scroll", 1000)
	p := newPTYConsole(t, ConsoleOptions{})
	ch := p.confirm(context.Background(), r)
	p.waitFor("Batch of 1000 node keys")
	p.waitFor(r.Items[0])
	if strings.Contains(p.output(), r.Items[999]) {
		t.Fatal("the last item is on the first screen")
	}
	p.typeKeys("\x1b[F") // End
	p.waitFor("1000  " + r.Items[999])
	p.waitFor("of 1000")
	p.typeKeys("\x1b[H\x1b[6~\x1b[B") // Home, PgDn, Down
	p.waitFor("showing ")
	p.typeKeys("\x1b[5~\x1b[A\x1b[A") // PgUp, Up past the top
	p.waitFor("showing 1-")
	p.typeKeys("1000\r")
	p.waitFor("Step 2 of 2")
	p.typeKeys(r.Code + "\r")
	if res := p.result(ch); res.err != nil || res.d.Outcome != OutcomeApproved {
		t.Fatalf("got %+v, %v; want approved", res.d, res.err)
	}
}

func TestConsoleInsecureWarning(t *testing.T) {
	r := testReview("req-soft")
	r.Insecure = true
	res, p := runPTYConfirm(t, r, "\x1b")
	if res.d.Outcome != OutcomeDenied {
		t.Fatalf("got %+v", res.d)
	}
	if !strings.Contains(p.all(), terminal.StyleWarn+"WARNING: SOFTWARE KEY:") {
		t.Error("the software-key warning is missing or not in the warning colour")
	}
}

func TestConsoleScreenShowsReview(t *testing.T) {
	r := testReview("req-screen")
	r.Kind = api.KindAddKey
	r.Effect = []string{"adds tlpub:aa11 with 1 vote"}
	r.Claims = append(r.Claims, Claim{"hostname", "\x1b[2J\x1b[31mEVIL\x1b]0;title\x07\u202eexe.txt"})
	res, p := runPTYConfirm(t, r, "\x1b")
	if res.d.Outcome != OutcomeDenied {
		t.Fatalf("got %+v", res.d)
	}
	all := p.all()
	for _, want := range append(r.Summary, r.Effect[0], r.Digest, r.Head, r.SigningKey, r.Requester,
		"Claims from the request (NOT verified):", "hostname: laptop-7",
		`hostname: \x1b[2J\x1b[31mEVIL\x1b]0;title\x07\u202eexe.txt`) {
		if !strings.Contains(all, want) {
			t.Errorf("screen lacks %q", want)
		}
	}
	for _, bad := range []string{"\x1b[31m", "\x1b]0;", "\a", "\u202e"} {
		if strings.Contains(all, bad) {
			t.Errorf("screen output carries the claim's raw %q", bad)
		}
	}
}

func TestConsoleNotify(t *testing.T) {
	p := newPTYConsole(t, ConsoleOptions{})
	p.c.Notify("touch the key now \x1b[31m")
	p.waitFor(`touch the key now \x1b[31m`)
	r := testReview("req-notify")
	ch := p.confirm(context.Background(), r)
	p.waitFor(r.Code)
	p.c.Notify("another request is waiting")
	p.waitFor("another request is waiting")
	p.typeKeys("\x1b")
	p.result(ch)
}

func TestConsolePINNoEcho(t *testing.T) {
	p := newPTYConsole(t, ConsoleOptions{})
	const pin = "735194"
	type res struct {
		pin []byte
		err error
	}
	ch := make(chan res, 1)
	go func() {
		got, err := p.c.PIN(context.Background(), "unseal the signing key")
		ch <- res{got, err}
	}()
	p.waitFor("PIN to unseal the signing key")
	p.typeKeys(pin[:3])
	p.typeKeys("9\x7f" + pin[3:] + "\r")
	got := <-ch
	if got.err != nil || string(got.pin) != pin {
		t.Fatalf("got %q, %v; want the typed PIN", got.pin, got.err)
	}
	p.waitFor("\x1b[2K") // the prompt row is erased
	time.Sleep(50 * time.Millisecond)
	if all := p.all(); strings.Contains(all, pin[:3]) || strings.Contains(all, "*") {
		t.Fatalf("the PIN (or a mask) reached the screen: %q", all)
	}

	for _, tc := range []struct {
		keys string
		want error
	}{{"12\x1b", ErrPINCanceled}, {"\r", ErrPINEmpty}} {
		go func() {
			got, err := p.c.PIN(context.Background(), "sign")
			ch <- res{got, err}
		}()
		p.waitFor("PIN to sign")
		p.typeKeys(tc.keys)
		if got := <-ch; !errors.Is(got.err, tc.want) || got.pin != nil {
			t.Errorf("keys %q: got %q, %v; want %v", tc.keys, got.pin, got.err, tc.want)
		}
	}
}

func TestConsolePINCancel(t *testing.T) {
	p := newPTYConsole(t, ConsoleOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan error, 1)
	go func() {
		_, err := p.c.PIN(ctx, "sign")
		ch <- err
	}()
	p.waitFor("PIN to sign")
	p.typeKeys("1234")
	cancel()
	select {
	case err := <-ch:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("PIN did not return after cancel")
	}
}

// Two requests at once: the second waits for the first.
func TestConsoleOneAtATime(t *testing.T) {
	p := newPTYConsole(t, ConsoleOptions{})
	r1, r2 := testReview("req-first"), testReview("req-second")
	ch1 := p.confirm(context.Background(), r1)
	p.waitFor(r1.Code)
	ch2 := p.confirm(context.Background(), r2)
	time.Sleep(100 * time.Millisecond)
	if strings.Contains(p.output(), r2.Code) {
		t.Fatal("the second request was drawn over the first")
	}
	p.waitFor("Step 1 of")
	p.typeKeys(r1.Code + "\r")
	if res := p.result(ch1); res.d.Outcome != OutcomeApproved {
		t.Fatalf("first: %+v %v", res.d, res.err)
	}
	p.waitFor(r2.Code)
	p.waitFor("Step 1 of")
	p.typeKeys("\r")
	if res := p.result(ch2); res.d.Outcome != OutcomeEmpty {
		t.Fatalf("second: %+v %v", res.d, res.err)
	}
}

func TestConsoleNotATerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "notatty")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := NewConsole(f, ConsoleOptions{}); err == nil || !strings.Contains(err.Error(), "is not a terminal") {
		t.Fatalf("got %v, want a not-a-terminal error", err)
	}
}

// A terminal the runtime cannot poll (like os.Stdin) still works, through
// a non-blocking duplicate that Close turns back to blocking.
func TestConsoleUnpollableTTY(t *testing.T) {
	m, s := ptytest.Open(t, 40, 120)
	fd, err := unix.Open(s.Name(), unix.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	blocking := os.NewFile(uintptr(fd), s.Name())
	defer blocking.Close()
	if err := blocking.SetReadDeadline(time.Time{}); err == nil {
		t.Fatal("test setup: the file is pollable")
	}
	c, err := NewConsole(blocking, ConsoleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := &ptyConsole{t: t, master: m, slave: s, c: c, scr: ptytest.Record(t, m)}
	r := testReview("req-unpollable")
	ch := p.confirm(context.Background(), r)
	p.waitFor("Step 1 of 1")
	p.typeKeys(r.Code + "\r")
	if res := p.result(ch); res.d.Outcome != OutcomeApproved {
		t.Fatalf("got %+v, %v", res.d, res.err)
	}
	c.Close()
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil || flags&unix.O_NONBLOCK != 0 {
		t.Fatalf("after Close the terminal is non-blocking (flags %#x, %v)", flags, err)
	}
}
