package signer

// Standing concurrency tests of "one id, one review, one signature"
// (inflight.go): many requests with one ID at the same time, with the same
// and with other content, through every way a request can end. Run under
// -race by `make test`. The journal is the real one; the prompt is the
// scripted operator (the real console is driven in cmd/signet).

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signetbox/signet/api"
)

// sameID sends n requests at once (a start barrier, one goroutine each),
// each as its own requester, and returns their answers in order.
func sameID(svc *Service, ctx context.Context, reqs []*api.Request) []*api.Response {
	out := make([]*api.Response, len(reqs))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, r := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = svc.Handle(ctx, r, fmt.Sprintf("requester-%d", i))
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// countRecords counts id's journal records by type.
func (f *fixture) countRecords(t *testing.T, id string) map[RecordType]int {
	t.Helper()
	n := map[RecordType]int{}
	if err := f.svc.journal.Scan(func(r Record) error {
		if r.RequestID == id {
			n[r.Type]++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// parties is how many requests wait for id's flight (0: no flight).
func (s *Service) parties(id string) int {
	s.mu.Lock()
	f := s.flights[id]
	s.mu.Unlock()
	if f == nil {
		return 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.parties
}

func (s *Service) flightCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.flights)
}

// waitLong is waitFor with room for a loaded machine.
func waitLong(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(60 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// Sixty requests with one ID race in at once, 40 with one content and 20
// with another, while the review is held on the console. Whichever came
// first is reviewed once; every request with its content gets that one
// answer, and every request with the other content is refused at once.
// The journal holds one received, one decision and (when approved) one
// issued record for the ID.
func TestSameIDConcurrent(t *testing.T) {
	for _, outcome := range []Outcome{OutcomeApproved, OutcomeWrongCode} {
		t.Run(string(outcome), func(t *testing.T) {
			f := newFixture(t)
			f.svc.policy.RatePerMinute = 1 << 20
			f.prompt.answers = []Outcome{outcome}
			f.prompt.block = make(chan struct{})
			a := &api.Request{ID: "same", Kind: api.KindSignNode, NodeKey: nodeKey(1).String()}
			b := &api.Request{ID: "same", Kind: api.KindSignNode, NodeKey: nodeKey(2).String()}
			var reqs []*api.Request
			for i := range 60 {
				if i%3 == 2 {
					reqs = append(reqs, b)
				} else {
					reqs = append(reqs, a)
				}
			}
			var out []*api.Response
			done := make(chan struct{})
			go func() { out = sameID(f.svc, context.Background(), reqs); close(done) }()
			// Every request is either waiting for the one review or was
			// refused: the losers (20 or 40) never wait.
			waitLong(t, "the one review and its waiting requests", func() bool {
				n := f.svc.parties("same")
				return len(f.prompt.reviews()) == 1 && (n == 40 || n == 20)
			})
			close(f.prompt.block)
			<-done

			won := strings.Join(f.prompt.reviews()[0].Summary, "\n")
			first := -1
			for i, r := range out {
				mine := strings.Contains(won, strings.TrimPrefix(reqs[i].NodeKey, "nodekey:")[:8])
				switch {
				case mine && first < 0:
					first = i
				case mine && r != out[first]:
					t.Fatalf("request %d got %+v, want the first answer %+v", i, r, out[first])
				case !mine && (r.Status != api.StatusError || !strings.Contains(r.Error, "in use right now by a different request")):
					t.Fatalf("request %d with other content: %+v, want refused", i, r)
				}
			}
			want := api.StatusSigned
			if outcome != OutcomeApproved {
				want = api.StatusDenied
			}
			if out[first].Status != want {
				t.Fatalf("the answer is %+v, want %s", out[first], want)
			}
			n := f.countRecords(t, "same")
			if len(f.prompt.reviews()) != 1 || n[RecReceived] != 1 || n[RecDecision] != 1 || n[RecIssued] > 1 {
				t.Fatalf("%d reviews, journal %v: want one review, one received, one decision, at most one issued", len(f.prompt.reviews()), n)
			}
			if f.svc.flightCount() != 0 {
				t.Fatal("a reservation is left behind")
			}
			// Later: the same content replays, other content is refused.
			w, l := reqs[first], a
			if w == a {
				l = b
			}
			if r := f.svc.Handle(context.Background(), w, "later"); r != out[first] {
				t.Fatalf("a later replay got %+v", r)
			}
			if r := f.svc.Handle(context.Background(), l, "later"); r.Status != api.StatusError || !strings.Contains(r.Error, "already used") {
				t.Fatalf("later other content got %+v", r)
			}
		})
	}
}

// The first requester goes away while a second one with the same request
// waits: the review goes on for the second, which gets the signature.
// When the second goes away too, nobody is left and the review ends.
func TestSameIDRequesterGoesAway(t *testing.T) {
	f := newFixture(t)
	f.prompt.block = make(chan struct{})
	req := &api.Request{ID: "away", Kind: api.KindSignNode, NodeKey: nodeKey(3).String()}
	ctx1, cancel1 := context.WithCancel(context.Background())
	first := make(chan *api.Response, 1)
	go func() { first <- f.svc.Handle(ctx1, req, "first") }()
	waitLong(t, "the review", func() bool { return len(f.prompt.reviews()) == 1 })
	second := make(chan *api.Response, 1)
	go func() { second <- f.svc.Handle(context.Background(), req, "second") }()
	waitLong(t, "the second request to wait", func() bool { return f.svc.parties("away") == 2 })
	cancel1()
	waitLong(t, "the first requester to be counted out", func() bool { return f.svc.parties("away") == 1 })
	// A third one gives up on its own: it returns, the review goes on.
	ctx3, cancel3 := context.WithCancel(context.Background())
	third := make(chan *api.Response, 1)
	go func() { third <- f.svc.Handle(ctx3, req, "third") }()
	waitLong(t, "the third request to wait", func() bool { return f.svc.parties("away") == 2 })
	cancel3()
	if r := <-third; r.Status != api.StatusError || !strings.Contains(r.Error, "stopped waiting") {
		t.Fatalf("the third requester gave up: %+v", r)
	}
	close(f.prompt.block)
	r2 := <-second
	if r2.Status != api.StatusSigned {
		t.Fatalf("the second requester got %+v, want the signature", r2)
	}
	if r1 := <-first; r1 != r2 {
		t.Fatalf("the first requester's call ended with %+v", r1)
	}

	// Everybody goes away: the review ends as a denial, journaled once.
	f.prompt.mu.Lock()
	f.prompt.block = make(chan struct{})
	f.prompt.mu.Unlock()
	gone := &api.Request{ID: "all-gone", Kind: api.KindSignNode, NodeKey: nodeKey(4).String()}
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan *api.Response, 2)
	go func() { out <- f.svc.Handle(ctx, gone, "a") }()
	waitLong(t, "the review", func() bool { return len(f.prompt.reviews()) == 2 })
	go func() { out <- f.svc.Handle(ctx, gone, "b") }()
	waitLong(t, "the second to wait", func() bool { return f.svc.parties("all-gone") == 2 })
	cancel()
	<-out
	<-out
	waitLong(t, "the flight to land", func() bool { return f.svc.flightCount() == 0 })
	n := f.countRecords(t, "all-gone")
	if n[RecReceived] != 1 || n[RecDecision] != 1 || n[RecIssued] != 0 {
		t.Fatalf("journal %v: want one received and one decision, nothing issued", n)
	}
	if r := f.svc.Handle(context.Background(), gone, "c"); r.Status != api.StatusDenied {
		t.Fatalf("after everybody left, the id's answer is %+v, want the denial", r)
	}
	close(f.prompt.block)
}

// A full queue answers busy to every request with the ID and leaves no
// reservation behind: the ID is reviewed normally once there is room.
func TestSameIDBusyLeavesNoReservation(t *testing.T) {
	f := newFixture(t)
	f.svc.policy.RatePerMinute = 1 << 20
	f.svc.policy.QueueSize = 1
	f.svc.queued = make(chan struct{}, 1)
	f.prompt.block = make(chan struct{})
	hold := make(chan *api.Response, 1)
	go func() {
		hold <- f.svc.Handle(context.Background(), &api.Request{ID: "holder", Kind: api.KindSignNode, NodeKey: nodeKey(5).String()}, "h")
	}()
	waitLong(t, "the holder's review", func() bool { return len(f.prompt.reviews()) == 1 })
	req := &api.Request{ID: "busy", Kind: api.KindSignNode, NodeKey: nodeKey(6).String()}
	reqs := make([]*api.Request, 30)
	for i := range reqs {
		reqs[i] = req
	}
	for i, r := range sameID(f.svc, context.Background(), reqs) {
		if r.Status != api.StatusBusy {
			t.Fatalf("request %d: %+v, want busy", i, r)
		}
	}
	if f.svc.flightCount() != 1 { // the holder's
		t.Fatalf("%d flights, want only the holder's", f.svc.flightCount())
	}
	close(f.prompt.block)
	if r := <-hold; r.Status != api.StatusSigned {
		t.Fatalf("holder: %+v", r)
	}
	if r := f.svc.Handle(context.Background(), req, "again"); r.Status != api.StatusSigned {
		t.Fatalf("after the queue emptied: %+v, want signed", r)
	}
	if n := f.countRecords(t, "busy"); n[RecReceived] != 1 || n[RecIssued] != 1 {
		t.Fatalf("journal %v", n)
	}
}

// A request refused before the console (here: the chain does not trust
// the key it removes) gives every waiting duplicate the same refusal and
// journals nothing; so does an ID whose plan is already answered.
func TestSameIDErrorBeforeConsole(t *testing.T) {
	f := newFixture(t)
	f.svc.policy.RatePerMinute = 1 << 20
	bad := &api.Request{ID: "bad", Kind: api.KindRemoveKey, Key: "tlpub:" + strings.Repeat("ab", 32)}
	reqs := make([]*api.Request, 30)
	for i := range reqs {
		reqs[i] = bad
	}
	out := sameID(f.svc, context.Background(), reqs)
	for i, r := range out {
		if r.Status != api.StatusError || r.Error != out[0].Error {
			t.Fatalf("request %d: %+v, want the same error as %+v", i, r, out[0])
		}
	}
	if n := f.countRecords(t, "bad"); len(n) != 0 || len(f.prompt.reviews()) != 0 || f.svc.flightCount() != 0 {
		t.Fatalf("journal %v, %d reviews, %d flights: want nothing", n, len(f.prompt.reviews()), f.svc.flightCount())
	}
}

// Replays after a restart: an answered ID gets its answer, with nothing
// journaled; an ID the journal shows as received but never decided (the
// daemon stopped during its review) is reviewed once more, once.
func TestSameIDAfterRestart(t *testing.T) {
	f := newFixture(t)
	done := &api.Request{ID: "done", Kind: api.KindSignNode, NodeKey: nodeKey(7).String()}
	first := f.svc.Handle(context.Background(), done, "t")
	open := &api.Request{ID: "open", Kind: api.KindSignNode, NodeKey: nodeKey(8).String()}
	rec := Record{Type: RecReceived, RequestID: open.ID, Kind: open.Kind, Requester: "t", Digest: "00", Detail: map[string]string{"fingerprint": fingerprint(open)}}
	if _, err := f.svc.journal.Append(rec); err != nil {
		t.Fatal(err)
	}
	f.svc = f.restart(t)
	f.svc.policy.RatePerMinute = 1 << 20
	f.prompt.block = make(chan struct{})
	reqs := make([]*api.Request, 20)
	for i := range reqs {
		reqs[i] = done
	}
	for i, r := range sameID(f.svc, context.Background(), reqs) {
		if r.Signature != first.Signature || r.Status != api.StatusSigned {
			t.Fatalf("replay %d after the restart: %+v", i, r)
		}
	}
	for i := range reqs {
		reqs[i] = open
	}
	var out []*api.Response
	end := make(chan struct{})
	go func() { out = sameID(f.svc, context.Background(), reqs); close(end) }()
	waitLong(t, "one review of the open request", func() bool {
		return len(f.prompt.reviews()) == 2 && f.svc.parties("open") == 20
	})
	close(f.prompt.block)
	<-end
	for i, r := range out {
		if r != out[0] || r.Status != api.StatusSigned {
			t.Fatalf("request %d: %+v", i, r)
		}
	}
	if n := f.countRecords(t, "done"); n[RecReceived] != 1 || n[RecIssued] != 1 {
		t.Fatalf("journal of the answered id: %v", n)
	}
	if n := f.countRecords(t, "open"); n[RecReceived] != 2 || n[RecDecision] != 1 || n[RecIssued] != 1 {
		t.Fatalf("journal of the open id: %v, want the old received and one more review", n)
	}
}

// A flood of different IDs against the queue limit: the console admits
// QueueSize of them, all others are busy at once, and nothing is left
// reserved.
func TestFloodOfIDsAgainstTheQueue(t *testing.T) {
	f := newFixture(t)
	f.svc.policy.RatePerMinute = 1 << 20
	f.prompt.block = make(chan struct{})
	const n = 200
	size := f.svc.policy.QueueSize
	reqs := make([]*api.Request, n)
	for i := range reqs {
		reqs[i] = &api.Request{ID: fmt.Sprintf("flood-%d", i), Kind: api.KindSignNode, NodeKey: nodeKey(byte(i)).String()}
	}
	var mu sync.Mutex
	count := map[api.Status]int{}
	var wg sync.WaitGroup
	for i, r := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp := f.svc.Handle(context.Background(), r, fmt.Sprintf("requester-%d", i))
			mu.Lock()
			count[resp.Status]++
			mu.Unlock()
		}()
	}
	waitLong(t, "a full queue and every other request answered busy", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return f.svc.QueueLength() == size && count[api.StatusBusy] == n-size
	})
	close(f.prompt.block)
	wg.Wait()
	if count[api.StatusSigned] != size || count[api.StatusBusy] != n-size {
		t.Fatalf("answers %v, want %d signed and %d busy", count, size, n-size)
	}
	issued := 0
	f.svc.journal.Scan(func(r Record) error {
		if r.Type == RecIssued {
			issued++
		}
		return nil
	})
	if issued != size || f.svc.flightCount() != 0 || f.svc.QueueLength() != 0 {
		t.Fatalf("%d issued, %d flights, queue %d", issued, f.svc.flightCount(), f.svc.QueueLength())
	}
}
