package terminal

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// SGR styles for signet's own text. Text from a request never carries any.
const (
	StyleTitle    = "\x1b[1;7m"
	StyleWarn     = "\x1b[1;7;31m" // bold, reverse, red
	StyleOverride = "\x1b[1;7;33m" // bold, reverse, yellow
	StyleHeading  = "\x1b[1m"
	StyleClaims   = "\x1b[1;33m"
	StyleCode     = "\x1b[1;7m"
	StyleNotice   = "\x1b[1;36m"
	StyleDim      = "\x1b[2m"
	styleReset    = "\x1b[0m"
)

// Style wraps s in the SGR style st unless colours are off.
func (t *TTY) Style(st, s string) string {
	if t.noColor || st == "" || s == "" {
		return s
	}
	return st + s + styleReset
}

// NoColor reports whether colours and bold are off.
func (t *TTY) NoColor() bool { return t.noColor }

// Row is one row of a screen: sanitised text and its style.
type Row struct{ Text, Style string }

// Rows collects rows for a screen Cols columns wide.
type Rows struct {
	Cols int
	Rows []Row
}

// Add appends text (already sanitised), wrapped at the screen width;
// continuation rows are indented by indent spaces.
func (s *Rows) Add(style, text string, indent int) {
	width := s.Cols - 1 // never write the last column: EL there erases a glyph
	for first := true; first || text != ""; first = false {
		prefix := ""
		if !first {
			prefix = strings.Repeat(" ", indent)
		}
		head, tail := SplitWords(text, max(width-len(prefix), 8))
		s.Rows = append(s.Rows, Row{prefix + head, style})
		text = tail
	}
}

// AddCut appends text (already sanitised) cut, not wrapped, at the
// screen width.
func (s *Rows) AddCut(style, text string) {
	head, _ := splitRunes(text, s.Cols-1)
	s.Rows = append(s.Rows, Row{head, style})
}

// SplitWords splits s after at most n columns, at the last space if there
// is one in the second half of the row (hex and keys break anywhere).
func SplitWords(s string, n int) (string, string) {
	head, tail := splitRunes(s, n)
	if tail == "" || tail[0] == ' ' {
		return head, strings.TrimPrefix(tail, " ")
	}
	if i := strings.LastIndexByte(head, ' '); i > len(head)/2 {
		return head[:i], s[i+1:]
	}
	return head, tail
}

// splitRunes splits s after at most n columns (one per rune).
func splitRunes(s string, n int) (string, string) {
	i := 0
	for k := 0; i < len(s) && k < n; k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i], s[i:]
}

// Render turns rows into escape codes that redraw the whole screen
// without flicker, then writes the status line on the bottom row and puts
// the cursor at (curRow, curCol), both 1-based. full clears the screen
// first.
//
// NOTE(console): each row is drawn at its own absolute position, and
// autowrap (DECAWM) is off while the frame is drawn: a row the terminal
// finds wider than counted is clipped at the right edge by the terminal
// itself, and can neither spill into the next row nor scroll the screen.
// Rows past the last but one are dropped, so the frame never scrolls.
func (t *TTY) Render(rows []Row, screenH, cols, curRow, curCol int, full bool) string {
	var b strings.Builder
	b.WriteString("\x1b[?25l\x1b[?7l\x1b[0m")
	if full {
		b.WriteString("\x1b[2J")
	}
	n := min(len(rows), screenH-1)
	for i, r := range rows[:max(n, 0)] {
		fmt.Fprintf(&b, "\x1b[%d;1H%s\x1b[K", i+1, t.Style(r.Style, r.Text))
	}
	fmt.Fprintf(&b, "\x1b[%d;1H\x1b[J", max(n, 0)+1)
	fmt.Fprintf(&b, "\x1b[%d;1H%s\x1b[K", screenH, t.StatusText(cols))
	fmt.Fprintf(&b, "\x1b[?7h\x1b[%d;%dH\x1b[?25h", min(curRow, max(screenH-1, 1)), curCol)
	return b.String()
}

// ShowAbove writes msg (sanitised, cut to fit) in style st on the row
// above the status line, keeping the cursor where it was.
func (t *TTY) ShowAbove(st, msg string) error {
	rows, cols := t.Size()
	text, _ := SanitizeCap(msg, cols-1)
	return t.Print(fmt.Sprintf("\x1b7\x1b[%d;1H\x1b[2K%s\x1b8", rows-1, t.Style(st, text)))
}
