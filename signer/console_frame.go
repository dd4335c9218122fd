package signer

import (
	"fmt"
	"strconv"
	"strings"
)

// confirmFrame draws the whole review screen for s.
func (c *Console) confirmFrame(s *confirmState, left string, full bool) string {
	screenH, cols := termSize(c.fd)
	head := &screenRows{cols: cols}
	c.headRows(head, s.r)
	body := &screenRows{cols: cols}
	bodyRows(body, s.r)
	foot := &screenRows{cols: cols}
	prompt := c.footRows(foot, s, left)

	avail := screenH - 1 - len(head.rows) - len(foot.rows) // the last row is the notice
	if s.r.Kind == KindBatch {
		batch := &screenRows{cols: cols}
		s.batchRows(batch, avail-len(body.rows))
		body.rows = append(body.rows, batch.rows...)
	}
	if len(body.rows) > avail && avail > 0 {
		hidden := len(body.rows) - avail + 1
		body.rows = append(body.rows[:avail-1], screenRow{
			fmt.Sprintf("(%d more rows do not fit: make the terminal taller)", hidden), styleWarn})
	}
	rows := append(append(head.rows, body.rows...), foot.rows...)
	return c.render(rows, screenH, cols, len(rows), runeLen(prompt)+1, full)
}

// headRows adds the title and the warnings.
func (c *Console) headRows(s *screenRows, r Review) {
	s.add(styleTitle, fmt.Sprintf(" signet: %s request %s ", Sanitize(string(r.Kind)), Sanitize(r.ID)), 1)
	if r.Insecure {
		s.add(styleWarn, "WARNING: SOFTWARE KEY. The signing key is stored in software on this box; this box is NOT safe for production.", 0)
	}
	if r.Override != "" {
		s.add(styleOverride, "SAFETY RAIL OVERRIDDEN: "+Sanitize(r.Override), 2)
		s.add(styleOverride, "Approving overrides this safety rail. You must type OVERRIDE first.", 0)
	}
	s.add("", "", 0)
}

// bodyRows adds what gets signed, its effect, the trusted facts and the
// claims.
func bodyRows(s *screenRows, r Review) {
	s.add(styleHeading, "What gets signed:", 0)
	for _, l := range r.Summary {
		s.add("", "  "+Sanitize(l), 4)
	}
	if len(r.Effect) > 0 {
		s.add(styleHeading, "Effect on the trusted keys:", 0)
		for _, l := range r.Effect {
			s.add("", "  "+Sanitize(l), 4)
		}
	}
	for _, f := range [][2]string{
		{"Digest:       ", r.Digest},
		{"Signing key:  ", r.SigningKey},
		{"Chain head:   ", r.Head},
		{"Requested by: ", r.Requester},
	} {
		if f[1] != "" {
			s.add("", f[0]+Sanitize(f[1]), 14)
		}
	}
	s.add("", "", 0)
	s.add(styleClaims, "Claims from the request (NOT verified):", 0)
	if len(r.Claims) == 0 {
		s.add(styleDim, "  (none)", 0)
	}
	for _, cl := range r.Claims {
		name, _ := sanitizeCap(cl.Name, claimNameMaxRunes)
		value, cut := sanitizeCap(cl.Value, claimMaxRunes)
		if cut {
			value += " [cut]"
		}
		s.add("", "  "+name+": "+value, 4)
	}
	s.add("", "", 0)
}

// batchRows adds the batch's header and the visible part of its list in
// about h rows.
func (s *confirmState) batchRows(rows *screenRows, h int) {
	n := len(s.r.Items)
	rows.add(styleHeading, fmt.Sprintf("Batch of %d node keys (Up/Down, PgUp/PgDn, Home/End scroll):", n), 0)
	s.page = max(h-2, 3)
	s.top = min(max(s.top, 0), max(n-s.page, 0))
	end := min(s.top+s.page, n)
	w := len(strconv.Itoa(n))
	for i := s.top; i < end; i++ {
		rows.addCut("", fmt.Sprintf("  %*d  %s", w, i+1, Sanitize(s.r.Items[i])))
	}
	rows.add(styleDim, fmt.Sprintf("  showing %d-%d of %d", min(s.top+1, n), end, n), 0)
}

// footRows adds the code, the instructions, the countdown and the input
// line (last); it returns the input line's text.
func (c *Console) footRows(s *screenRows, st *confirmState, left string) string {
	s.add("", "", 0)
	s.rows = append(s.rows, screenRow{"Approval code: " + c.style(styleCode, " "+Sanitize(st.r.Code)+" "), ""})
	var todo []string
	for _, step := range st.steps {
		todo = append(todo, step.label)
	}
	s.add("", "To approve: "+strings.Join(todo, ", then ")+", each followed by Enter.", 2)
	s.add("", "To deny: press Esc (or Ctrl-C). Enter alone or a wrong entry also denies.", 2)
	s.add("", "Denied automatically in "+left+".", 0)
	prompt := fmt.Sprintf("Step %d of %d, %s: %s", st.step+1, len(st.steps), st.steps[st.step].label, st.input)
	s.addCut(styleHeading, prompt)
	return s.rows[len(s.rows)-1].text
}

// runeLen counts the runes in s.
func runeLen(s string) int { return len([]rune(s)) }
