package relay

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/signetbox/signet/internal/durable"
)

// State is where a job stands. Do NOT reorder: stored in queue.json.
type State string

// Job states, in order.
const (
	// StateAsk: the request is not yet answered by the box.
	StateAsk State = "ask"
	// StateDeliver: the box signed; the result must reach the tailnet.
	StateDeliver State = "deliver"
	// StateReport: the tailnet took it; the box must hear so.
	StateReport State = "report"
	// StateDone: the box journaled "delivered".
	StateDone State = "done"
	// StateDenied: the box refused, or approved and then failed to sign
	// (status failed); never retried.
	StateDenied State = "denied"
	// StateGaveUp: control refused an outbox result maxDeliveries times
	// (an old signature for a node that is gone, an AUM the tailnet has
	// moved past); it stays in the box's outbox for a person to look at.
	StateGaveUp State = "gave-up"
)

// Job is one result to get onto the tailnet, from request to report: a
// node the relay asked the box to sign, or a result the box's outbox
// listed (a signature asked for elsewhere, or AUMs the box added).
type Job struct {
	ID string `json:"id"` // the box request ID, derived from the node key, for the relay's own requests
	// Request is the box request ID when it differs from ID (outbox jobs).
	Request string   `json:"request,omitempty"`
	NodeKey string   `json:"node_key,omitempty"`
	AUMs    []string `json:"aums,omitempty"`     // hex, chain order: submitted one by one
	StateID uint64   `json:"state_id,omitempty"` // the tailnet's, sent with the request
	// Seq orders outbox jobs as the box released them: AUMs must reach
	// the tailnet in chain order.
	Seq int64 `json:"seq,omitempty"`
	// DoneAt is when the box took the delivery report; Redeliveries
	// counts deliveries made again because the node stayed locked out.
	DoneAt       time.Time         `json:"done_at,omitzero"`
	Redeliveries int               `json:"redeliveries,omitempty"`
	Claims       map[string]string `json:"claims,omitempty"`
	// Queued is when the relay first saw the node locked out (zero for
	// outbox jobs and for queues written before it was kept).
	Queued    time.Time `json:"queued,omitzero"`
	State     State     `json:"state"`
	Signature string    `json:"signature,omitempty"` // hex CBOR, once signed
	Attempts  int       `json:"attempts,omitempty"`
	NextTry   time.Time `json:"next_try,omitzero"`
	LastError string    `json:"last_error,omitempty"`
	// Unreported: the box answered "already signed" (the node was signed
	// by another request, which is reported on its own), so it released
	// nothing under ID and no delivery is reported for it.
	Unreported bool `json:"unreported,omitempty"`
}

// maxJobs bounds the queue: a relay watches one tailnet's locked-out
// nodes, and each needs a person at the console.
const maxJobs = 10000

// Queue is the relay's durable job list: one JSON file, replaced
// atomically (write, fsync, rename, fsync dir) on every change, so a
// signed result once acknowledged is never lost by a crash.
type Queue struct {
	path string
	mu   sync.Mutex
	jobs map[string]*Job
}

// OpenQueue loads (or starts) the queue in dir.
func OpenQueue(dir string) (*Queue, error) {
	q := &Queue{path: filepath.Join(dir, "queue.json"), jobs: map[string]*Job{}}
	b, err := os.ReadFile(q.path)
	if errors.Is(err, os.ErrNotExist) {
		return q, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the relay queue: %w", err)
	}
	var list []*Job
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("reading the relay queue %s: %w", q.path, err)
	}
	for _, j := range list {
		q.jobs[j.ID] = j
	}
	return q, nil
}

// Add stores a new job (in StateAsk unless it has a state) unless one
// with its ID exists. It reports whether the job is new.
func (q *Queue) Add(j Job) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := q.jobs[j.ID]; ok {
		return false, nil
	}
	if len(q.jobs) >= maxJobs {
		return false, fmt.Errorf("the relay queue is full (%d jobs)", maxJobs)
	}
	if j.State == "" {
		j.State = StateAsk
	}
	q.jobs[j.ID] = &j
	return true, q.saveLocked()
}

// Update applies fn to job id and saves the queue before returning.
func (q *Queue) Update(id string, fn func(*Job)) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	j, ok := q.jobs[id]
	if !ok {
		return fmt.Errorf("no job %s in the relay queue", id)
	}
	fn(j)
	return q.saveLocked()
}

// Due returns copies of the jobs in state st whose retry time has come.
func (q *Queue) Due(st State, now time.Time) []Job {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []Job
	for _, j := range q.jobs {
		if j.State == st && !now.Before(j.NextTry) {
			out = append(out, *j)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out
}

// requestID is the box request ID to report the job's delivery under.
func (j *Job) requestID() string {
	if j.Request != "" {
		return j.Request
	}
	return j.ID
}

// RetryNow makes every job in one of states due at once, keeping its
// attempt count: when the box answers again after an outage, the waits
// its failures earned are over.
func (q *Queue) RetryNow(states ...State) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	changed := false
	for _, j := range q.jobs {
		if slices.Contains(states, j.State) && !j.NextTry.IsZero() {
			j.NextTry, changed = time.Time{}, true
		}
	}
	if !changed {
		return nil
	}
	return q.saveLocked()
}

// Any reports whether some job satisfies f.
func (q *Queue) Any(f func(*Job) bool) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, j := range q.jobs {
		if f(j) {
			return true
		}
	}
	return false
}

// Get returns a copy of job id.
func (q *Queue) Get(id string) (Job, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	j, ok := q.jobs[id]
	if !ok {
		return Job{}, false
	}
	return *j, true
}

func (q *Queue) saveLocked() error {
	list := make([]*Job, 0, len(q.jobs))
	for _, j := range q.jobs {
		list = append(list, j)
	}
	sort.Slice(list, func(a, b int) bool { return list[a].ID < list[b].ID })
	b, err := json.MarshalIndent(list, "", " ")
	if err != nil {
		return err
	}
	if err := durable.Replace(q.path, b, 0o600); err != nil {
		return fmt.Errorf("writing the relay queue: %w", err)
	}
	return nil
}

// backoff is the wait before attempt n+1: 1 s doubling to 5 min.
func backoff(n int) time.Duration {
	d := time.Second
	for i := 1; i < n && d < 5*time.Minute; i++ {
		d *= 2
	}
	return min(d, 5*time.Minute)
}
