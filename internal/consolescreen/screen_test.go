package consolescreen

import "testing"

func TestNextReview(t *testing.T) {
	screen := Strip([]byte("\x1b[2J\x1b[H signet: sign-node request r1 \x1b[1mApproval code:  ABCD-2345\x1b[0m\n" +
		" signet: batch request r2 \nBatch of 12 node keys (Up/Down)\nApproval code:  WXYZ-6789\n" +
		" signet: sign-node request r3 \n(still drawing)"))
	answered := map[string]bool{}
	r, ok := NextReview(screen, answered)
	if !ok || r != (Review{ID: "r2", Code: "WXYZ-6789", Batch: 12}) {
		t.Fatalf("first: %+v %v, want r2 (r3 has no code yet)", r, ok)
	}
	answered[r.ID] = true
	if r, ok = NextReview(screen, answered); !ok || r != (Review{ID: "r1", Code: "ABCD-2345"}) {
		t.Fatalf("second: %+v %v, want r1", r, ok)
	}
	answered[r.ID] = true
	if r, ok = NextReview(screen, answered); ok {
		t.Fatalf("third: %+v, want none", r)
	}
	if AsksPIN(screen) || !AsksPIN(Strip([]byte("\x1b[7mPIN to sign with the TPM key:"))) {
		t.Fatal("AsksPIN is wrong")
	}
}

func TestCompareKeys(t *testing.T) {
	screen := Strip([]byte("What gets signed:\n\x1b[1mCompare with the device: nodekey:0102 0300 0000 ... 0000 0000 0001\x1b[0m\n" +
		"                         tlpub:aaaa bbbb cccc ... dddd eeee ffff\nClaims from the request (NOT verified):\n" +
		"  device: Compare with the device: nodekey:ffff ffff ffff ... ffff ffff ffff\n"))
	got := CompareKeys(screen)
	want := []string{"nodekey:0102 0300 0000 ... 0000 0000 0001", "tlpub:aaaa bbbb cccc ... dddd eeee ffff"}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %q, want %q (a claim row is not a compare row)", got, want)
	}
}
