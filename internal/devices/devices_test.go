package devices

import (
	"strings"
	"testing"
)

const nk1 = "nodekey:0101010101010101010101010101010101010101010101010101010101010101"

func TestParse(t *testing.T) {
	got, err := Parse([]byte(`{"devices":[{"name":"a.ts.net","os":"linux","user":"u@x","tags":["tag:a","tag:b"],"nodeKey":"` + nk1 + `","lastSeen":"2026-01-02T03:04:05Z"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	d, ok := got[nk1]
	if !ok || d.Name != "a.ts.net" || d.OS != "linux" || d.User != "u@x" || d.LastSeen != "2026-01-02T03:04:05Z" || len(got) != 1 {
		t.Fatalf("Parse = %+v", got)
	}
	if !d.HasAllTags([]string{"tag:a", "tag:b"}) || !d.HasAllTags(nil) || d.HasAllTags([]string{"tag:a", "tag:c"}) {
		t.Fatal("HasAllTags is wrong")
	}
}

func TestParseRefuses(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`[1,2]`, "want the admin API's"},
		{`{"devices":[{"nodeKey":"nodekey:zz"}]}`, "devices[0]"},
		{`{"devices":[{"nodeKey":"` + nk1 + `","tailnetLockKey":"tlpub:12"}]}`, "devices[0]"},
	} {
		if _, err := Parse([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%s) = %v, want an error with %q", tc.in, err, tc.want)
		}
	}
}
