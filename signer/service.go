package signer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/tka"
)

// Service is the appliance's workflow. Every request passes, in order:
// validation against the authority → journal "received" → the console →
// journal "decision" → the key → journal "issued" → chain store → journal
// "released" → the answer. Nothing reaches the key without a journaled
// approval, and nothing leaves before its "issued" record is on disk.
type Service struct {
	store   tka.Store
	key     hsm.Key
	prompt  Prompt
	journal *Journal
	policy  Policy
	now     func() time.Time
	// insecure marks a software key: the console warns on every request.
	insecure bool

	mu      sync.Mutex // guards auth, signed, answers, rates, flights
	auth    *tka.Authority
	signed  map[tka.NodeKey][]byte
	answers map[string]answer
	rates   map[string][]time.Time
	// peerRates overrides policy.RatePerMinute for named requesters.
	peerRates map[string]int
	index     *sigIndex
	byReq     map[string][]api.NodeResult
	// issued are the request IDs with an "issued" record.
	issued map[string]bool
	// flights are the request IDs being handled (inflight.go).
	flights map[string]*flight
	// out holds released results until a relay reports them delivered.
	out *outbox
	// boot is random per start (StatusInfo.Boot).
	boot string

	// cfgShow shows a released result on the console (Config.ShowResult).
	cfgShow func(ctx context.Context, title, data string) error

	// console admits one review at a time; queued counts waiting requests.
	console chan struct{}
	queued  chan struct{}

	// work is the progress of approved requests being signed (progress.go).
	work progressBoard
}

// answer is the first answer to a request ID, kept so a replay gets it
// again.
type answer struct {
	fingerprint string
	resp        *api.Response
	// alreadyAt, on a replayed batch answer, are the positions in the
	// request of the nodes the first answer gave as signed before: the
	// replay completes resp from the request itself (service_start.go).
	alreadyAt []int
}

// Config is what a Service is built from.
type Config struct {
	Store    tka.Store
	Key      hsm.Key
	Prompt   Prompt
	Journal  *Journal
	Policy   Policy
	Insecure bool
	// Dir is the state dir, for the index of issued signatures.
	Dir string
	// ShowResult, if set, shows each released result on the console (a QR
	// code for air-gapped transfer) before the next review.
	ShowResult func(ctx context.Context, title, data string) error
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// KeyFiles names the key files in Dir that the journal pins (see
	// pins.go); nil skips that check.
	KeyFiles []string
	// Checked is the verdict of CheckStart on Store, Journal and Dir, if
	// the caller ran it already (before opening the key); nil runs it.
	Checked *StartCheck
}

// NewService opens the authority in cfg.Store and readies the workflow.
func NewService(cfg Config) (*Service, error) {
	auth, err := tka.Open(cfg.Store)
	if err != nil {
		return nil, err
	}
	if cfg.Policy == (Policy{}) {
		cfg.Policy = DefaultPolicy
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{
		store: cfg.Store, key: cfg.Key, prompt: cfg.Prompt, journal: cfg.Journal,
		policy: cfg.Policy, now: cfg.Now, insecure: cfg.Insecure, cfgShow: cfg.ShowResult,
		auth: auth, signed: map[tka.NodeKey][]byte{}, answers: map[string]answer{}, rates: map[string][]time.Time{},
		console: make(chan struct{}, 1),
		queued:  make(chan struct{}, cfg.Policy.QueueSize),
	}
	s.byReq = map[string][]api.NodeResult{}
	s.out = newOutbox()
	s.boot = rand.Text()
	s.issued = cfg.Journal.Issued()
	chk, err := startChecks(cfg)
	if err != nil {
		return nil, err
	}
	if s.index, err = openSigIndex(cfg.Dir, chk.indexSize()); err != nil {
		return nil, err
	}
	if err := s.replay(chk); err != nil {
		s.index.close()
		return nil, err
	}
	return s, nil
}

// Authority returns a copy of the current authority.
func (s *Service) Authority() *tka.Authority {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.auth.Clone()
}

// QueueLength is how many requests wait for the console.
func (s *Service) QueueLength() int { return len(s.queued) }

// Handle runs one request through the whole workflow and returns the
// answer. requester says who asked (uid/pid or peer name). An error is
// returned only when the answer could not be made at all; refusals are
// answers.
func (s *Service) Handle(ctx context.Context, req *api.Request, requester string) *api.Response {
	resp, err := s.handle(ctx, req, requester)
	if err != nil {
		return &api.Response{ID: req.ID, Status: api.StatusError, Error: err.Error()}
	}
	return resp
}

func (s *Service) handle(ctx context.Context, req *api.Request, requester string) (*api.Response, error) {
	fp := fingerprint(req)
	s.mu.Lock()
	if a, ok := s.answers[req.ID]; ok {
		s.mu.Unlock()
		if a.fingerprint != fp {
			return nil, fmt.Errorf("request id %q was already used for a different request; use a new id", req.ID)
		}
		if len(a.alreadyAt) > 0 {
			return s.completeReplay(req, a), nil
		}
		return a.resp, nil
	}
	if s.issued[req.ID] && len(s.byReq[req.ID]) == 0 {
		s.mu.Unlock()
		return nil, fmt.Errorf("request id %q was signed before the daemon stopped but its result was not released; it is not signed again: check the chain with 'signet chain verify' and send a new request with a new id", req.ID)
	}
	if err := s.rateCheck(requester); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if f := s.flights[req.ID]; f != nil {
		s.mu.Unlock()
		return f.join(ctx, fp)
	}
	f := s.reserve(ctx, req.ID, fp)
	pl, err := s.planner().plan(req)
	s.mu.Unlock()
	resp, err := s.fly(f.ctx, req, requester, fp, pl, err)
	s.land(f, resp, err)
	return resp, err
}

// fly takes a planned request to its answer: at once when the plan
// answered or failed, busy when the queue is full, else through the
// console. ctx ends when every requester waiting for it has gone.
func (s *Service) fly(ctx context.Context, req *api.Request, requester, fp string, pl *plan, err error) (*api.Response, error) {
	if err != nil {
		return nil, err
	}
	if pl.answer != nil {
		return pl.answer, nil
	}
	select {
	case s.queued <- struct{}{}:
	default:
		return &api.Response{ID: req.ID, Status: api.StatusBusy, Error: "the console queue is full; try again in a few minutes"}, nil
	}
	defer func() { <-s.queued }()
	return s.review(ctx, req, requester, fp, pl)
}

// planner plans on a snapshot of the authority: a plan's sign runs after
// the console, without s.mu, while Inform may move the live authority.
// Called with s.mu held (signed is read only while planning).
func (s *Service) planner() *planner {
	return &planner{auth: s.auth.Clone(), store: s.store, boxPub: s.key.PublicKey(), signed: s.signed, policy: s.policy}
}

// rateCheck limits each requester's principal (rateKey: its uid, or its
// WireGuard peer) to RatePerMinute requests a minute. Called with s.mu
// held.
func (s *Service) rateCheck(requester string) error {
	return s.rateCheckIn("", rateKey(requester))
}

// rateCheckIn counts one call of principal in bucket ("" for requests,
// another name for another kind of call, with the same limit). The table
// holds at most maxRateKeys entries and each at most its limit of times.
// Called with s.mu held.
func (s *Service) rateCheckIn(bucket, principal string) error {
	now := s.now()
	key := principal
	if bucket != "" {
		key = bucket + " " + principal
	}
	recent := recentOnly(s.rates[key], now)
	limit := s.policy.RatePerMinute
	if n, ok := s.peerRates[principal]; ok {
		limit = n
	}
	if len(recent) >= limit {
		return fmt.Errorf("%s sent more than %d %srequests in a minute; wait and try again", principal, limit, bucketWord(bucket))
	}
	if _, ok := s.rates[key]; !ok && len(s.rates) >= maxRateKeys {
		s.pruneRates(now)
		if len(s.rates) >= maxRateKeys {
			return fmt.Errorf("more than %d requesters called in the last minute; wait and try again", maxRateKeys)
		}
	}
	s.rates[key] = append(recent, now)
	return nil
}

// review journals the request, asks the console, and signs if approved.
func (s *Service) review(ctx context.Context, req *api.Request, requester, fp string, pl *plan) (*api.Response, error) {
	digest := hex.EncodeToString(pl.digest)
	base := Record{RequestID: req.ID, Kind: req.Kind, Requester: requester, Digest: digest}
	rec := base
	rec.Type, rec.Detail = RecReceived, pl.detail
	if rec.Detail == nil {
		rec.Detail = map[string]string{}
	}
	rec.Detail[DetailFingerprint] = fp
	if _, err := s.journal.Append(rec); err != nil {
		return nil, err
	}
	s.tellQueued(ctx, req.ID, pl)
	// One review at a time on the console.
	select {
	case s.console <- struct{}{}:
	case <-ctx.Done():
		return s.decide(base, req, fp, Decision{Outcome: OutcomeDenied, Operator: "requester went away"})
	}
	defer func() { <-s.console }()
	pl, err := s.replanIfMoved(req, pl, &base)
	if err != nil {
		return s.decide(base, req, fp, Decision{Outcome: OutcomeStale, Operator: err.Error()})
	}
	digest = base.Digest
	r := pl.review
	r.ID, r.Requester, r.Digest, r.Insecure = req.ID, requester, digest, s.insecure
	r.Head = s.Authority().Head().String()
	r.SigningKey = tka.FormatTLPub(s.key.PublicKey())
	if r.Code, err = newApprovalCode(pl.digest, req.ID); err != nil {
		return s.decide(base, req, fp, Decision{Outcome: OutcomeDenied, Operator: "console error: " + err.Error()})
	}
	r.Deadline = s.now().Add(s.policy.ReviewTimeout)
	rctx, cancel := context.WithDeadline(ctx, r.Deadline)
	d, err := s.prompt.Confirm(rctx, r)
	cancel()
	if err != nil {
		d = Decision{Outcome: OutcomeDenied, Operator: "console error: " + err.Error()}
	}
	if d.Approved() && s.headMoved(pl) {
		d.Outcome, d.Operator = OutcomeStale, "approved on the console, but the chain moved to "+s.Authority().Head().String()+" during the review, so the AUMs approved no longer apply and nothing was signed"
	}
	if !d.Approved() {
		return s.decide(base, req, fp, d)
	}
	if _, err := s.decide(base, req, fp, d); err != nil {
		return nil, err
	}
	resp, err := s.issue(ctx, base, req, fp, pl)
	if err == nil {
		// Still holding the console: the operator sees the result before
		// the next review.
		s.showResult(ctx, req.ID, resp)
	}
	return resp, err
}

// replanIfMoved plans req again when the chain head moved while it
// waited for the console (another request's AUMs were added, or the
// relay brought news from the tailnet), so the operator reviews what will
// really be signed: AUMs built on the old head would be refused at
// signing. The new digest goes into base and a note says why it changed.
// An error means the request no longer applies.
func (s *Service) replanIfMoved(req *api.Request, pl *plan, base *Record) (*plan, error) {
	s.mu.Lock()
	head := s.auth.Head()
	if head == pl.head {
		s.mu.Unlock()
		return pl, nil
	}
	fresh, err := s.planner().plan(req)
	s.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("not shown on the console: the chain moved to %v while it waited: %w", head, err)
	}
	if fresh.answer != nil {
		return nil, fmt.Errorf("not shown on the console: the chain moved to %v while it waited and it is no longer needed (%s)", head, fresh.answer.Status)
	}
	base.Digest = hex.EncodeToString(fresh.digest)
	s.note(*base, "the chain moved to "+head.String()+" while the request waited; planned again on it")
	return fresh, nil
}

// headMoved reports whether the chain head moved away from the one pl's
// AUMs build on. Signing them then would sign something other than what
// the console showed (the old head) or fork the chain.
func (s *Service) headMoved(pl *plan) bool {
	if !pl.onHead {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.auth.Head() != pl.head
}

// decide journals the decision; a denial is also the final answer.
func (s *Service) decide(base Record, req *api.Request, fp string, d Decision) (*api.Response, error) {
	rec := base
	rec.Type, rec.Outcome = RecDecision, d.Outcome
	if d.Operator != "" {
		rec.Detail = map[string]string{DetailOperator: d.Operator}
	}
	if _, err := s.journal.Append(rec); err != nil {
		return nil, err
	}
	if d.Approved() {
		return nil, nil
	}
	resp := deniedAnswer(req.ID, d.Outcome, d.Operator)
	s.remember(req.ID, fp, resp)
	return resp, nil
}

// issue signs, journals "issued", stores AUMs, journals "released". The
// key is unlocked once for the whole decision (one PIN, retried within
// the approval; see unlock.go), and the session is closed and its
// secrets wiped before anything is journaled. A signing that fails ends
// the request with a "failed" record.
func (s *Service) issue(ctx context.Context, base Record, req *api.Request, fp string, pl *plan) (*api.Response, error) {
	defer s.work.clear(req.ID)
	sess, err := s.unlock(ctx, req.ID, base.Requester, pl.signatures)
	if err != nil {
		return s.fail(base, req, fp, err)
	}
	s.notify("signing " + req.ID + " with " + tka.FormatTLPub(s.key.PublicKey()))
	s.work.set(req.ID, base.Requester, api.ProgressSigning, 0, pl.signatures)
	out, err := pl.sign(ctx, &counting{sess: sess, s: s, id: req.ID, requester: base.Requester, total: pl.signatures})
	sess.Close()
	hsm.CollectErased()
	if err != nil {
		return s.fail(base, req, fp, err)
	}
	signedNodes := out.signedNodes()
	mark := s.index.size
	if err := s.index.add(req.ID, signedNodes); err != nil {
		s.note(base, "recording the signatures failed: "+err.Error())
		return nil, indexWriteFailed(req.ID, len(signedNodes), err)
	}
	issuedRec, err := s.journal.Append(issuedRecord(base, out))
	if err != nil {
		return nil, issuedWriteFailed(req.ID, s.index.undo(mark), err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.issued[req.ID] = true
	if len(out.aums) > 0 {
		if s.auth.Head() != pl.head {
			s.note(base, "the chain moved to "+s.auth.Head().String()+" while the approved AUMs were signed; they were not added")
			return nil, fmt.Errorf("the AUMs were signed but the chain moved to %v meanwhile, so they were not added to the chain (nothing was released); send a new request", s.auth.Head())
		}
		if err := s.auth.Inform(s.store, out.aums); err != nil {
			s.note(base, "storing the AUMs failed: "+err.Error())
			return nil, chainWriteFailed(req.ID, issuedRec.Seq, err)
		}
	}
	rec := base
	rec.Type = RecReleased
	if _, err := s.journal.Append(rec); err != nil {
		return nil, releaseWriteFailed(req.ID, issuedRec.Seq, len(signedNodes), s.auth.Head(), len(out.aums), err)
	}
	for nk, sig := range out.nodes {
		s.signed[nk] = sig
	}
	s.answers[req.ID] = answer{fingerprint: fp, resp: out.resp}
	var chainAUMs []string
	if len(out.aums) > 0 {
		chainAUMs = out.resp.AUMs
	}
	s.out.released(req.ID, signedNodes, chainAUMs)
	return out.resp, nil
}

// SetRequesterRate lets requester (a peer label such as "wireguard:relay")
// send perMinute requests a minute instead of Policy.RatePerMinute. A
// relay speaks for a whole tailnet, so it may need more than one person
// at a shell; the console still admits one review at a time and the
// queue stays Policy.QueueSize long.
func (s *Service) SetRequesterRate(requester string, perMinute int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.peerRates == nil {
		s.peerRates = map[string]int{}
	}
	s.peerRates[requester] = perMinute
}

// SetShowResult sets Config.ShowResult after the service was made.
func (s *Service) SetShowResult(f func(ctx context.Context, title, data string) error) { s.cfgShow = f }

// showResult offers a released result on the console, if configured.
// The result has already been released, so a failure only leaves a note.
func (s *Service) showResult(ctx context.Context, id string, r *api.Response) {
	if s.cfgShow == nil {
		return
	}
	title, data := "", ""
	switch {
	case r.Signature != "":
		title, data = "node-key signature for request "+id, r.Signature
	case len(r.AUMs) == 1:
		title, data = "signed AUM (hex) for request "+id, r.AUMs[0]
	case r.WrappedAuthKey != "":
		title, data = "wrapped pre-auth key for request "+id+" (a SECRET)", r.WrappedAuthKey
	default:
		return // batches and multi-AUM results are too large for one code
	}
	sctx, cancel := context.WithTimeout(ctx, s.policy.ReviewTimeout)
	defer cancel()
	if err := s.cfgShow(sctx, title, data); err != nil {
		if n, ok := s.prompt.(interface{ Notify(string) }); ok {
			n.Notify("could not show the result as a QR code: " + err.Error())
		}
	}
}

// Close releases the signature index.
func (s *Service) Close() error { return s.index.close() }

func (s *Service) note(base Record, msg string) {
	rec := base
	rec.Type, rec.Detail = RecNote, map[string]string{DetailMessage: msg}
	_, _ = s.journal.Append(rec)
}

func (s *Service) remember(id, fp string, resp *api.Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers[id] = answer{fingerprint: fp, resp: resp}
}

// aumHashes lists the hex hashes of the AUMs signed, space-separated, for
// the "issued" record: a restarted daemon answers a replay with those
// AUMs from the chain store.
func (o *issued) aumHashes() string {
	var hashes []string
	for _, u := range o.aums {
		h := u.Hash()
		hashes = append(hashes, hex.EncodeToString(h[:]))
	}
	return strings.Join(hashes, " ")
}
