package keyplan

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/tka"
)

func TestPlanText(t *testing.T) {
	p, err := Build(Input{Info: info(), Status: status(t), Add: freshTL, Remove: oldTL, Exclude: map[tka.NodeKey]bool{oldNode1: true}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"box key:       " + boxTL,
		"trusted keys:  2 before, 2 after",
		"step 1: add-key AUM: adds " + freshTL,
		"step 2: re-sign batch: 1 node(s) signed by " + oldTL + " get a direct signature by the box key",
		"  re-sign " + oldNode0.String() + "  old-0.example.ts.net.",
		"step 3: remove-key AUM: removes " + oldTL,
		"  left unsigned: " + oldNode1.String() + "  old-1.example.ts.net.",
		"refused: 1 node(s) of the status whose signature does not verify under the authority; they are never re-signed",
	}
	got := p.Text(false)
	if len(got) != len(want)+2 {
		t.Fatalf("Text() has %d lines, want %d:\n%s", len(got), len(want)+2, strings.Join(got, "\n"))
	}
	for i, w := range want {
		if got[i] != w {
			t.Errorf("line %d = %q, want %q", i, got[i], w)
		}
	}
	// Text of the status is made plain: no escape sequence gets through.
	if !strings.HasPrefix(got[8], "  refused "+forged.String()+"  ") || strings.ContainsRune(got[8], '\x1b') {
		t.Errorf("refused line %q", got[8])
	}
	if !strings.HasPrefix(got[9], "SAFETY RAIL: 1 node(s) signed by the removed key would be left unsigned") {
		t.Errorf("rail line %q", got[9])
	}
}

func TestPlanTextHandoff(t *testing.T) {
	p, err := Build(Input{Info: info(), Status: status(t), Add: freshTL, Remove: boxTL})
	if err != nil {
		t.Fatal(err)
	}
	got := p.Text(true)
	if len(got) < 5 || got[3] != p.Finish(true)[1] || got[4] != "  (this box's key is the one removed: it cannot re-sign nodes with it)" {
		t.Fatalf("handoff text:\n%s", strings.Join(got, "\n"))
	}
	for _, l := range got {
		if strings.Contains(l, "re-sign batch") {
			t.Errorf("a handoff re-signs nothing on this box: %q", l)
		}
	}
}

func TestPlanRun(t *testing.T) {
	p, err := Build(Input{Info: info(), Status: status(t), Add: freshTL, Remove: oldTL})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	if err := p.Run(true, "base", func(s Step, id string) error { ids = append(ids, id+"/"+string(s.Request.Kind)); return nil }); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ids, " "); got != "base-add/add-key base-resign/batch base-remove/remove-key" {
		t.Fatalf("sent %s", got)
	}
	refused := errors.New("denied on the console")
	ids = nil
	err = p.Run(false, "b", func(s Step, id string) error {
		ids = append(ids, id)
		if s.Suffix == "resign" {
			return refused
		}
		return nil
	})
	if !errors.Is(err, refused) || err.Error() != "step resign stopped the plan (later steps were not sent): denied on the console" || len(ids) != 2 {
		t.Fatalf("a refusal: %v after %v", err, ids)
	}
}

func TestRecoveryText(t *testing.T) {
	auth, st := chain(t)
	req, err := ParseRecovery([]string{oldTL}, "")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := BuildRecovery(auth, st, req, tka.KeyID(boxKey.PublicKey()))
	if err != nil {
		t.Fatal(err)
	}
	fork, _ := rec.AUM.Parent()
	text := strings.Join(rec.Text(auth), "\n")
	for _, want := range []string{
		fmt.Sprintf("head now:   %v\nforks from: %v\n", auth.Head(), fork),
		"REMOVES " + oldTL + " (1 vote(s))",
		"keeps   " + boxTL + " (2 vote(s))",
		"recovery AUM (unsigned): " + tka.FormatHexAUM(rec.AUM) + "\n",
		"then tailscale lock revoke-keys --finish HEX",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("recovery text lacks %q:\n%s", want, text)
		}
	}
	evil := tka.FormatTLPub(evilKey.PublicKey())
	w := rec.Warnings()
	if len(w) != 1 || !strings.HasPrefix(w[0], evil+" was added by AUM ") || !strings.HasSuffix(w[0], "add --plan "+evil+" to remove it too") {
		t.Fatalf("warnings %q", w)
	}
	if (&Recovery{AUM: rec.AUM}).Warnings() != nil {
		t.Error("a recovery that keeps no addition warns")
	}
}

func TestSelectorCheck(t *testing.T) {
	tests := []struct {
		sel     Selector
		all     bool
		devices bool
		limit   int
		want    string
	}{
		{Selector{Name: "exit-*"}, false, false, 0, ""},
		{Selector{}, true, false, 5, ""},
		{Selector{Tags: []string{"tag:x"}}, false, true, 0, ""},
		{Selector{Name: "x"}, true, false, 0, "give either --all or --name/--tag, not both"},
		{Selector{}, false, false, 0, "no selector: give --name GLOB or --tag TAG to pick nodes, or --all for every locked-out node"},
		{Selector{Tags: []string{"tag:x"}}, false, false, 0, "--tag needs --devices-json: 'tailscale lock status --json' carries no tags"},
		{Selector{}, true, false, -1, "--limit is -1; it must be 0 (all) or more"},
		{Selector{Name: "[x"}, false, false, 0, `--name "[x" is not a valid pattern: syntax error in pattern`},
	}
	for _, tt := range tests {
		err := tt.sel.Check(tt.all, tt.devices, tt.limit)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%+v all=%v: %v", tt.sel, tt.all, err)
		case tt.want != "" && (err == nil || err.Error() != tt.want || !cli.IsUsage(err)):
			t.Errorf("%+v all=%v: got %v, want usage error %q", tt.sel, tt.all, err, tt.want)
		}
	}
	if got := LimitNote(0); got != "; the daemon skips those it signed before" {
		t.Errorf("LimitNote(0) = %q", got)
	}
	if got := LimitNote(3); got != "; the daemon skips those it signed before and signs at most 3 of the others" {
		t.Errorf("LimitNote(3) = %q", got)
	}
}

func TestParseNodeKeys(t *testing.T) {
	got, err := ParseNodeKeys("--exclude", []string{oldNode0.String(), oldNode1.String(), oldNode0.String()})
	if err != nil || len(got) != 2 || !got[oldNode0] || !got[oldNode1] {
		t.Fatalf("ParseNodeKeys = %v, %v", got, err)
	}
	if got, err := ParseNodeKeys("--exclude", nil); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("no keys: %v, %v", got, err)
	}
	_, err = ParseNodeKeys("--exclude", []string{oldNode0.String(), "nodekey:zz"})
	if err == nil || !cli.IsUsage(err) || !strings.HasPrefix(err.Error(), "--exclude: ") {
		t.Fatalf("a bad key: %v, want a usage error naming --exclude", err)
	}
}
