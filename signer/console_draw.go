package signer

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// SGR styles for the console's own text. Request text never carries any.
const (
	styleTitle    = "\x1b[1;7m"
	styleWarn     = "\x1b[1;7;31m" // bold, reverse, red
	styleOverride = "\x1b[1;7;33m" // bold, reverse, yellow
	styleHeading  = "\x1b[1m"
	styleClaims   = "\x1b[1;33m"
	styleCode     = "\x1b[1;7m"
	styleNotice   = "\x1b[1;36m"
	styleDim      = "\x1b[2m"
	styleReset    = "\x1b[0m"
)

// style wraps s in an SGR style unless colours are off.
func (c *Console) style(st, s string) string {
	if c.opts.NoColor || st == "" || s == "" {
		return s
	}
	return st + s + styleReset
}

// screenRow is one row of the screen: sanitised text and its style.
type screenRow struct{ text, style string }

// screenRows collects rows, wrapping text at the screen width.
type screenRows struct {
	cols int
	rows []screenRow
}

// add appends text (already sanitised), wrapped; continuation rows are
// indented by indent spaces.
func (s *screenRows) add(style, text string, indent int) {
	width := s.cols - 1 // never write the last column: EL there erases a glyph
	for first := true; first || text != ""; first = false {
		prefix := ""
		if !first {
			prefix = strings.Repeat(" ", indent)
		}
		head, tail := splitWords(text, max(width-len(prefix), 8))
		s.rows = append(s.rows, screenRow{prefix + head, style})
		text = tail
	}
}

// addCut appends text cut (not wrapped) at the screen width.
func (s *screenRows) addCut(style, text string) {
	head, _ := splitRunes(text, s.cols-1)
	s.rows = append(s.rows, screenRow{head, style})
}

// splitWords splits s after at most n columns, at the last space if there
// is one in the second half of the row (hex and keys break anywhere).
func splitWords(s string, n int) (string, string) {
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

// render turns rows into escape codes that redraw the whole screen
// without flicker, then writes the notice on the bottom row and puts the
// cursor at (curRow, curCol), both 1-based.
//
// NOTE(console): each row is drawn at its own absolute position, and
// autowrap (DECAWM) is off while the frame is drawn: a row the terminal
// finds wider than counted is clipped at the right edge by the terminal
// itself, and can neither spill into the next row nor scroll the screen.
// Rows past the last but one are dropped, so the frame never scrolls.
func (c *Console) render(rows []screenRow, screenH, cols, curRow, curCol int, full bool) string {
	var b strings.Builder
	b.WriteString("\x1b[?25l\x1b[?7l\x1b[0m")
	if full {
		b.WriteString("\x1b[2J")
	}
	n := min(len(rows), screenH-1)
	for i, r := range rows[:max(n, 0)] {
		fmt.Fprintf(&b, "\x1b[%d;1H%s\x1b[K", i+1, c.style(r.style, r.text))
	}
	fmt.Fprintf(&b, "\x1b[%d;1H\x1b[J", max(n, 0)+1)
	fmt.Fprintf(&b, "\x1b[%d;1H%s\x1b[K", screenH, c.noticeText(cols))
	fmt.Fprintf(&b, "\x1b[?7h\x1b[%d;%dH\x1b[?25h", min(curRow, max(screenH-1, 1)), curCol)
	return b.String()
}

// countdown formats the time left before the request is denied.
func countdown(left time.Duration) string {
	s := int((left + time.Second - 1) / time.Second)
	return fmt.Sprintf("%dm%02ds", s/60, s%60)
}
