package keyplan

import (
	"errors"
	"strings"
	"testing"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/tka"
)

func TestBuildRotation(t *testing.T) {
	p, err := Build(Input{Info: info(), Status: status(t), Add: freshTL + "?2", Remove: oldTL})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Add.Equal(freshKey.PublicKey()) || p.Votes != 2 || !p.Remove.Equal(oldKey.PublicKey()) || !p.Box.Equal(boxKey.PublicKey()) || p.Handoff {
		t.Fatalf("plan keys: %+v", p)
	}
	if got, want := nodeKeys(p.Resign), "["+oldNode0.String()+" "+oldNode1.String()+"]"; got != want {
		t.Fatalf("re-sign %s, want %s", got, want)
	}
	if len(p.Left) != 0 || len(p.Rails) != 0 {
		t.Fatalf("left %v, rails %v; want none", p.Left, p.Rails)
	}
	if len(p.Refused) != 1 || p.Refused[0].NodeKey != forged.String() {
		t.Fatalf("refused %+v, want the forged entry", p.Refused)
	}
	if strings.Join(p.Before, " ") != boxTL+" "+oldTL || strings.Join(p.After, " ") != boxTL+" "+freshTL {
		t.Fatalf("keys before %v after %v", p.Before, p.After)
	}
	if err := p.RailError(false); err != nil {
		t.Fatal(err)
	}
}

func TestBuildAddAlreadyTrustedAddsNothing(t *testing.T) {
	p, err := Build(Input{Info: info(), Status: status(t), Add: boxTL, Remove: oldTL})
	if err != nil {
		t.Fatal(err)
	}
	if p.Add != nil || len(p.After) != 1 {
		t.Fatalf("add %v after %v", p.Add, p.After)
	}
	// One key left: the daemon's own rail, in its own words.
	if len(p.Rails) != 1 || p.Rails[0] != signer.KeyCountRail(1) {
		t.Fatalf("rails %q, want the key-count rail", p.Rails)
	}
	err = p.RailError(false)
	if err == nil || !strings.Contains(err.Error(), "fewer than two") {
		t.Fatalf("RailError = %v", err)
	}
	var h interface{ Hints() []string }
	if !errors.As(err, &h) || !strings.Contains(strings.Join(h.Hints(), " "), "--override") {
		t.Fatalf("the rail error does not say how to override: %v", err)
	}
	if p.RailError(true) != nil {
		t.Fatal("--override must let the plan through")
	}
}

func TestBuildExcludedNodeBreaksARail(t *testing.T) {
	p, err := Build(Input{Info: info(), Status: status(t), Add: freshTL, Remove: oldTL, Exclude: map[tka.NodeKey]bool{oldNode1: true}})
	if err != nil {
		t.Fatal(err)
	}
	if nodeKeys(p.Left) != "["+oldNode1.String()+"]" || len(p.Rails) != 1 || !strings.Contains(p.Rails[0], "1 node(s) signed by the removed key would be left unsigned") {
		t.Fatalf("left %v rails %q", p.Left, p.Rails)
	}
	p, err = Build(Input{Info: info(), Status: status(t), Add: freshTL, Remove: oldTL, Exclude: map[tka.NodeKey]bool{oldNode1: true}, Intended: map[tka.NodeKey]bool{oldNode1: true}})
	if err != nil || len(p.Rails) != 0 {
		t.Fatalf("an intended node left unsigned is no rail: %v %q", err, p.Rails)
	}
}

func TestBuildHandoff(t *testing.T) {
	p, err := Build(Input{Info: info(), Status: status(t), Add: freshTL, Remove: boxTL})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Handoff || len(p.Rails) != 0 {
		t.Fatalf("handoff %v rails %q", p.Handoff, p.Rails)
	}
	steps := p.Steps(false)
	if len(steps) != 1 || steps[0].Suffix != "add" || steps[0].Request.Kind != api.KindAddKey {
		t.Fatalf("a handoff sends only the add-key step, got %+v", steps)
	}
	fin := p.Finish(false)
	if len(fin) != 2 || !strings.Contains(fin[1], "signet rotate execute --status-json FILE --remove "+boxTL) {
		t.Fatalf("rotate handoff finish %q", fin)
	}
	fin = p.Finish(true)
	if !strings.Contains(fin[1], "the same signet revoke-device command with --confirm") {
		t.Fatalf("revoke handoff finish %q", fin)
	}
}

func TestBuildRefuses(t *testing.T) {
	bad := info()
	bad.Votes = []uint{1}
	badKey := info()
	badKey.Keys[1] = "tlpub:00"
	badBox := info()
	badBox.BoxKey = "nope"
	for _, tc := range []struct {
		name  string
		in    Input
		want  string
		usage bool
	}{
		{"votes", Input{Info: bad, Remove: oldTL}, "2 keys and 1 votes", false},
		{"daemon key", Input{Info: badKey, Remove: oldTL}, "the daemon's trusted key 1", false},
		{"box key", Input{Info: badBox, Remove: oldTL}, "the daemon's box key", false},
		{"remove", Input{Info: info(), Remove: "tlpub:zz"}, "--remove", true},
		{"untrusted", Input{Info: info(), Remove: freshTL}, "is not a trusted key of the authority", false},
		{"add", Input{Info: info(), Remove: oldTL, Add: "tlpub:zz"}, "--add", true},
		{"same", Input{Info: info(), Remove: oldTL, Add: oldTL}, "--add and --remove name the same key", true},
	} {
		tc.in.Status = status(t)
		_, err := Build(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) || cli.IsUsage(err) != tc.usage {
			t.Errorf("%s: Build = %v (usage %v), want %q (usage %v)", tc.name, err, cli.IsUsage(err), tc.want, tc.usage)
		}
	}
}

func TestStepsAndBatch(t *testing.T) {
	p, err := Build(Input{Info: info(), Status: status(t), Add: freshTL, Remove: oldTL})
	if err != nil {
		t.Fatal(err)
	}
	steps := p.Steps(true)
	var suffixes []string
	for _, s := range steps {
		suffixes = append(suffixes, s.Suffix)
	}
	if strings.Join(suffixes, " ") != "add resign remove" {
		t.Fatalf("steps %v", suffixes)
	}
	if steps[0].Request.Key != freshTL || steps[0].Request.Votes != 1 || steps[2].Request.Key != oldTL || !steps[2].Request.Override {
		t.Fatalf("add %+v remove %+v", steps[0].Request, steps[2].Request)
	}
	b := steps[1].Request
	if b.Kind != api.KindBatch || len(b.Nodes) != 2 {
		t.Fatalf("batch %+v", b)
	}
	if n := b.Nodes[0]; n.NodeKey != oldNode0.String() || n.TLPub != tka.FormatTLPub(rotKey.PublicKey()) || n.Claims["device"] != "old-0.example.ts.net" {
		t.Fatalf("batch node 0 keeps its rotation key: %+v", n)
	}
	if n := b.Nodes[1]; n.TLPub != "" || n.Claims["re-sign"] == "" {
		t.Fatalf("batch node 1: %+v", n)
	}
	if fin := p.Finish(true); len(fin) != 3 || !strings.Contains(fin[1], "deliver the re-signed signatures") {
		t.Fatalf("finish %q", fin)
	}

	// Nothing to re-sign and nothing to add: only the removal.
	p.Resign, p.Add = nil, nil
	if steps := p.Steps(false); len(steps) != 1 || steps[0].Suffix != "remove" || steps[0].Request.Override {
		t.Fatalf("steps %+v", steps)
	}
	if fin := p.Finish(false); len(fin) != 1 || !strings.Contains(fin[0], "remove-key AUM last") {
		t.Fatalf("finish %q", fin)
	}
}
