package keyplan

import (
	"strings"
	"testing"

	"github.com/signetbox/signet/internal/devices"
)

func TestSelectLockedOut(t *testing.T) {
	all, err := SelectLockedOut(status(t), nil, Selector{})
	if err != nil || len(all) != 2 || all[0].NodeKey != locked1.String() || all[1].Claims["device"] != "laptop.example.ts.net" {
		t.Fatalf("select all = %+v, %v", all, err)
	}
	got, err := SelectLockedOut(status(t), nil, Selector{Name: "exit-*"})
	if err != nil || len(got) != 1 || got[0].NodeKey != locked1.String() || got[0].TLPub != "" {
		t.Fatalf("select exit-* = %+v, %v", got, err)
	}
	devs := map[string]devices.Device{
		locked2.String(): {OS: "macOS", User: "alice@example.com", Tags: []string{"tag:laptop", "tag:eu"}, TailnetLockKey: freshTL},
		locked1.String(): {OS: "linux", Tags: []string{"tag:exit"}},
	}
	got, err = SelectLockedOut(status(t), devs, Selector{Tags: []string{"tag:laptop", "tag:eu"}})
	if err != nil || len(got) != 1 {
		t.Fatalf("select by tags = %+v, %v", got, err)
	}
	n := got[0]
	if n.NodeKey != locked2.String() || n.TLPub != freshTL || n.Claims["os"] != "macOS" || n.Claims["login"] != "alice@example.com" || n.Claims["tags"] != "tag:laptop,tag:eu" {
		t.Fatalf("the device list's claims: %+v", n)
	}
}

func TestSelectLockedOutRefuses(t *testing.T) {
	_, err := SelectLockedOut(status(t), nil, Selector{Name: "db-*"})
	if err == nil || !strings.Contains(err.Error(), "no locked-out node matches (the status lists 2 locked-out node(s))") {
		t.Fatalf("an empty selection: %v", err)
	}
	// A tag needs the device list: without it no node carries one.
	if _, err := SelectLockedOut(status(t), nil, Selector{Tags: []string{"tag:exit"}}); err == nil {
		t.Fatal("a tag matched without a device list")
	}
	st := status(t)
	st.FilteredPeers[0].NodeKey = "nodekey:zz"
	if _, err := SelectLockedOut(st, nil, Selector{}); err == nil || !strings.Contains(err.Error(), "--status-json") {
		t.Fatalf("a bad status: %v", err)
	}
}
