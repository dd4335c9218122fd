package relay

// Rules for this file: a notification leaves the relay for a third party
// (a chat service), so it carries names and short forms only: the device
// name the tailnet gave, the first 8 hex digits of the node key, the job
// ID and a capped error text. Never a signature, an AUM, a claim other
// than the device name, or the webhook URL itself (it is a bearer secret
// in Slack and Mattermost: it is read from a file and kept out of every
// log line and error).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Event kinds. Do NOT rename: chat rules and scripts match on them.
const (
	// EventNodeWaiting: a locked-out node was forwarded to the box.
	EventNodeWaiting = "node_waiting"
	// EventDelivered: a result the box signed reached the tailnet.
	EventDelivered = "delivered"
	// EventDeliveryFailed: delivering a result failed for the first
	// time (later retries are not announced), or the relay gave up.
	EventDeliveryFailed = "delivery_failed"
	// EventDenied: the box's console denied a request.
	EventDenied = "denied"
)

// notifySchema is the schema version of the "signet" object.
const notifySchema = 1

// Notice is the JSON body posted to the webhook. Text is what Slack,
// Mattermost and other "incoming webhook" endpoints show; the same facts,
// structured, are in Signet, one object so that no field of ours
// collides with a chat tool's own (Mattermost reads "type", "channel").
type Notice struct {
	Text   string      `json:"text"`
	Signet NoticeFacts `json:"signet"`
}

// NoticeFacts are a notification's structured fields.
type NoticeFacts struct {
	Schema  int    `json:"schema_version"`
	Event   string `json:"event"`
	Relay   string `json:"relay"`              // the relay's tailnet name
	Node    string `json:"node,omitempty"`     // the device name, sanitised
	NodeKey string `json:"node_key,omitempty"` // nodekey: and 8 hex digits
	Job     string `json:"job"`                // the relay's job ID
	AUMs    int    `json:"aums,omitempty"`     // AUMs in a delivery
	Error   string `json:"error,omitempty"`    // why it failed, capped
	Dropped int    `json:"dropped,omitempty"`  // notices not sent before this one (rate limit)
	Time    string `json:"time"`               // RFC 3339, UTC
}

// Rate limit: a burst of notifyBurst, then one every notifyEvery. Excess
// notices are dropped and counted; the next one sent says how many.
const (
	notifyBurst   = 10
	notifyEvery   = 6 * time.Second
	notifyQueue   = 64
	notifyTimeout = 10 * time.Second
	maxErrorText  = 200
)

// Notifier posts notices to one webhook, in the background: the relay's
// loop never waits for it.
type Notifier struct {
	url   string
	relay string
	hc    *http.Client
	lim   *rate.Limiter
	logf  func(string, ...any)
	ch    chan Notice
	now   func() time.Time

	mu      sync.Mutex
	dropped int
	counted func(result string) // counts sent, failed, dropped
}

// NewNotifier returns a notifier posting to webhookURL (http or https)
// as relay relayName. It sends nothing until [Notifier.Run] runs.
func NewNotifier(webhookURL, relayName string, logf func(string, ...any)) (*Notifier, error) {
	u, err := url.Parse(strings.TrimSpace(webhookURL))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		// The URL is a secret: name neither it nor the parser's error.
		return nil, errors.New("the webhook URL is not an http:// or https:// URL; put exactly one URL in the file")
	}
	return &Notifier{url: u.String(), relay: relayName, hc: &http.Client{Timeout: notifyTimeout},
		lim: rate.NewLimiter(rate.Every(notifyEvery), notifyBurst), logf: logf,
		ch: make(chan Notice, notifyQueue), now: time.Now, counted: func(string) {}}, nil
}

// Run posts queued notices until ctx is done.
func (n *Notifier) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case nt := <-n.ch:
			n.post(ctx, nt)
		}
	}
}

// send queues a notice if the rate limit allows, else counts it dropped.
func (n *Notifier) send(f NoticeFacts, text string) {
	if n == nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.lim.Allow() {
		n.dropped++
		n.counted("dropped")
		return
	}
	f.Schema, f.Relay, f.Time = notifySchema, n.relay, n.now().UTC().Format(time.RFC3339)
	f.Dropped, n.dropped = n.dropped, 0
	text = "signet-relay " + n.relay + ": " + text
	if f.Dropped > 0 {
		text += fmt.Sprintf(" (%d earlier notices were not sent: rate limit)", f.Dropped)
	}
	select {
	case n.ch <- Notice{Text: text, Signet: f}:
	default:
		n.dropped += 1 + f.Dropped
		n.counted("dropped")
	}
}

func (n *Notifier) post(ctx context.Context, nt Notice) {
	body, err := json.Marshal(nt)
	if err != nil {
		return
	}
	req, err := http.NewRequestWithContext(ctx, "POST", n.url, bytes.NewReader(body))
	if err != nil {
		n.failed(nt, errors.New("building the request"))
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := n.hc.Do(req)
	if err != nil {
		// NOTE(notify): *url.Error names the URL, a secret: log only
		// what went wrong underneath.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		n.failed(nt, err)
		return
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		n.failed(nt, fmt.Errorf("the webhook answered %s", resp.Status))
		return
	}
	n.counted("sent")
}

func (n *Notifier) failed(nt Notice, err error) {
	n.counted("failed")
	n.logf("relay: posting the %s notice to the webhook: %v", nt.Signet.Event, err)
}

// shortKey is "nodekey:" and the first 8 hex digits of a node key, enough
// to find the node in "tailscale lock status".
func shortKey(nk string) string {
	h := strings.TrimPrefix(nk, "nodekey:")
	if len(h) > 8 {
		h = h[:8]
	}
	if h == "" {
		return ""
	}
	return "nodekey:" + h
}

// safeText keeps what a tailnet or a box sent from steering the chat
// tool: only letters, digits and ". _ - : / ( ) , ' =" and spaces stay
// (no "<", ">", "&", "@", "*", "`" for mentions, links and markup), and
// it is capped at max bytes.
//
// NOTE(notify): a device names itself when it joins, so its name is
// attacker-controlled: "<!channel>" or "<https://evil|click>" would page
// everyone or show a link in Slack.
func safeText(s string, max int) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9',
			strings.ContainsRune(" ._-:/(),'=", r):
			b.WriteRune(r)
		default:
			b.WriteByte('?')
		}
		if b.Len() >= max {
			return b.String() + "..."
		}
	}
	return b.String()
}

// deviceName is job j's device name from its claims, sanitised.
func deviceName(j Job) string {
	return safeText(strings.TrimSuffix(j.Claims["device"], "."), 63)
}

func (n *Notifier) nodeWaiting(j Job) {
	f := NoticeFacts{Event: EventNodeWaiting, Node: deviceName(j), NodeKey: shortKey(j.NodeKey), Job: j.ID}
	n.send(f, fmt.Sprintf("%s (%s) is locked out; the box's console is asked to sign it", orUnnamed(f.Node), f.NodeKey))
}

func (n *Notifier) delivered(j Job) {
	f := NoticeFacts{Event: EventDelivered, Node: deviceName(j), NodeKey: shortKey(j.NodeKey), Job: j.ID, AUMs: len(j.AUMs)}
	n.send(f, "delivered "+what(f)+" to the tailnet")
}

func (n *Notifier) deliveryFailed(j Job, cause error, gaveUp bool) {
	f := NoticeFacts{Event: EventDeliveryFailed, Node: deviceName(j), NodeKey: shortKey(j.NodeKey), Job: j.ID,
		AUMs: len(j.AUMs), Error: safeText(cause.Error(), maxErrorText)}
	next := "retrying with backoff"
	if gaveUp {
		next = "gave up; it stays in the box's outbox"
	}
	n.send(f, fmt.Sprintf("delivering %s failed (%s): %s", what(f), next, f.Error))
}

func (n *Notifier) denied(j Job) {
	f := NoticeFacts{Event: EventDenied, Node: deviceName(j), NodeKey: shortKey(j.NodeKey), Job: j.ID}
	n.send(f, fmt.Sprintf("the box's console denied %s (%s); it stays locked out", orUnnamed(f.Node), f.NodeKey))
}

// what names a delivery's content for the text.
func what(f NoticeFacts) string {
	if f.AUMs > 0 {
		return fmt.Sprintf("%d AUM(s) from request %s", f.AUMs, safeText(f.Job, 80))
	}
	if f.Node != "" {
		return fmt.Sprintf("the signature for %s (%s)", f.Node, f.NodeKey)
	}
	return fmt.Sprintf("the signature for %s", f.NodeKey)
}

func orUnnamed(name string) string {
	if name == "" {
		return "a node"
	}
	return name
}
