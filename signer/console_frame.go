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
		// Keep a few rows of the list on screen however small it is.
		body.rows = cutRows(body.rows, avail-min(len(s.r.Items), 5)-2)
		batch := &screenRows{cols: cols}
		s.batchRows(batch, avail-len(body.rows))
		body.rows = append(body.rows, batch.rows...)
	} else {
		body.rows = s.bodyWindow(body.rows, avail)
	}
	rows := append(append(head.rows, body.rows...), foot.rows...)
	return c.render(rows, screenH, cols, len(rows), textWidth(prompt)+1, full)
}

// cutRows keeps the first n rows, the last of them saying how many more
// there were.
func cutRows(rows []screenRow, n int) []screenRow {
	if len(rows) <= n || n < 1 {
		return rows
	}
	return append(rows[:n-1:n-1], screenRow{
		fmt.Sprintf("(%d more rows do not fit: make the terminal taller)", len(rows)-n+1), styleWarn})
}

// bodyWindow shows the part of rows that fits in h rows, scrolled by the
// arrow keys, with a row saying which part is shown.
func (s *confirmState) bodyWindow(rows []screenRow, h int) []screenRow {
	if len(rows) <= h || h < 2 {
		return rows
	}
	s.page = h - 1
	s.top = min(max(s.top, 0), len(rows)-s.page)
	win := append([]screenRow(nil), rows[s.top:s.top+s.page]...)
	return append(win, screenRow{fmt.Sprintf("(rows %d-%d of %d: Up/Down, PgUp/PgDn scroll)",
		s.top+1, s.top+s.page, len(rows)), styleWarn})
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
// about h rows. Items wrap: a node key is never cut.
func (s *confirmState) batchRows(rows *screenRows, h int) {
	n := len(s.r.Items)
	rows.add(styleHeading, fmt.Sprintf("Batch of %d node keys (Up/Down, PgUp/PgDn, Home/End scroll):", n), 0)
	w := len(strconv.Itoa(n))
	item := func(i int) []screenRow {
		r := &screenRows{cols: rows.cols}
		r.add("", fmt.Sprintf("  %*d  %s", w, i+1, Sanitize(s.r.Items[i])), w+4)
		return r.rows
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
		rows.rows = append(rows.rows, ir...)
		used += len(ir)
	}
	s.page = max(i-s.top, 1)
	rows.add(styleDim, fmt.Sprintf("  showing %d-%d of %d", min(s.top+1, n), i, n), 0)
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
