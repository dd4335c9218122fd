package signer

// These tests run the console in a real terminal: tmux starts
// internal/consoledemo in a 120x40 pane, keys go in with send-keys and
// the screen comes back with capture-pane.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signetbox/signet/internal/testenv"
)

// tmuxPane is one consoledemo run in its own tmux server.
type tmuxPane struct {
	t    *testing.T
	sock string
	dir  string
}

// needTmux returns tmux's path; under -short, and outside CI where tmux
// is missing, it skips the test.
func needTmux(t *testing.T) string {
	t.Helper()
	testenv.SkipShort(t, "a real terminal in tmux")
	return testenv.LookPath(t, "tmux")
}

// startTmuxDemo runs consoledemo (built once per test process) and shows r in a fresh 120x40 tmux pane.
func startTmuxDemo(t *testing.T, r Review, timeout time.Duration) *tmuxPane {
	t.Helper()
	return startTmuxDemoSize(t, r, timeout, 120, 40)
}

// startTmuxDemoSize is startTmuxDemo with a pane of cols x rows.
func startTmuxDemoSize(t *testing.T, r Review, timeout time.Duration, cols, rows int) *tmuxPane {
	t.Helper()
	needTmux(t)
	dir := t.TempDir()
	bin := testenv.Build(t, "signer/internal/consoledemo")
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "review.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	p := &tmuxPane{t: t, sock: filepath.Join(dir, "tmux.sock"), dir: dir}
	cmd := fmt.Sprintf("%s -review %s -out %s -timeout %s", bin,
		filepath.Join(dir, "review.json"), filepath.Join(dir, "decision.json"), timeout)
	p.tmux("-f", "/dev/null", "new-session", "-d", "-s", "demo", "-x", fmt.Sprint(cols), "-y", fmt.Sprint(rows), cmd)
	t.Cleanup(func() { exec.Command("tmux", "-S", p.sock, "kill-server").Run() })
	return p
}

// tmux runs a tmux command against this pane's server.
func (p *tmuxPane) tmux(args ...string) string {
	p.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", p.sock}, args...)...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// screen captures the pane's visible text.
func (p *tmuxPane) screen() string {
	out, _ := exec.Command("tmux", "-S", p.sock, "capture-pane", "-p", "-t", "demo").Output()
	return string(out)
}

// waitScreen waits until every one of want shows on the pane at once.
func (p *tmuxPane) waitScreen(want ...string) string {
	p.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var s string
	for time.Now().Before(deadline) {
		s = p.screen()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(s, w)
		}
		if ok {
			return s
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.t.Fatalf("the pane never showed %q; it shows:\n%s", want, s)
	return ""
}

// waitGone waits until text no longer shows on the pane.
func (p *tmuxPane) waitGone(text string) {
	p.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	s := p.screen()
	for strings.Contains(s, text) {
		if time.Now().After(deadline) {
			p.t.Fatalf("the pane still shows %q:\n%s", text, s)
		}
		time.Sleep(50 * time.Millisecond)
		s = p.screen()
	}
}

// typeText types text literally; sendKey presses named keys (Enter, Escape,
// NPage, ...).
func (p *tmuxPane) typeText(text string) { p.tmux("send-keys", "-t", "demo", "-l", text) }
func (p *tmuxPane) sendKey(keys ...string) {
	p.tmux(append([]string{"send-keys", "-t", "demo"}, keys...)...)
}

// decision waits for consoledemo's decision file.
func (p *tmuxPane) decision() (Outcome, string) {
	p.t.Helper()
	path := filepath.Join(p.dir, "decision.json")
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(path)
		if err == nil {
			var res struct{ Outcome, Error string }
			if err := json.Unmarshal(b, &res); err != nil {
				p.t.Fatalf("decision %s: %v", b, err)
			}
			return Outcome(res.Outcome), res.Error
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.t.Fatalf("no decision; the pane shows:\n%s", p.screen())
	return "", ""
}

const tmuxHeader = " signet: sign-node request "

func TestTmuxConsoleOutcomes(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys func(p *tmuxPane, code string)
		want Outcome
	}{
		{"approve", func(p *tmuxPane, code string) { p.typeText(code); p.sendKey("Enter") }, OutcomeApproved},
		{"wrong code", func(p *tmuxPane, code string) { p.typeText("ZZZ-ZZZ"); p.sendKey("Enter") }, OutcomeWrongCode},
		{"enter alone", func(p *tmuxPane, code string) { p.sendKey("Enter") }, OutcomeEmpty},
		{"escape", func(p *tmuxPane, code string) { p.typeText(code[:2]); p.sendKey("Escape") }, OutcomeDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := testReview("tmux-" + strings.ReplaceAll(tc.name, " ", "-"))
			p := startTmuxDemo(t, r, time.Minute)
			p.waitScreen(tmuxHeader+r.ID, "Approval code:  "+r.Code, "Step 1 of 1")
			tc.keys(p, r.Code)
			if got, errText := p.decision(); got != tc.want || errText != "" {
				t.Fatalf("got %s (%s), want %s", got, errText, tc.want)
			}
		})
	}
}

func TestTmuxConsoleTimeout(t *testing.T) {
	r := testReview("tmux-timeout")
	p := startTmuxDemo(t, r, 3*time.Second)
	p.waitScreen("Denied automatically in 0m02s")
	p.waitScreen("Denied automatically in 0m01s")
	if got, errText := p.decision(); got != OutcomeTimeout {
		t.Fatalf("got %s (%s), want timeout", got, errText)
	}
}

func TestTmuxConsoleHostileClaims(t *testing.T) {
	r := testReview("tmux-claims")
	r.Claims = []Claim{
		{"hostname", "\x1b[2J\x1b[31mEVIL\x1b]0;title\x07"},
		{"os", "linux\u202etxt.exe"},
		{"user", "a\rb\x08\x08\x1b[1A\x1b[H\u200bz"},
		{"long", strings.Repeat("W", 200)},
	}
	p := startTmuxDemo(t, r, time.Minute)
	s := p.waitScreen(tmuxHeader+r.ID, "Approval code:  "+r.Code)
	for _, want := range []string{
		"Claims from the request (NOT verified):",
		`  hostname: \x1b[2J\x1b[31mEVIL\x1b]0;title\x07`,
		`  os: linux\u202etxt.exe`,
		`  user: a\x0db\x08\x08\x1b[1A\x1b[H\u200bz`,
		"  long: " + strings.Repeat("W", claimMaxRunes) + " [cut]",
		"What gets signed:",
		"Step 1 of 1, type the approval code:",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("the pane lacks %q; it shows:\n%s", want, s)
		}
	}
	if !strings.HasPrefix(s, tmuxHeader+r.ID) {
		t.Errorf("the header is not on the first row:\n%s", s)
	}
	if title := p.tmux("display-message", "-p", "-t", "demo", "#{pane_title}"); strings.Contains(title, "title") {
		t.Errorf("a claim set the pane title to %q", title)
	}
	p.typeText(r.Code)
	p.sendKey("Enter")
	if got, _ := p.decision(); got != OutcomeApproved {
		t.Fatalf("got %s, want approved", got)
	}
}

func TestTmuxConsoleBatch(t *testing.T) {
	r := batchReview("tmux-batch", 1000)
	p := startTmuxDemo(t, r, time.Minute)
	s := p.waitScreen(" signet: batch request "+r.ID, "Batch of 1000 node keys", "Step 1 of 2")
	if !strings.Contains(s, "   1  "+r.Items[0]) || strings.Contains(s, r.Items[999]) {
		t.Fatalf("first screen should start at item 1:\n%s", s)
	}
	// The footer says "showing" before the keys too: wait for item 1 to
	// go, not for the footer.
	p.sendKey("NPage", "NPage", "Down")
	p.waitGone("   1  " + r.Items[0])
	p.sendKey("End")
	p.waitScreen("1000  "+r.Items[999], "of 1000")
	p.sendKey("Home")
	p.waitScreen("   1  "+r.Items[0], "showing 1-")
	p.typeText("1000")
	p.sendKey("Enter")
	p.waitScreen("Step 2 of 2, type the approval code:")
	p.typeText(r.Code)
	p.sendKey("Enter")
	if got, errText := p.decision(); got != OutcomeApproved {
		t.Fatalf("got %s (%s), want approved", got, errText)
	}
}

// On a small 80x24 screen a long review still shows its header, the code
// and the input line; what does not fit is announced.
func TestTmuxConsoleSmallScreen(t *testing.T) {
	r := batchReview("tmux-small", 1000)
	r.Insecure = true
	r.Override = "more than 500 node keys in one batch"
	r.Summary = []string{strings.Repeat("a long summary line that must wrap ", 6)}
	for i := range 12 {
		r.Summary = append(r.Summary, fmt.Sprintf("summary line %d", i))
	}
	p := startTmuxDemoSize(t, r, time.Minute, 80, 24)
	s := p.waitScreen("Approval code:  "+r.Code, "Step 1 of 3, type OVERRIDE:", "more rows do not fit")
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if !strings.HasPrefix(lines[0], " signet: batch request "+r.ID) || !strings.HasPrefix(lines[1], "WARNING: SOFTWARE KEY") {
		t.Errorf("header rows moved:\n%s", s)
	}
	if len(lines) > 24 {
		t.Errorf("screen has %d rows", len(lines))
	}
	p.typeText("OVERRIDE")
	p.sendKey("Enter")
	p.waitScreen("Step 2 of 3")
	p.typeText("1000")
	p.sendKey("Enter")
	p.waitScreen("Step 3 of 3")
	p.typeText(r.Code)
	p.sendKey("Enter")
	if got, errText := p.decision(); got != OutcomeApproved {
		t.Fatalf("got %s (%s), want approved", got, errText)
	}
}
