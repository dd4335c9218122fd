package testrig

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signetbox/signet/internal/consolescreen"
	"github.com/signetbox/signet/internal/ptytest"
	"github.com/signetbox/signet/internal/testenv"
)

// review is a review screen as the console draws it, with escapes.
func review(kind, id, code string, batch int) string {
	s := fmt.Sprintf("\x1b[2J\x1b[H signet: %s request %s \r\n", kind, id)
	if batch > 0 {
		s += fmt.Sprintf("Batch of %d node keys (Up/Down)\r\n", batch)
	}
	return s + "\x1b[1mApproval code:  " + code + "\x1b[0m\r\n"
}

// TestOperatorPTY plays the daemon on the slave side of a pty: it draws
// a PIN prompt and reviews, and reads what the operator types, under
// each policy.
func TestOperatorPTY(t *testing.T) {
	master, slave := ptytest.Open(t, 50, 150)
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(slave)
		for sc.Scan() {
			lines <- strings.TrimRight(sc.Text(), "\r")
		}
		close(lines)
	}()
	typed := func(want string) {
		t.Helper()
		select {
		case got := <-lines:
			if got != want {
				t.Fatalf("the operator typed %q, want %q", got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("the operator did not type %q within 10 s", want)
		}
	}
	draw := func(s string) {
		t.Helper()
		if _, err := slave.WriteString(s); err != nil {
			t.Fatal(err)
		}
	}
	approved := make(chan struct{}, 1)
	op := StartOperator(PTY{Master: master}, OperatorConfig{PIN: "2468", Policy: ApproveAll, Approved: approved})

	draw("\x1b[7mPIN to sign with the TPM key:\x1b[0m ")
	typed("2468")
	wasSignalled := func() {
		t.Helper()
		select {
		case <-approved:
		case <-time.After(10 * time.Second):
			t.Fatal("no value on Approved after an approval")
		}
	}
	draw(review("sign-node", "r1", "ABCD-2345", 0))
	typed("ABCD-2345")
	wasSignalled()
	draw(review("batch", "r2", "WXYZ-6789", 3))
	typed("3")
	typed("WXYZ-6789")
	wasSignalled()

	// Left alone, a review waits; a new policy answers it (on a pty,
	// whose Read blocks, at the next output).
	op.SetPolicy(nil)
	draw(review("sign-node", "r3", "EFGH-2345", 0))
	select {
	case got := <-lines:
		t.Fatalf("with a nil policy the operator typed %q", got)
	case <-time.After(300 * time.Millisecond):
	}
	op.SetPolicy(DenySome(rand.New(rand.NewPCG(1, 2)), 1))
	draw("\r\n")
	typed(WrongCode)
	select {
	case <-approved:
		t.Fatal("a denial put a value on Approved")
	default:
	}
	// A review drawn again is not answered again.
	draw(review("sign-node", "r3", "EFGH-2345", 0))
	select {
	case got := <-lines:
		t.Fatalf("the operator typed %q for a review it had answered", got)
	case <-time.After(300 * time.Millisecond):
	}

	if got := op.PINs(); got != 1 {
		t.Errorf("PINs() = %d, want 1", got)
	}
	if a, d := op.Approvals(), op.Denials(); a != 2 || d != 1 {
		t.Errorf("Approvals, Denials = %d, %d; want 2, 1", a, d)
	}
	if got := op.Reviewed(); !slices.Equal(got, []string{"r1", "r2", "r3"}) {
		t.Errorf("Reviewed() = %q, want r1 r2 r3", got)
	}
	if !op.WasApproved("r1") || !op.WasApproved("r2") || op.WasApproved("r3") {
		t.Errorf("WasApproved r1, r2, r3 = %v, %v, %v; want true, true, false", op.WasApproved("r1"), op.WasApproved("r2"), op.WasApproved("r3"))
	}
	// Closing the pty ends the operator with the read error.
	master.Close()
	select {
	case <-op.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the operator did not end when its pty closed")
	}
	if op.Err() == nil {
		t.Error("Err() is nil after the pty closed under the operator")
	}
}

// TestOperatorTmux runs a script that asks for a PIN and an approval in
// a real tmux session, with the operator on the pane's output stream.
func TestOperatorTmux(t *testing.T) {
	testenv.SkipShort(t, "a real terminal in tmux")
	testenv.LookPath(t, "tmux")
	dir := t.TempDir()
	gate, stream := filepath.Join(dir, "gate"), filepath.Join(dir, "pane.out")
	script := filepath.Join(dir, "console.sh")
	body := fmt.Sprintf(`while [ ! -e %s ]; do sleep 0.02; done
printf 'PIN to sign: '; read pin; echo "got-pin=$pin"
printf ' signet: batch request t1 \nBatch of 2 node keys\nApproval code:  WXYZ-6789\n'
read n; read code; echo "got-batch=$n got-code=$code"
sleep 60
`, gate)
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	session := testenv.TmuxSession(t, 150, 50, "sh "+script)
	if err := PipePane(session, stream); err != nil {
		t.Fatal(err)
	}
	op := StartOperator(NewTmux(session, stream), OperatorConfig{PIN: "1357"})
	t.Cleanup(op.Stop)
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	waitStream := func(want string) {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			raw, _ := os.ReadFile(stream)
			if strings.Contains(string(consolescreen.Strip(raw)), want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the pane never showed %q; it showed:\n%s", want, consolescreen.Strip(raw))
			}
		}
	}
	waitStream("got-pin=1357")
	time.Sleep(200 * time.Millisecond) // no policy yet: the review waits
	if op.Approvals() != 0 {
		t.Fatal("the operator answered a review with no policy")
	}
	op.SetPolicy(ApproveAll)
	waitStream("got-batch=2 got-code=WXYZ-6789")
	op.Stop()
	if op.Err() != nil || op.PINs() != 1 || !op.WasApproved("t1") {
		t.Errorf("after Stop: Err %v, PINs %d, WasApproved(t1) %v; want nil, 1, true", op.Err(), op.PINs(), op.WasApproved("t1"))
	}
}
