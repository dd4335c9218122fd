package keyplan

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/tka"
)

func TestKeyChangeRequest(t *testing.T) {
	one, err := KeyChangeRequest(api.KindAddKey, []string{freshTL + "?3"})
	if err != nil || one.Key != freshTL || one.Votes != 3 || len(one.Keys) != 0 {
		t.Fatalf("one key: %+v, %v", one, err)
	}
	two, err := KeyChangeRequest(api.KindAddKey, []string{freshTL + "?2", oldTL})
	if err != nil || two.Key != "" || len(two.Keys) != 2 || two.Keys[0].Votes != 2 || two.Keys[1].Key != oldTL {
		t.Fatalf("two keys: %+v, %v", two, err)
	}
	rm, err := KeyChangeRequest(api.KindRemoveKey, []string{oldTL, freshTL})
	if err != nil || rm.Kind != api.KindRemoveKey || rm.Keys[0].Votes != 0 {
		t.Fatalf("remove two: %+v, %v", rm, err)
	}
}

func TestKeyChangeRequestRefuses(t *testing.T) {
	var many []string
	for i := range api.MaxKeyChanges + 1 {
		many = append(many, tka.FormatTLPub(chaingen.NewKey(uint64(100+i)).PublicKey()))
	}
	for _, tc := range []struct {
		kind api.Kind
		args []string
		want string
	}{
		{api.KindAddKey, []string{"tlpub:zz"}, "tlpub"},
		{api.KindRemoveKey, []string{oldTL + "?2"}, "a key to remove takes no ?VOTES"},
		{api.KindAddKey, []string{oldTL, freshTL, oldTL}, "is given twice"},
		{api.KindAddKey, nil, "no key given"},
		{api.KindAddKey, many, fmt.Sprintf("%d keys in one request; at most %d", len(many), api.MaxKeyChanges)},
	} {
		_, err := KeyChangeRequest(tc.kind, tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !cli.IsUsage(err) {
			t.Errorf("%s %d keys: %v, want a usage error with %q", tc.kind, len(tc.args), err, tc.want)
		}
	}
}

func TestHandoffRunbook(t *testing.T) {
	steps := Handoff(oldTL, freshTL)
	if len(steps) != 12 {
		t.Fatalf("%d steps", len(steps))
	}
	var add, execute bool
	for _, s := range steps {
		add = add || s.Where == "old box" && s.Command == "signet add "+freshTL
		execute = execute || s.Where == "new box" && s.Command == "signet rotate execute --status-json status.json --remove "+oldTL
	}
	if !add || !execute {
		t.Fatalf("the runbook misses the add on the old box or the execute on the new one: %+v", steps)
	}
	// The removal invalidates every signature by the old key, so the
	// re-signed ones must reach the nodes first.
	remove := steps[9].What
	if d, r := strings.Index(remove, "deliver the re-signed"), strings.Index(remove, "submit the remove-key AUM"); d < 0 || r < d {
		t.Fatalf("step 10 must deliver the re-signed signatures before submitting the removal: %q", remove)
	}
}

// TestHandoffDocumented: the runbook in docs/rotation.md is exactly what
// "signet rotate handoff" prints with its default keys.
func TestHandoffDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/rotation.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "--new tlpub:NEW` prints this list:\n\n```\n")
	block, _, closed := strings.Cut(rest, "```\n")
	if !ok || !closed {
		t.Fatal("docs/rotation.md has no handoff block after \"prints this list:\"")
	}
	if want := HandoffText("tlpub:OLD", "tlpub:NEW"); block != want {
		t.Errorf("docs/rotation.md's handoff block differs from signet rotate handoff; it should read:\n%s", want)
	}
}

func TestJSON(t *testing.T) {
	p, err := Build(Input{Info: info(), Status: status(t), Add: freshTL, Remove: oldTL})
	if err != nil {
		t.Fatal(err)
	}
	j := p.JSON("nodekey:x")
	if j.SchemaVersion != "1" || j.Revoke != "nodekey:x" || j.Add == nil || j.Add.Key != freshTL || j.Remove != oldTL || len(j.Resign) != 2 ||
		j.Resign[0].SignedBy != oldTL || j.LeftUnsigned == nil || j.Rails == nil || len(j.Refused) != 1 || j.Refused[0].Claimed != oldTL {
		t.Fatalf("JSON = %+v", j)
	}
	p.Add, p.Refused = nil, nil
	if j := p.JSON(""); j.Add != nil || j.Refused == nil || len(j.Refused) != 0 {
		t.Fatalf("JSON without add or refused: %+v", j)
	}
}
