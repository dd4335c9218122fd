package terminal

import (
	"strings"
	"testing"
)

func TestRowsWrap(t *testing.T) {
	r := &Rows{Cols: 21}
	r.Add(StyleHeading, "type the approval code, then Enter", 2)
	r.AddCut("", "0123456789abcdefghijklmnop")
	want := []Row{
		{"type the approval", StyleHeading},
		{"  code, then Enter", StyleHeading},
		{"0123456789abcdefghij", ""},
	}
	if len(r.Rows) != len(want) {
		t.Fatalf("rows %q, want %q", r.Rows, want)
	}
	for i := range want {
		if r.Rows[i] != want[i] {
			t.Errorf("row %d = %q, want %q", i, r.Rows[i], want[i])
		}
	}
	empty := &Rows{Cols: 10}
	empty.Add("", "", 0)
	if len(empty.Rows) != 1 || empty.Rows[0].Text != "" {
		t.Errorf("empty text: %q, want one empty row", empty.Rows)
	}
}

func TestStyle(t *testing.T) {
	p := newPTY(t, 24, 80, Options{})
	if got := p.tty.Style(StyleWarn, "hi"); got != StyleWarn+"hi\x1b[0m" {
		t.Errorf("Style = %q", got)
	}
	if got := p.tty.Style(StyleWarn, ""); got != "" {
		t.Errorf("Style of nothing = %q", got)
	}
	plain := newPTY(t, 24, 80, Options{NoColor: true})
	if got := plain.tty.Style(StyleWarn, "hi"); got != "hi" || !plain.tty.NoColor() {
		t.Errorf("NoColor: Style = %q", got)
	}
}

// Render draws each row at its own position with autowrap off, never
// writes past the row above the status line, and puts the cursor where
// asked.
func TestRender(t *testing.T) {
	p := newPTY(t, 24, 80, Options{NoColor: true})
	p.tty.Notify("ready")
	var rows []Row
	for i := range 30 {
		rows = append(rows, Row{Text: strings.Repeat("x", i)})
	}
	out := p.tty.Render(rows, 5, 80, 9, 3, true)
	for _, want := range []string{"\x1b[?7l", "\x1b[2J", "\x1b[1;1H\x1b[K", "\x1b[4;1Hxxx\x1b[K", "\x1b[5;1Hready\x1b[K", "\x1b[?7h\x1b[4;3H"} {
		if !strings.Contains(out, want) {
			t.Errorf("frame lacks %q: %q", want, out)
		}
	}
	if strings.Contains(out, "xxxx") {
		t.Errorf("frame drew rows past the screen: %q", out)
	}
	if out := p.tty.Render(nil, 5, 80, 1, 1, false); strings.Contains(out, "\x1b[2J") {
		t.Errorf("a partial frame clears the screen: %q", out)
	}
}

// The status line shows the tag and the notice, sanitised and cut; while
// a screen is active a notice only marks it for redrawing.
func TestStatusLine(t *testing.T) {
	p := newPTY(t, 24, 40, Options{NoColor: true})
	if got := p.tty.StatusText(40); got != "" {
		t.Errorf("empty status = %q", got)
	}
	p.tty.Notify("signing \x1b[2J " + strings.Repeat("n", 60))
	p.waitFor("\x1b7\x1b[24;1H\x1b[2Ksigning \\x1b[2J nnn")
	if got := p.tty.StatusText(40); len(got) != 39 {
		t.Errorf("status %q is %d columns, want 39", got, len(got))
	}
	p.tty.SetTag("INSECURE")
	if got := p.tty.StatusText(40); !strings.HasPrefix(got, "INSECURE signing") || len(got) != 39 {
		t.Errorf("tagged status = %q", got)
	}
	p.tty.ClearNotice()
	if got := p.tty.StatusText(40); got != "INSECURE" {
		t.Errorf("tag alone = %q", got)
	}
	p.tty.SetActive(true)
	before := len(p.all())
	p.tty.Notify("later")
	if !p.tty.NoticeChanged() || p.tty.NoticeChanged() {
		t.Error("a notice on an active screen is not reported exactly once")
	}
	p.tty.SetActive(false)
	p.tty.DrawStatus()
	p.waitFor("INSECURE later")
	if strings.Contains(p.all()[before:len(p.all())-len("INSECURE later\x1b8")], "later") {
		t.Error("a notice was drawn over an active screen")
	}
	if err := p.tty.ShowAbove(StyleNotice, "above \x07"); err != nil {
		t.Fatal(err)
	}
	p.waitFor("\x1b[23;1H\x1b[2Kabove \\x07\x1b8")
}
