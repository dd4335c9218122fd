package signer

import (
	"testing"

	"github.com/signetbox/signet/terminal"
)

func TestConsoleBodyWindow(t *testing.T) {
	var rows []terminal.Row
	for i := range 10 {
		rows = append(rows, terminal.Row{Text: string(rune('a' + i))})
	}
	s := &confirmState{}
	if got := s.bodyWindow(rows, 10); len(got) != 10 {
		t.Fatalf("a body that fits is windowed: %d rows", len(got))
	}
	s.top = 100 // End
	got := s.bodyWindow(rows, 4)
	if len(got) != 4 || got[0].Text != "h" || got[2].Text != "j" || got[3].Text != "(rows 8-10 of 10: Up/Down, PgUp/PgDn scroll)" {
		t.Fatalf("got %+v", got)
	}
}
