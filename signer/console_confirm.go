package signer

import (
	"context"
	"fmt"
	"github.com/signetbox/signet/api"
	"strconv"
	"strings"
	"time"

	"github.com/signetbox/signet/terminal"
)

// maxInput bounds what the operator can type in one field.
const maxInput = 32

// confirmTick is how often the countdown is redrawn at most.
const confirmTick = 250 * time.Millisecond

// Confirm shows r full screen and waits for the operator. The operator
// approves by typing what the screen asks for, each followed by Enter: the
// word OVERRIDE when r.Override is set, the number of items for a batch,
// then the approval code. Esc, Ctrl-C or Ctrl-D deny; Enter alone, a wrong
// entry or r.Deadline (default: now plus ConsoleOptions.Timeout) deny. An
// error, a cancelled ctx or Close deny and are returned. What was typed
// before the review was on screen is discarded.
func (c *Console) Confirm(ctx context.Context, r Review) (Decision, error) {
	d := Decision{Outcome: OutcomeDenied, Operator: c.opts.Operator}
	if strings.TrimSpace(r.Code) == "" {
		return d, errReviewNoCode
	}
	if err := c.acquire(ctx); err != nil {
		return d, fmt.Errorf("console: waiting for the terminal: %w", err)
	}
	defer c.release()
	restore, err := c.tty.Raw()
	if err != nil {
		return d, err
	}
	defer restore()
	c.tty.ClearNotice()
	c.tty.SetActive(true)
	defer c.tty.SetActive(false)
	stop := context.AfterFunc(ctx, c.tty.Wake)
	defer stop()

	s := newConfirmState(r, c.opts.Timeout)
	d.Outcome, err = c.runConfirm(ctx, s)
	if err != nil {
		d.Outcome = OutcomeDenied
		err = fmt.Errorf("console: waiting for a decision: %w", err)
	}
	c.tty.Print(fmt.Sprintf("\x1b[0m\x1b[H\x1b[2Jsignet: request %s (%s): %s\r\n",
		terminal.Sanitize(r.ID), terminal.Sanitize(string(r.Kind)), d.Outcome))
	return d, err
}

// runConfirm is Confirm's loop: draw, read keys, decide.
func (c *Console) runConfirm(ctx context.Context, s *confirmState) (Outcome, error) {
	kr := c.tty.Keys()
	full, shown, drawn := true, "", false
	for {
		now := time.Now()
		if !now.Before(s.deadline) {
			return OutcomeTimeout, nil
		}
		left := countdown(s.deadline.Sub(now))
		if full || s.changed || left != shown || c.tty.NoticeChanged() {
			if !drawn {
				// Only keys typed once the review is on screen count:
				// drop the rest just before it is drawn (after would drop
				// a quick operator's first keys).
				if err := c.tty.FlushInput(); err != nil {
					return OutcomeDenied, err
				}
				drawn = true
			}
			if err := c.tty.Print(c.confirmFrame(s, left, full)); err != nil {
				return OutcomeDenied, err
			}
			full, shown, s.changed = false, left, false
		}
		next := now.Add(confirmTick)
		if s.deadline.Before(next) {
			next = s.deadline
		}
		keys, err := kr.Read(ctx, next)
		if err != nil {
			return OutcomeDenied, err
		}
		for _, k := range keys {
			if out, done := s.handle(k); done {
				return out, nil
			}
			full = full || k.Kind == terminal.KeyRedraw
		}
	}
}

// confirmStep is one entry the operator must type to approve.
type confirmStep struct {
	label string            // shown before the input
	ok    func(string) bool // whether the entry is right
}

// confirmState is one review on screen and what has been typed.
type confirmState struct {
	r        Review
	deadline time.Time
	steps    []confirmStep
	step     int    // the step being typed
	input    string // printable ASCII only
	top      int    // first batch item shown
	page     int    // batch items per screen, from the last draw
	changed  bool
}

// newConfirmState lists the steps r needs.
func newConfirmState(r Review, timeout time.Duration) *confirmState {
	s := &confirmState{r: r, deadline: r.Deadline, page: 10}
	if s.deadline.IsZero() {
		s.deadline = time.Now().Add(timeout)
	}
	if r.Override != "" {
		s.steps = append(s.steps, confirmStep{"type OVERRIDE", func(in string) bool { return in == "OVERRIDE" }})
	}
	if r.Kind == api.KindBatch {
		n := strconv.Itoa(len(r.Items))
		s.steps = append(s.steps, confirmStep{"type the number of node keys", func(in string) bool { return in == n }})
	}
	code := r.Code
	s.steps = append(s.steps, confirmStep{"type the approval code", func(in string) bool { return CodeMatches(in, code) }})
	return s
}

// handle applies one key; done reports a final outcome.
func (s *confirmState) handle(k terminal.Key) (out Outcome, done bool) {
	s.changed = true
	switch k.Kind {
	case terminal.KeyDeny:
		return OutcomeDenied, true
	case terminal.KeyEnter:
		in := strings.TrimSpace(s.input)
		s.input = ""
		switch {
		case in == "":
			return OutcomeEmpty, true
		case !s.steps[s.step].ok(in):
			return OutcomeWrongCode, true
		}
		if s.step++; s.step == len(s.steps) {
			return OutcomeApproved, true
		}
	case terminal.KeyByte:
		if k.B >= 0x20 && k.B < 0x7f && len(s.input) < maxInput {
			s.input += string(rune(k.B))
		}
	case terminal.KeyBackspace:
		if s.input != "" {
			s.input = s.input[:len(s.input)-1]
		}
	case terminal.KeyClear:
		s.input = ""
	default:
		s.scroll(k.Kind)
	}
	return "", false
}

// scroll moves the batch list; the draw clamps top.
func (s *confirmState) scroll(k terminal.KeyKind) {
	switch k {
	case terminal.KeyUp:
		s.top--
	case terminal.KeyDown:
		s.top++
	case terminal.KeyPgUp:
		s.top -= s.page
	case terminal.KeyPgDn:
		s.top += s.page
	case terminal.KeyHome:
		s.top = 0
	case terminal.KeyEnd:
		s.top = 1 << 30 // clamped when drawn
	}
}
