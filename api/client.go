package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// Dialer opens a connection to the API's server: a unix socket
// (UnixDialer), a WireGuard tunnel, or anything a test listens on.
type Dialer func(ctx context.Context) (net.Conn, error)

// Options say how a Client names its server and keeps connections.
type Options struct {
	// Server names the server in errors: "the signet daemon", "the box".
	Server string
	// Unreachable starts the error when no answer came at all; the
	// default is "cannot reach " + Server.
	Unreachable string
	// Host is the Host header the calls carry (default "signet").
	Host string
	// MaxIdleConns and IdleConnTimeout bound the kept-alive connections
	// (0: net/http's defaults).
	MaxIdleConns    int
	IdleConnTimeout time.Duration
}

// Client calls the API over connections from its Dialer. Every call
// checks the HTTP status of the answer: only a 2xx is a success.
type Client struct {
	hc   *http.Client
	tr   *http.Transport
	base string
	o    Options
}

// NewClient returns a client whose connections come from dial.
func NewClient(dial Dialer, o Options) *Client {
	if o.Server == "" {
		o.Server = "the server"
	}
	if o.Unreachable == "" {
		o.Unreachable = "cannot reach " + o.Server
	}
	if o.Host == "" {
		o.Host = "signet"
	}
	tr := &http.Transport{
		DialContext:     func(ctx context.Context, _, _ string) (net.Conn, error) { return dial(ctx) },
		MaxIdleConns:    o.MaxIdleConns,
		IdleConnTimeout: o.IdleConnTimeout,
	}
	return &Client{hc: &http.Client{Transport: tr}, tr: tr, base: "http://" + o.Host, o: o}
}

// NewUnixClient returns a client for the daemon (`signet serve`)
// listening on the unix socket at path.
func NewUnixClient(path string) *Client {
	return NewClient(UnixDialer(path), Options{
		Server:      "the signet daemon",
		Unreachable: "cannot reach the signet daemon (is `signet serve` running, and may you use its socket?)",
	})
}

// CloseIdleConnections closes the kept-alive connections: a server
// process that is gone never answers on them.
func (c *Client) CloseIdleConnections() { c.tr.CloseIdleConnections() }

// maxAnswer caps the answer a client reads (a batch of thousands of
// signatures is a few MiB).
const maxAnswer = 64 << 20

// HTTPError is an answer whose status is not 2xx and that carried no
// answer of the API's own.
type HTTPError struct {
	Server  string // as in Options
	Code    int    // e.g. 503
	Status  string // e.g. "503 Service Unavailable"
	Message string // the answer's "error" field, if it had one
}

func (e *HTTPError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s answered %s", e.Server, e.Status)
	}
	return fmt.Sprintf("%s answered %s: %s", e.Server, e.Status, e.Message)
}

// newRequest builds a call to path; in, if not nil, is its JSON body.
func (c *Client) newRequest(ctx context.Context, method, path string, in any) (*http.Request, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	hreq, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	if in != nil {
		hreq.Header.Set("Content-Type", "application/json")
		// Every call posted is safe to send again (a request id gets its
		// first answer; AUMs and deliveries are stored once), so the
		// transport may retry it on a kept-alive connection the server
		// closed.
		hreq.Header.Set("Idempotency-Key", "")
	}
	return hreq, nil
}

// call makes a call and decodes its JSON answer into out; an answer
// other than 2xx is an *HTTPError.
func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
	hreq, err := c.newRequest(ctx, method, path, in)
	if err != nil {
		return err
	}
	_, err = c.do(hreq, out)
	return err
}

// do sends hreq and decodes the answer into out. code is 0 when no
// answer came (unanswered); an answer other than 2xx is an *HTTPError,
// and out holds what its body decoded to.
func (c *Client) do(hreq *http.Request, out any) (code int, err error) {
	hresp, err := c.hc.Do(hreq)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", c.o.Unreachable, err)
	}
	defer hresp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(hresp.Body, maxAnswer+1))
	if err != nil {
		return hresp.StatusCode, fmt.Errorf("reading the answer of %s: %w", c.o.Server, err)
	}
	if len(data) > maxAnswer {
		return hresp.StatusCode, fmt.Errorf("the answer of %s is larger than %d bytes", c.o.Server, maxAnswer)
	}
	jerr := json.Unmarshal(data, out)
	if hresp.StatusCode/100 != 2 {
		he := &HTTPError{Server: c.o.Server, Code: hresp.StatusCode, Status: hresp.Status}
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil {
			he.Message = e.Error
		}
		return hresp.StatusCode, he
	}
	if jerr != nil {
		return hresp.StatusCode, fmt.Errorf("%s answered %s with no JSON: %w", c.o.Server, hresp.Status, jerr)
	}
	return hresp.StatusCode, nil
}

// unanswered reports whether the exchange failed before any answer
// arrived: the connection was closed, reset, or answered before the
// request was written (the daemon's 503 to a connection over its limits
// can arrive first, and the transport then fails with its own error).
func unanswered(code int, err error) bool { return err != nil && code == 0 }
