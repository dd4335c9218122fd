package signer

import (
	"bytes"
	"testing"
)

func TestApprovalCode(t *testing.T) {
	secret := bytes.Repeat([]byte{7}, 32)
	a := ApprovalCode(secret, []byte("digest one"), "req-1")
	b := ApprovalCode(secret, []byte("digest two"), "req-1")
	c := ApprovalCode(secret, []byte("digest one"), "req-2")
	d := ApprovalCode(bytes.Repeat([]byte{8}, 32), []byte("digest one"), "req-1")
	if a == b || a == c || a == d {
		t.Fatalf("codes must differ per secret, digest and id: %s %s %s %s", a, b, c, d)
	}
	if len(a) != 9 || a[4] != '-' {
		t.Fatalf("code %q is not XXXX-XXXX", a)
	}
	if a != ApprovalCode(secret, []byte("digest one"), "req-1") {
		t.Fatal("code is not a function of its inputs")
	}
	for _, typed := range []string{a, a[:4] + a[5:], " " + a + " ", a[:2] + " " + a[2:]} {
		if !CodeMatches(typed, a) {
			t.Errorf("%q should match %q", typed, a)
		}
	}
	lower := []byte(a)
	for i := range lower {
		if lower[i] >= 'A' && lower[i] <= 'Z' {
			lower[i] += 'a' - 'A'
		}
	}
	if !CodeMatches(string(lower), a) {
		t.Errorf("lower case %q should match", lower)
	}
	for _, typed := range []string{"", "-", " ", b, a[:8], a + "A"} {
		if CodeMatches(typed, a) {
			t.Errorf("%q must not match %q", typed, a)
		}
	}
	if CodeMatches("", "") || CodeMatches("-", "") {
		t.Error("an empty code must match nothing")
	}
}

// Two showings of the same request never share a code: each draws its
// own secret. (Service-level: TestReviewCodeFreshEachShowing.)
func TestNewApprovalCodeIsFresh(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		c, err := newApprovalCode([]byte("the same digest"), "the-same-id")
		if err != nil {
			t.Fatal(err)
		}
		if seen[c] {
			t.Fatalf("code %s drawn twice for the same request", c)
		}
		seen[c] = true
	}
}
