package signer

// The trusted part of the review screen cannot be moved or hidden (issue
// 12 item 4): claims and key metadata of every width class are drawn in a
// real terminal (tmux) at 80x24 and 100x40, the whole screen is read back,
// and every trusted row must sit where it sits on the same review with
// plain claims.

import (
	"fmt"
	"github.com/signetbox/signet/api"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/signetbox/signet/internal/consolescreen"
	"github.com/signetbox/signet/tka"
)

// countdownRE is the part of the foot that changes every second.
var countdownRE = regexp.MustCompile(`Denied automatically in \d+m\d+s`)

// paneRows captures the pane once the review is drawn, one string per
// screen row, countdown blanked.
func paneRows(t *testing.T, p *tmuxPane, r Review) []string {
	t.Helper()
	s := p.waitScreen(" signet: "+string(r.Kind)+" request "+r.ID, "Approval code:  "+r.Code, "Step 1 of")
	rev, ok := consolescreen.NextReview(consolescreen.Strip([]byte(s)), nil)
	if !ok || rev.ID != r.ID || rev.Code != r.Code {
		t.Errorf("consolescreen reads review %+v (%v), want %s with code %s", rev, ok, r.ID, r.Code)
	}
	return strings.Split(countdownRE.ReplaceAllString(strings.TrimSuffix(s, "\n"), "Denied automatically in -"), "\n")
}

// rowOf is the index of the first row starting with prefix, or -1.
func rowOf(rows []string, prefix string) int {
	for i, r := range rows {
		if strings.HasPrefix(r, prefix) {
			return i
		}
	}
	return -1
}

func relayReview(id string, claims []Claim) Review {
	r := testReview(id)
	nk := tka.NodeKey{0xde, 0xad, 0xbe, 0xef, 31: 0x42}
	rot := make([]byte, 32)
	rot[0], rot[31] = 0x7a, 0x99
	r.Requester = "wireguard:relay"
	r.Summary = []string{"a direct signature over node key", nk.String(),
		"and the node's own tailnet-lock key (it may sign the node's next keys):", tka.FormatTLPub(rot)}
	r.Compare = []string{nk.String(), tka.FormatTLPub(rot)}
	r.SigningKey = tka.FormatTLPub(append(make([]byte, 31), 1))
	r.Insecure = true
	r.Claims = claims
	return r
}

func metadataReview(id string, signed []Claim) Review {
	r := testReview(id)
	r.Kind = api.KindAddKey
	r.Claims = nil
	r.Summary = []string{"add-key AUM, parent G3QWJ6XWVPZ3AJIRB2ZLXJ4QGVCMN4OCG3QWJ6XWVPZ3AJIRB2ZL", "  adds " + tka.FormatTLPub(make([]byte, 32)) + " (25519) with 1 vote(s)"}
	r.Effect = []string{"adds key with 1 vote(s)", "trusted keys: 2 before, 3 after"}
	r.Signed = signed
	return r
}

func TestTmuxConsoleTrustedRowsFixed(t *testing.T) {
	needTmux(t)
	for _, size := range [][2]int{{80, 24}, {100, 40}} {
		cols, rows := size[0], size[1]
		var plain, hostile, plainMeta, hostileMeta []Claim
		for _, wc := range widthClasses {
			plain = append(plain, Claim{wc.name, "x"})
			hostile = append(hostile, Claim{wc.name, wc.text})
			plainMeta = append(plainMeta, Claim{"metadata of tlpub:0000 0000 0000 ... 0000 0000 0000: " + wc.name, "x"})
			hostileMeta = append(hostileMeta, Claim{"metadata of tlpub:0000 0000 0000 ... 0000 0000 0000: " + wc.text, wc.text})
		}
		for _, tc := range []struct {
			name            string
			base, attack    Review
			untrustedHeader string
		}{
			{"claims", relayReview("layout", plain), relayReview("layout", hostile), "Claims from the request (NOT verified):"},
			{"metadata", metadataReview("layout", plainMeta), metadataReview("layout", hostileMeta), "Signed as given (text from the request):"},
		} {
			t.Run(fmt.Sprintf("%dx%d/%s", cols, rows, tc.name), func(t *testing.T) {
				base := paneRows(t, startTmuxDemoSize(t, tc.base, time.Minute, cols, rows), tc.base)
				p := startTmuxDemoSize(t, tc.attack, time.Minute, cols, rows)
				got := paneRows(t, p, tc.attack)
				if len(got) != rows || len(base) != rows {
					t.Fatalf("captured %d and %d rows of %d", len(base), len(got), rows)
				}
				head := rowOf(base, tc.untrustedHeader)
				if head < 0 || rowOf(got, tc.untrustedHeader) != head {
					t.Fatalf("the heading %q is on row %d, and on row %d with plain text:\n%s", tc.untrustedHeader, rowOf(got, tc.untrustedHeader), head, strings.Join(got, "\n"))
				}
				// Every row up to the heading, and the foot (code, what
				// to type, the input line), is where it is with plain text.
				trusted := append(makeRange(0, head+1), makeRange(rows-5, rows)...)
				for _, i := range trusted {
					if got[i] != base[i] {
						t.Errorf("row %d moved or changed:\n got %q\nwant %q", i+1, got[i], base[i])
					}
				}
				if rowOf(got, "Approval code:  "+tc.attack.Code) != rows-5 {
					t.Errorf("the approval code is not on row %d:\n%s", rows-4, strings.Join(got, "\n"))
				}
				if tc.name == "claims" {
					text := []byte(strings.Join(got, "\n"))
					want := []string{ShortKey(tc.attack.Compare[0]), ShortKey(tc.attack.Compare[1])}
					if ck := consolescreen.CompareKeys(text); len(ck) != 2 || ck[0] != want[0] || ck[1] != want[1] {
						t.Errorf("compare keys on screen %q, want %q", ck, want)
					}
					if !strings.Contains(string(text), "This request came through the relay (wireguard:relay)") {
						t.Errorf("the screen does not say the request came through the relay:\n%s", text)
					}
				}
				if t.Failed() || testing.Verbose() {
					t.Logf("plain:\n%s\nhostile:\n%s", strings.Join(base, "\n"), strings.Join(got, "\n"))
				}
				p.sendKey("Escape")
				if out, _ := p.decision(); out != OutcomeDenied {
					t.Fatalf("got %s, want denied", out)
				}
			})
		}
	}
}

func makeRange(from, to int) []int {
	var out []int
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}
