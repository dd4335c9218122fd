package signer

import (
	"context"
	"strings"
	"testing"
	"time"
)

// Between prompts nothing typed is shown or kept for the next prompt,
// Ctrl-C shows the hint, prompts still get the terminal at once, and
// Close gives the terminal its settings back.
func TestConsoleIdle(t *testing.T) {
	p := newPTYConsole(t, ConsoleOptions{})
	before, err := p.termios()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.c.StartIdle("to stop: kill it"); err != nil {
		t.Fatal(err)
	}
	p.typeKeys("4711\r")
	p.waitFor(idleDiscarded)
	p.typeKeys("\x03")
	p.waitFor("to stop: kill it")
	if strings.Contains(p.all(), "4711") {
		t.Fatalf("idle keys were echoed: %q", p.all())
	}
	for i := range 3 { // prompts take the terminal from the idle reader
		r := testReview("req-idle-" + string(rune('a'+i)))
		ch := p.confirm(context.Background(), r)
		p.waitFor("Step 1 of 1")
		start := time.Now()
		p.typeKeys(r.Code + "\r")
		if res := p.result(ch); res.d.Outcome != OutcomeApproved {
			t.Fatalf("review %d after idle keys: %+v %v", i, res.d, res.err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("review %d took %v", i, d)
		}
		p.typeKeys("late")
		p.waitFor(idleDiscarded)
	}
	p.c.Close()
	after, err := p.termios()
	if err != nil {
		t.Fatal(err)
	}
	if after.Lflag != before.Lflag {
		t.Errorf("Close left lflag %#x, want %#x", after.Lflag, before.Lflag)
	}
}
