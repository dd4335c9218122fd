package signer

// The approval code proves that a person read the screen: it comes from
// a secret drawn for each showing of a review, never from what the
// requester knows, and it is never journaled. The injection attack on the
// real console is TestInjectedCodeDoesNotApprove in cmd/signet.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/statedir"
)

// oldSchemeCode is how the code was made before it had a secret: from the
// request's digest and its client-chosen ID, both known to the requester.
func oldSchemeCode(digest []byte, id string, n int) string {
	h := sha256.New()
	h.Write([]byte("signet approval code v1\x00"))
	h.Write(digest)
	h.Write([]byte(id))
	c := codeAlphabet.EncodeToString(h.Sum(nil))[:n]
	return c[:n/2] + "-" + c[n/2:]
}

// knowableCodes are codes a requester can compute from what it knows:
// the old scheme (at the old and the new length), and the new derivation
// with every secret it could guess from the request.
func knowableCodes(digest []byte, id string) []string {
	out := []string{oldSchemeCode(digest, id, 6), oldSchemeCode(digest, id, codeLen)}
	for _, secret := range [][]byte{nil, make([]byte, 32), digest, []byte(id)} {
		out = append(out, ApprovalCode(secret, digest, id))
	}
	return out
}

// The same request shown twice on the console gets two codes, neither of
// which the requester can compute, and neither reaches the journal.
func TestReviewCodeFreshEachShowing(t *testing.T) {
	f := newFixture(t)
	f.prompt.answers = []Outcome{OutcomeWrongCode, OutcomeWrongCode}
	req := &api.Request{ID: "shown-twice", Kind: api.KindSignNode, NodeKey: nodeKey(11).String()}
	f.svc.mu.Lock()
	pl, err := f.svc.planner().plan(req)
	f.svc.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		r, err := f.svc.review(context.Background(), req, "tester", fingerprint(req), pl)
		if err != nil || r.Status != api.StatusDenied {
			t.Fatalf("review: %+v %v", r, err)
		}
	}
	rv := f.prompt.reviews()
	if len(rv) != 2 || rv[0].Digest != rv[1].Digest || rv[0].ID != rv[1].ID {
		t.Fatalf("want two showings of one request, got %+v", rv)
	}
	if rv[0].Code == rv[1].Code {
		t.Fatalf("both showings have code %s", rv[0].Code)
	}
	journal, err := os.ReadFile(filepath.Join(f.dir, statedir.Journal))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rv {
		if len(r.Code) != codeLen+1 {
			t.Fatalf("code %q is not XXXX-XXXX", r.Code)
		}
		for _, c := range knowableCodes(pl.digest, req.ID) {
			if CodeMatches(c, r.Code) {
				t.Fatalf("the code shown, %s, is one the requester computes", r.Code)
			}
		}
		bare := strings.ReplaceAll(r.Code, "-", "")
		if bytes.Contains(journal, []byte(r.Code)) || bytes.Contains(journal, []byte(bare)) {
			t.Fatalf("the journal holds the approval code %s", r.Code)
		}
	}
}
