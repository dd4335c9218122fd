package signer

import (
	"context"
	"errors"
	"fmt"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/hsm"
)

// maxPINTries bounds the PIN tries within one approval: a mistyped PIN
// is asked again, up to this many times in all, never more than the
// device can take without locking (see pinBudget).
const maxPINTries = 3

// ErrSigningFailed marks an approved request whose signing failed; the
// journal closed it with a "failed" record and nothing was released.
var ErrSigningFailed = errors.New("approved, but signing failed; nothing was signed or released")

// unlock opens the key for one approved decision (request id, n
// signatures). It asks for the PIN through the backend up to maxPINTries
// times, never so often that the device would lock: before each try it
// reads the device's tries left and stops while one is left. Each failed
// try is shown on the console. The caller closes the session.
func (s *Service) unlock(ctx context.Context, id, requester string, n int) (hsm.Session, error) {
	var last error
	tries := 0
	for tries < maxPINTries {
		if err := s.pinBudget(ctx, tries, last); err != nil {
			return nil, err
		}
		tries++
		s.work.set(id, requester, api.ProgressUnlocking, 0, n)
		sess, err := s.key.Unlock(ctx, unlockWhy(id, n, tries))
		if err == nil {
			return sess, nil
		}
		if !errors.Is(err, hsm.ErrWrongPIN) && !errors.Is(err, ErrPINEmpty) {
			return nil, err
		}
		hsm.ForgetPIN(s.prompt)
		last = err
		if tries < maxPINTries {
			s.notify(fmt.Sprintf("request %s: %s; type the PIN again (try %d of %d)", id, pinProblem(err), tries+1, maxPINTries))
		}
	}
	return nil, fmt.Errorf("gave up after %d refused PINs: %w", tries, last)
}

// pinBudget refuses a try that the device cannot afford: when it is
// locked out, or has one wrong PIN left before it locks (signet never
// spends the last one). A device that does not say how many tries it
// has left (a software key; a card whose PIN is verified) is tried.
// tries and last are the tries made so far and the last one's error.
func (s *Service) pinBudget(ctx context.Context, tries int, last error) error {
	st, err := s.key.Status(ctx)
	if err != nil || !st.Present {
		return nil // Unlock says what is wrong with the device
	}
	const reset = "reset the count with 'signet key reset-lockout' (a TPM also forgives one failure per recovery time)"
	switch {
	case st.Lockout:
		return fmt.Errorf("%w; %s", hsm.ErrLockout, reset)
	case st.PINRetries > 1 || st.PINRetries < 0:
		return nil
	case last != nil:
		return fmt.Errorf("gave up after %d refused PINs, to keep the device's last try: %w; %s", tries, last, reset)
	}
	return fmt.Errorf("the key device has 1 PIN try left before it locks, and signet does not spend the last one: %s", reset)
}

// unlockWhy says on the PIN prompt what the PIN unlocks.
func unlockWhy(id string, n, try int) string {
	what := "1 signature"
	if n != 1 {
		what = fmt.Sprintf("%d signatures", n)
	}
	w := fmt.Sprintf("request %s, %s", id, what)
	if try > 1 {
		w += fmt.Sprintf(", try %d of %d", try, maxPINTries)
	}
	return w
}

// pinProblem names a refused PIN for the console and the journal.
func pinProblem(err error) string {
	var w *hsm.WrongPINError
	switch {
	case errors.As(err, &w):
		return w.Error()
	case errors.Is(err, ErrPINEmpty):
		return "no PIN was typed"
	}
	return "the PIN was refused"
}

// notify shows msg on the console's status line.
func (s *Service) notify(msg string) {
	if s.prompt != nil {
		s.prompt.Notify(msg)
	}
}

// fail closes an approved request whose signing failed: it journals a
// final "failed" record (nothing was issued or released), shows why on
// the console, and answers, now and to every replay, with StatusFailed.
func (s *Service) fail(base Record, req *api.Request, fp string, cause error) (*api.Response, error) {
	rec := base
	rec.Type, rec.Detail = RecFailed, map[string]string{DetailReason: cause.Error()}
	if _, err := s.journal.Append(rec); err != nil {
		return nil, fmt.Errorf("signing failed (%v), and closing the request in the journal failed too: %w", cause, err)
	}
	s.notify(fmt.Sprintf("request %s: SIGNING FAILED, closed: %v; nothing was signed", req.ID, cause))
	resp := failedResponse(req.ID, cause.Error())
	s.remember(req.ID, fp, resp)
	return resp, nil
}

// failedResponse is the answer to a request closed by a "failed" record.
func failedResponse(id, reason string) *api.Response {
	return &api.Response{ID: id, Status: api.StatusFailed, Error: fmt.Sprintf("%v: %s; send a new request with a new id", ErrSigningFailed, reason)}
}
