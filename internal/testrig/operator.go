package testrig

import (
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/signetbox/signet/internal/consolescreen"
)

// Console is a terminal an [Operator] works at.
type Console interface {
	// Read returns what the console shows, as it streams out. No bytes
	// with a nil error or io.EOF mean nothing new yet; any other error
	// ends the operator (a closed pty, for one).
	io.Reader
	// Type types line and then Enter.
	Type(line string) error
}

// Answer is what an operator does with one review.
type Answer int

const (
	// Leave types nothing: the test answers, or the review times out.
	// The review is asked about again until it is answered.
	Leave Answer = iota
	// Approve types the batch size (for a batch) and the approval code.
	Approve
	// Deny types WrongCode.
	Deny
)

// WrongCode is what an Operator types to deny a review.
const WrongCode = "000-000"

// Policy decides the answer to a review. A nil Policy leaves them all.
type Policy func(consolescreen.Review) Answer

// ApproveAll approves every review.
func ApproveAll(consolescreen.Review) Answer { return Approve }

// DenySome denies each review with probability rate, drawn from rng, and
// approves the others. The operator's goroutine alone uses rng.
func DenySome(rng *rand.Rand, rate float64) Policy {
	return func(consolescreen.Review) Answer {
		if rng.Float64() < rate {
			return Deny
		}
		return Approve
	}
}

// OperatorConfig is how an Operator answers.
type OperatorConfig struct {
	// PIN is typed at every "PIN to" prompt (a TPM or YubiKey PIN, or a
	// soft key's passphrase).
	PIN string
	// Policy answers the reviews; SetPolicy changes it later.
	Policy Policy
	// Approved, if not nil, gets a value (without blocking) right after
	// each approval is typed, so a test can aim at the signing that
	// follows.
	Approved chan<- struct{}
}

// Operator is a goroutine that watches one daemon's console: it types the
// PIN at every prompt and answers each review once, as its policy says,
// counting what it typed.
type Operator struct {
	con      Console
	pin      string
	approved chan<- struct{}
	policy   atomic.Pointer[Policy]

	mu                       sync.Mutex
	pins, approvals, denials int
	reviewed                 []string // request ids answered, in order
	approvedIDs              []string // request ids approved, in order
	err                      error

	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
}

// StartOperator starts an operator at con. It runs until con's Read
// fails, or until Stop. When it ends it closes con if con is an
// io.Closer.
func StartOperator(con Console, cfg OperatorConfig) *Operator {
	o := &Operator{con: con, pin: cfg.PIN, approved: cfg.Approved, stop: make(chan struct{}), done: make(chan struct{})}
	o.SetPolicy(cfg.Policy)
	go o.run()
	return o
}

// SetPolicy changes how the reviews not yet answered are answered. On a
// console whose Read blocks (a pty) it applies from the next output on.
func (o *Operator) SetPolicy(p Policy) { o.policy.Store(&p) }

// Stop ends the operator and waits until it has. A console whose Read
// blocks (a pty) must be closed first, or Stop waits for its next
// output.
func (o *Operator) Stop() {
	o.stopOnce.Do(func() { close(o.stop) })
	<-o.done
}

// Done is closed when the operator has ended.
func (o *Operator) Done() <-chan struct{} { return o.done }

// Err is the read error that ended the operator, nil while it runs or
// when Stop or a failed Type ended it.
func (o *Operator) Err() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

// PINs is how often the operator typed the PIN.
func (o *Operator) PINs() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.pins
}

// Approvals is how many reviews the operator approved.
func (o *Operator) Approvals() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.approvals
}

// Denials is how many reviews the operator denied.
func (o *Operator) Denials() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.denials
}

// Reviewed returns the ids of the requests answered, in order.
func (o *Operator) Reviewed() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.reviewed)
}

// WasApproved reports whether the operator typed id's approval code.
func (o *Operator) WasApproved(id string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Contains(o.approvedIDs, id)
}

// run reads the console until it fails or Stop, answering as it goes;
// between reads that bring nothing it waits 10 ms.
func (o *Operator) run() {
	defer close(o.done)
	if c, ok := o.con.(io.Closer); ok {
		defer c.Close()
	}
	buf := make([]byte, 64<<10)
	var raw []byte
	answered := map[string]bool{}
	for {
		select {
		case <-o.stop:
			return
		default:
		}
		n, err := o.con.Read(buf)
		raw = append(raw, buf[:n]...)
		if err != nil && !errors.Is(err, io.EOF) {
			o.mu.Lock()
			o.err = err
			o.mu.Unlock()
			return
		}
		text := consolescreen.Strip(raw)
		if consolescreen.AsksPIN(text) {
			// Counted before typing: the daemon may finish (and a
			// test read PINs) before Type returns.
			o.mu.Lock()
			o.pins++
			o.mu.Unlock()
			if o.con.Type(o.pin) != nil {
				return // the console is gone
			}
			raw = raw[:0]
			continue
		}
		if r, ok := consolescreen.NextReview(text, answered); ok {
			a, err := o.answer(r)
			if err != nil {
				return // the console is gone
			}
			if a != Leave {
				answered[r.ID] = true
				raw = raw[:0]
			}
		}
		if len(raw) > 256<<10 {
			raw = append(raw[:0], raw[len(raw)-64<<10:]...)
		}
		if n == 0 {
			select {
			case <-o.stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
}

// answer types the policy's answer to r and counts it.
func (o *Operator) answer(r consolescreen.Review) (Answer, error) {
	p := *o.policy.Load()
	a := Leave
	if p != nil {
		a = p(r)
	}
	switch a {
	case Approve:
		if r.Batch > 0 {
			if err := o.con.Type(strconv.Itoa(r.Batch)); err != nil {
				return a, err
			}
		}
		if err := o.con.Type(r.Code); err != nil {
			return a, err
		}
	case Deny:
		if err := o.con.Type(WrongCode); err != nil {
			return a, err
		}
	default:
		return Leave, nil
	}
	o.mu.Lock()
	o.reviewed = append(o.reviewed, r.ID)
	if a == Approve {
		o.approvals++
		o.approvedIDs = append(o.approvedIDs, r.ID)
	} else {
		o.denials++
	}
	o.mu.Unlock()
	if a == Approve && o.approved != nil {
		select {
		case o.approved <- struct{}{}:
		default:
		}
	}
	return a, nil
}
