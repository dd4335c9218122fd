package signer

// Rules for this file: the review screen is laid out from trusted data
// only. It has three parts: the top (title, warnings) on the first rows;
// the foot (approval code, what to type, the input line) on the last rows
// above the notice row; and between them a window over the body, in which
// signet's own rows (what gets signed, the keys to compare, the signing
// key, the requester, the digest) come first and text from the request
// (claims, key metadata) comes last, each piece escaped and under its own
// heading. Nothing from the request is placed before a trusted row, so it
// cannot move one; what does not fit is clipped or scrolled, never
// wrapped over the foot.

import (
	"fmt"
	"github.com/signetbox/signet/api"
	"strconv"
	"strings"

	"github.com/signetbox/signet/terminal"
)

// claimMaxRunes caps how many columns of one claim the console shows
// (after Sanitize, so escapes count): enough for a host name or an OS
// string, and a flood of text cannot push the approval code off the
// screen.
const claimMaxRunes = 64

// claimNameMaxRunes caps a claim's name ("hostname", "os").
const claimNameMaxRunes = 24

// confirmFrame draws the whole review screen for s.
func (c *Console) confirmFrame(s *confirmState, left string, full bool) string {
	screenH, cols := c.tty.Size()
	top := &terminal.Rows{Cols: cols}
	c.headRows(top, s.r)
	foot := &terminal.Rows{Cols: cols}
	prompt := c.footRows(foot, s, left)

	avail := screenH - 1 - len(top.Rows) - len(foot.Rows) // the last row is the notice
	var mid []terminal.Row
	if s.r.Kind == api.KindBatch {
		body := &terminal.Rows{Cols: cols}
		trustedRows(body, s.r)
		// Keep a few rows of the list on screen however small it is.
		mid = cutRows(body.Rows, avail-min(len(s.r.Items), 5)-2)
		batch := &terminal.Rows{Cols: cols}
		s.batchRows(batch, avail-len(mid))
		mid = append(mid, batch.Rows...)
	} else {
		body := &terminal.Rows{Cols: cols}
		trustedRows(body, s.r)
		requestRows(body, s.r)
		mid = s.bodyWindow(body.Rows, avail)
	}
	for len(mid) < avail {
		mid = append(mid, terminal.Row{})
	}
	if len(mid) > avail && avail > 0 {
		mid = mid[:avail]
	}
	rows := append(append(top.Rows, mid...), foot.Rows...)
	if over := len(rows) - (screenH - 1); over > 0 {
		// A tiny terminal: keep the title and the foot.
		rows = append(rows[:1:1], rows[min(1+over, len(rows)):]...)
	}
	return c.tty.Render(rows, screenH, cols, len(rows), terminal.Width(prompt)+1, full)
}

// cutRows keeps the first n rows, the last of them saying how many more
// there were.
func cutRows(rows []terminal.Row, n int) []terminal.Row {
	if len(rows) <= n || n < 1 {
		return rows
	}
	return append(rows[:n-1:n-1], terminal.Row{
		Text:  fmt.Sprintf("(%d more rows do not fit: make the terminal taller)", len(rows)-n+1),
		Style: terminal.StyleWarn})
}

// bodyWindow shows the part of rows that fits in h rows, scrolled by the
// arrow keys, with a row saying which part is shown.
func (s *confirmState) bodyWindow(rows []terminal.Row, h int) []terminal.Row {
	if len(rows) <= h || h < 2 {
		return rows
	}
	s.page = h - 1
	s.top = min(max(s.top, 0), len(rows)-s.page)
	win := append([]terminal.Row(nil), rows[s.top:s.top+s.page]...)
	return append(win, terminal.Row{
		Text:  fmt.Sprintf("(rows %d-%d of %d: Up/Down, PgUp/PgDn scroll)", s.top+1, s.top+s.page, len(rows)),
		Style: terminal.StyleWarn})
}

// headRows adds the title and the warnings, one row each but the
// override's.
func (c *Console) headRows(s *terminal.Rows, r Review) {
	s.AddCut(terminal.StyleTitle, fmt.Sprintf(" signet: %s request %s ", terminal.Sanitize(string(r.Kind)), terminal.Sanitize(r.ID)))
	if w := c.warningText(); w != "" {
		s.AddCut(terminal.StyleWarn, "WARNING: "+terminal.Sanitize(w))
	}
	if r.Insecure {
		s.AddCut(terminal.StyleWarn, "WARNING: SOFTWARE KEY: this box is NOT safe for production.")
	}
	if r.Override != "" {
		s.Add(terminal.StyleOverride, "SAFETY RAIL OVERRIDDEN: "+terminal.Sanitize(r.Override), 2)
		s.Add(terminal.StyleOverride, "Approving overrides this safety rail. You must type OVERRIDE first.", 0)
	}
}

// trustedRows adds what gets signed, its effect, the keys to compare with
// the device, where the request came from, the signing key, the requester
// and the digest: everything signet computed itself.
func trustedRows(s *terminal.Rows, r Review) {
	summary := r.Summary
	if len(summary) > 0 && terminal.Width("What gets signed: "+terminal.Sanitize(summary[0])) < s.Cols {
		s.Add(terminal.StyleHeading, "What gets signed: "+terminal.Sanitize(summary[0]), 4)
		summary = summary[1:]
	} else {
		s.Add(terminal.StyleHeading, "What gets signed:", 0)
	}
	for _, l := range summary {
		s.Add("", "  "+terminal.Sanitize(l), 4)
	}
	if len(r.Effect) > 0 {
		s.Add(terminal.StyleHeading, "Effect on the trusted keys:", 0)
		for _, l := range r.Effect {
			s.Add("", "  "+terminal.Sanitize(l), 4)
		}
	}
	compareRows(s, r)
	signing := terminal.Sanitize(r.SigningKey)
	if terminal.Width("Signing key:  "+signing) >= s.Cols {
		signing = ShortKey(signing)
	}
	for _, f := range [][2]string{
		{"Signing key:  ", signing},
		{"Requested by: ", terminal.Sanitize(r.Requester)},
		{"Digest:       ", terminal.Sanitize(r.Digest)},
		{"Chain head:   ", terminal.Sanitize(aumHead(r))},
	} {
		if f[1] != "" {
			s.Add("", f[0]+f[1], 14)
		}
	}
}

// aumHead is the chain head a review's AUMs build on, or "" for kinds
// whose signature does not depend on the chain.
func aumHead(r Review) string {
	switch r.Kind {
	case api.KindSignNode, api.KindBatch, api.KindWrapAuthKey:
		return ""
	}
	return r.Head
}

// compareRows adds the short forms of the keys the operator compares with
// the device, and, for a request that did not come from a local process,
// where it came from and what to check.
func compareRows(s *terminal.Rows, r Review) {
	if via := origin(r); via != "" {
		text := "This request came " + via + ": its names are only claims."
		if len(r.Compare) > 0 {
			text += " Check the keys below on the device in hand before you type the code."
		}
		s.Add(terminal.StyleWarn, text, 2)
	}
	const label = "Compare with the device: "
	for i, k := range r.Compare {
		lead := label
		if i > 0 {
			lead = strings.Repeat(" ", len(label))
		}
		s.Add(terminal.StyleHeading, lead+terminal.Sanitize(ShortKey(k)), len(label))
	}
}

// origin says where a request came from when it was not a local process
// on the box: through the relay, or from a sign-device link.
func origin(r Review) string {
	_, viaRelay := api.WireGuardPeer(r.Requester)
	switch {
	case viaRelay:
		return "through the relay (" + terminal.Sanitize(r.Requester) + ")"
	case r.Via != "":
		return "from " + terminal.Sanitize(r.Via)
	}
	return ""
}

// requestRows adds the text that came with the request, escaped: key
// metadata that is signed as given, then the claims nobody verified.
// Every row here comes after every trusted row.
func requestRows(s *terminal.Rows, r Review) {
	if len(r.Signed) > 0 {
		s.Add(terminal.StyleClaims, "Signed as given (text from the request):", 0)
		for _, f := range r.Signed {
			s.Add("", "  "+terminal.Sanitize(f.Name)+": "+terminal.Sanitize(f.Value), 4)
		}
	}
	if len(r.Claims) == 0 && len(r.Signed) > 0 {
		return
	}
	s.Add(terminal.StyleClaims, "Claims from the request (NOT verified):", 0)
	if len(r.Claims) == 0 {
		s.Add(terminal.StyleDim, "  (none)", 0)
	}
	for _, cl := range r.Claims {
		name, _ := terminal.SanitizeCap(cl.Name, claimNameMaxRunes)
		value, cut := terminal.SanitizeCap(cl.Value, claimMaxRunes)
		if cut {
			value += " [cut]"
		}
		s.Add("", "  "+name+": "+value, 4)
	}
}

// batchRows adds the batch's header and the visible part of its list in
// about h rows. Items wrap: a node key is never cut.
func (s *confirmState) batchRows(rows *terminal.Rows, h int) {
	n := len(s.r.Items)
	rows.Add(terminal.StyleHeading, fmt.Sprintf("Batch of %d node keys (Up/Down, PgUp/PgDn, Home/End scroll):", n), 0)
	w := len(strconv.Itoa(n))
	item := func(i int) []terminal.Row {
		r := &terminal.Rows{Cols: rows.Cols}
		r.Add("", fmt.Sprintf("  %*d  %s", w, i+1, terminal.Sanitize(s.r.Items[i])), w+4)
		return r.Rows
	}
	budget := max(h-2, 3)
	perPage := 1
	if n > 0 {
		perPage = max(budget/len(item(0)), 1)
	}
	s.top = min(max(s.top, 0), max(n-perPage, 0))
	i, used := s.top, 0
	for ; i < n; i++ {
		ir := item(i)
		if used+len(ir) > budget && i > s.top {
			break
		}
		rows.Rows = append(rows.Rows, ir...)
		used += len(ir)
	}
	s.page = max(i-s.top, 1)
	rows.Add(terminal.StyleDim, fmt.Sprintf("  showing %d-%d of %d", min(s.top+1, n), i, n), 0)
}

// footRows adds the code and the countdown, the instructions and the
// input line (last); it returns the input line's text.
func (c *Console) footRows(s *terminal.Rows, st *confirmState, left string) string {
	s.Rows = append(s.Rows, terminal.Row{Text: "Approval code: " +
		c.tty.Style(terminal.StyleCode, " "+terminal.Sanitize(st.r.Code)+" ") +
		"   Denied automatically in " + left + "."})
	var todo []string
	for _, step := range st.steps {
		todo = append(todo, step.label)
	}
	enter := ", then Enter."
	if len(todo) > 1 {
		enter = ", each followed by Enter."
	}
	s.Add("", "To approve: "+strings.Join(todo, ", then ")+enter, 2)
	s.Add("", "To deny: press Esc (or Ctrl-C). Enter alone or a wrong entry also denies.", 2)
	prompt := fmt.Sprintf("Step %d of %d, %s: %s", st.step+1, len(st.steps), st.steps[st.step].label, st.input)
	s.AddCut(terminal.StyleHeading, prompt)
	return s.Rows[len(s.Rows)-1].Text
}
