package signer

import "testing"

func TestApprovalCode(t *testing.T) {
	a := ApprovalCode([]byte("digest one"), "req-1")
	b := ApprovalCode([]byte("digest two"), "req-1")
	c := ApprovalCode([]byte("digest one"), "req-2")
	if a == b || a == c {
		t.Fatalf("codes must differ per digest and id: %s %s %s", a, b, c)
	}
	if len(a) != 7 || a[3] != '-' {
		t.Fatalf("code %q is not XXX-XXX", a)
	}
	if a != ApprovalCode([]byte("digest one"), "req-1") {
		t.Fatal("code is not deterministic")
	}
	for _, typed := range []string{a, a[:3] + a[4:], " " + a + " "} {
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
	for _, typed := range []string{"", "-", b, a[:6]} {
		if CodeMatches(typed, a) {
			t.Errorf("%q must not match %q", typed, a)
		}
	}
}
