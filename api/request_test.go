package api

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestDecodeRequest(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"id":"r1","kind":"sign-node","node_key":"nodekey:00"}`, ""},
		{`{"id":"r2","kind":"batch","nodes":[{"node_key":"nodekey:00"}],"limit":1}`, ""},
		{`{"id":"bad id","kind":"sign-node"}`, ErrInvalidID.Error()},
		{`{"id":"r3","kind":"launch"}`, `unknown request kind "launch" (known: [sign-node wrap-authkey add-key remove-key update-key checkpoint cosign batch])`},
		{`{"id":"r4","kind":"sign-node","limit":2}`, "limit is for batch requests, not sign-node"},
		{`{"id":"r5","kind":"checkpoint","keys":[{"key":"tlpub:00"}]}`, "keys is for add-key and remove-key requests, not checkpoint"},
		{`{"id":"r6","kind":"sign-node","node_key":"tskey-auth-x"}`, ErrSecretOutsideAuthKey.Error()},
		{`{"id":"r7","kind":"wrap-authkey","auth_key":"tskey-auth-x"}`, ""},
		{`{"id":"r8","kind":"sign-node"`, "the request is not valid JSON for this API: unexpected EOF"},
		{`{"id":"r9","kind":"sign-node","node_key":"` + strings.Repeat("a", 200) + `"}`, "the request is larger than the 128-byte limit; split a batch into smaller ones"},
	}
	for _, c := range cases {
		req, err := DecodeRequest(strings.NewReader(c.in), 128)
		if c.want == "" {
			if err != nil || req == nil {
				t.Errorf("%s: %v", c.in, err)
			}
			continue
		}
		if err == nil || err.Error() != c.want || req != nil {
			t.Errorf("%.40s: %v, want %q", c.in, err, c.want)
		}
	}
}

// A refusal quotes an attacker's kind only in short, escaped form.
func TestDecodeRequestShortensUntrustedText(t *testing.T) {
	kind := "\x1b[2J" + strings.Repeat("k", 100)
	b, _ := json.Marshal(map[string]string{"id": "x", "kind": kind})
	_, err := DecodeRequest(strings.NewReader(string(b)), 1<<10)
	if err == nil || strings.ContainsRune(err.Error(), 0x1b) || !strings.Contains(err.Error(), `\x1b[2Jkkk`) || strings.Contains(err.Error(), strings.Repeat("k", 70)) {
		t.Fatalf("error %q must escape and shorten the kind", err)
	}
	if got := Short("plain"); got != "plain" {
		t.Fatalf("Short(plain) = %q", got)
	}
}

func TestPrepare(t *testing.T) {
	r := &Request{Kind: KindSignNode}
	if err := r.Prepare(); err != nil || !ValidID(r.ID) || len(r.ID) != 16 {
		t.Fatalf("an empty ID must become a random one: %v %q", err, r.ID)
	}
	if other := (&Request{}); other.Prepare() != nil || other.ID == r.ID {
		t.Fatal("two random IDs must differ")
	}
	r = &Request{ID: "mine", Kind: KindSignNode}
	if err := r.Prepare(); err != nil || r.ID != "mine" {
		t.Fatalf("a given ID must stay: %v %q", err, r.ID)
	}
	if err := (&Request{ID: "no spaces"}).Prepare(); !errors.Is(err, ErrInvalidID) {
		t.Fatalf("bad ID: %v", err)
	}
	if err := (&Request{ID: "s", Claims: map[string]string{"device": "TSKEY-client-1"}}).Prepare(); !errors.Is(err, ErrSecretOutsideAuthKey) {
		t.Fatalf("a secret in a claim: %v", err)
	}
	if err := (&Request{ID: "s", AuthKey: "tskey-auth-1"}).Prepare(); err != nil {
		t.Fatalf("a secret in auth_key is what wrap-authkey sends: %v", err)
	}
}

func TestWireGuardRequester(t *testing.T) {
	label := WireGuardRequester("relay-1")
	if label != "wireguard:relay-1" {
		t.Fatalf("label %q", label)
	}
	if name, ok := WireGuardPeer(label); !ok || name != "relay-1" {
		t.Fatalf("WireGuardPeer(%q) = %q, %v", label, name, ok)
	}
	for _, local := range []string{"alice (uid 1000) pid 12 [signet]", "uid 0", ""} {
		if _, ok := WireGuardPeer(local); ok {
			t.Errorf("%q is not a WireGuard peer", local)
		}
	}
}
