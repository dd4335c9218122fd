package ceremony

import (
	"context"
	"strings"
	"testing"

	"github.com/signetbox/signet/tka"
)

// TestAskPeople reads the witnesses: enough, fewer (confirmed, or more
// names after all), typos and repeats re-asked, three in a row fatal.
func TestAskPeople(t *testing.T) {
	tests := []struct {
		name      string
		in        []string
		want      string
		fewer     bool
		wantErr   string
		wantTyped string // printed on the terminal
	}{
		{name: "two", in: []string{"Alice", "Bob", ""}, want: `["Alice" "Bob"]`},
		{name: "one, confirmed", in: []string{"Alice", "", FewerWord}, want: `["Alice"]`, fewer: true,
			wantTyped: "Only 1 present: the runbook asks for at least 2 people"},
		{name: "one, then another", in: []string{"Alice", "", "", "Bob", ""}, want: `["Alice" "Bob"]`},
		{name: "confirmation mistyped", in: []string{"Alice", "", "fewer", FewerWord}, want: `["Alice"]`, fewer: true,
			wantTyped: `Type "fewer witnesses" exactly, or press Enter.`},
		{name: "confirmation never typed", in: []string{"Alice", "", "yes", "ok", "sure"},
			wantErr: `you did not type "fewer witnesses"; nothing was changed`},
		{name: "repeat re-asked", in: []string{"Alice", "alice", "Bob", ""}, want: `["Alice" "Bob"]`,
			wantTyped: "that name was already typed as person 1; type it again."},
		{name: "nobody", in: []string{"", "", ""}, wantErr: "person 1: at least one name is needed"},
		{name: "control characters", in: []string{"a\x1b[2J", "b\x07", "c\x00"}, wantErr: "person 1: the name holds a control or non-printing character"},
		{name: "too long", in: []string{strings.Repeat("x", 65), strings.Repeat("x", 65), strings.Repeat("é", 65)}, wantErr: "person 1: the name is longer than 64 characters"},
		{name: "terminal closed", in: []string{"Alice"}, wantErr: "the terminal closed before a line was typed"},
		{name: "closed at the confirmation", in: []string{"Alice", ""}, wantErr: "the terminal closed before a line was typed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			term := newTerm(tt.in...)
			names, fewer, err := askPeople(context.Background(), term)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || fmtLines(names) != tt.want || fewer != tt.fewer {
				t.Fatalf("askPeople = %q, %v, %v; want %s, %v", names, fewer, err, tt.want, tt.fewer)
			}
			if !strings.Contains(term.out.String(), tt.wantTyped) {
				t.Errorf("the terminal lacks %q:\n%s", tt.wantTyped, term.out.String())
			}
		})
	}
	// The list stops at maxPeople.
	var many []string
	for i := range maxPeople + 1 {
		many = append(many, strings.Repeat("p", i+1))
	}
	names, _, err := askPeople(context.Background(), newTerm(many...))
	if err != nil || len(names) != maxPeople {
		t.Errorf("%d names: %d, %v", maxPeople+1, len(names), err)
	}
}

// TestAskKeys reads the other keys: typos, repeats and the box's own key
// are re-asked; three in a row stop.
func TestAskKeys(t *testing.T) {
	box, err := tka.ParseTLPub("tlpub:c3b139090016a1ced8304a4ac3a356e858ace55f9f83a9763acb3061b88b1147")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, want, wantErr, wantTyped string
		in                             []string
	}{
		{name: "none", in: []string{""}, want: "[]"},
		{name: "one with votes", in: []string{otherKey + "?2", ""}, want: `["` + otherKey + `?2"]`},
		{name: "typo re-asked", in: []string{otherKey[:69], otherKey, ""}, want: `["` + otherKey + `"]`,
			wantTyped: "want 64 hex digits, got 63; type it again."},
		{name: "box key", in: []string{tka.FormatTLPub(box), ""}, want: "[]",
			wantTyped: "that is the box's own key, which is trusted anyway; type it again."},
		{name: "repeat", in: []string{otherKey, otherKey, ""}, want: `["` + otherKey + `"]`,
			wantTyped: "that key was already typed as key 1; type it again."},
		{name: "three typos", in: []string{"tlpub:zz", "x", "nlpub:"}, wantErr: `key 1: tailnet-lock key "nlpub:": want 64 hex digits, got 0`},
		{name: "closed", in: nil, wantErr: "the terminal closed before a line was typed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			term := newTerm(tt.in...)
			keys, err := askKeys(context.Background(), term, box)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			got := []string{}
			for _, k := range keys {
				got = append(got, FormatKeyArg(k))
			}
			if err != nil || fmtLines(got) != tt.want {
				t.Fatalf("askKeys = %q, %v; want %s", got, err, tt.want)
			}
			if !strings.Contains(term.out.String(), tt.wantTyped) {
				t.Errorf("the terminal lacks %q:\n%s", tt.wantTyped, term.out.String())
			}
		})
	}
}

// TestConfirmWord wants the word exactly.
func TestConfirmWord(t *testing.T) {
	ctx := context.Background()
	if err := confirmWord(ctx, newTerm("begin"), "Check.", "begin"); err != nil {
		t.Error(err)
	}
	if err := confirmWord(ctx, newTerm("Begin"), "Check.", "begin"); err == nil || err.Error() != `you did not type "begin"; nothing was changed` {
		t.Error(err)
	}
	if err := confirmWord(ctx, newTerm(), "Check.", "begin"); err == nil {
		t.Error("a closed terminal confirmed")
	}
}
