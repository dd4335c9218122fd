// Package consolescreen reads signet's console output the way an operator
// at the box does: it finds the PIN prompt and the newest review on
// screen, with its request ID, approval code and batch size. Tests that
// drive the real daemon through a pty or tmux use it; the signet binary
// never links it.
package consolescreen

import (
	"bytes"
	"regexp"
	"strconv"
)

var (
	// ansiRE matches the escape sequences the console draws with.
	ansiRE  = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[78=>]`)
	titleRE = regexp.MustCompile(`(?m)signet: ([a-z-]+) request ([A-Za-z0-9._:-]+)(?: |$)`)
	// CodeRE finds an approval code; its first group is the code.
	CodeRE  = regexp.MustCompile(`Approval code:\s+([A-Z0-9]{4}-[A-Z0-9]{4})`)
	batchRE = regexp.MustCompile(`Batch of (\d+) node keys`)
)

// Strip removes the console's escape sequences from raw output.
func Strip(raw []byte) []byte { return ansiRE.ReplaceAll(raw, nil) }

// AsksPIN reports whether stripped text shows the PIN prompt.
func AsksPIN(text []byte) bool { return bytes.Contains(text, []byte("PIN to ")) }

// Review is a review on screen, complete up to its approval code.
type Review struct {
	ID   string
	Code string
	// Batch is the number of node keys the operator must type first for
	// a batch, 0 otherwise.
	Batch int
}

// NextReview returns the newest review in stripped text whose ID is not
// in answered and whose approval code is already drawn.
func NextReview(text []byte, answered map[string]bool) (Review, bool) {
	titles := titleRE.FindAllSubmatchIndex(text, -1)
	for i := len(titles) - 1; i >= 0; i-- {
		end := len(text)
		if i+1 < len(titles) {
			end = titles[i+1][0]
		}
		seg := text[titles[i][0]:end]
		id := string(text[titles[i][4]:titles[i][5]])
		m := CodeRE.FindSubmatch(seg)
		if m == nil || answered[id] {
			continue
		}
		r := Review{ID: id, Code: string(m[1])}
		if b := batchRE.FindSubmatch(seg); b != nil {
			r.Batch, _ = strconv.Atoi(string(b[1]))
		}
		return r, true
	}
	return Review{}, false
}

// compareRE finds the short forms of the keys the console asks the
// operator to compare with the device ("Compare with the device:" and the
// rows under it).
var compareRE = regexp.MustCompile(`(?m)^(?:Compare with the device: |\s{25})((?:nodekey|tlpub):[0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4} \.\.\. [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4})`)

// CompareKeys returns the short key forms (as signer.ShortKey makes them)
// that stripped text asks the operator to compare with the device, in the
// order shown.
func CompareKeys(text []byte) []string {
	var out []string
	for _, m := range compareRE.FindAllSubmatch(text, -1) {
		out = append(out, string(m[1]))
	}
	return out
}
