package signer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
)

// Client talks to a running daemon over its unix socket.
type Client struct {
	http *http.Client
}

// NewClient returns a client for the daemon listening on socket.
func NewClient(socket string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
	}
	return &Client{http: &http.Client{Transport: tr}}
}

// Send posts a request and waits for the console's decision.
func (c *Client) Send(ctx context.Context, req *Request) (*Response, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://signet"+pathRequests, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	var resp Response
	if err := c.do(hreq, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Status asks for the daemon's status.
func (c *Client) Status(ctx context.Context) (*StatusInfo, error) {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://signet"+pathStatus, nil)
	if err != nil {
		return nil, err
	}
	var st StatusInfo
	if err := c.do(hreq, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

func (c *Client) do(hreq *http.Request, out any) error {
	hresp, err := c.http.Do(hreq)
	if err != nil {
		return fmt.Errorf("cannot reach the signet daemon (is `signet serve` running, and may you use its socket?): %w", err)
	}
	defer hresp.Body.Close()
	if err := json.NewDecoder(hresp.Body).Decode(out); err != nil {
		return fmt.Errorf("the daemon's answer is not valid JSON: %w", err)
	}
	return nil
}
