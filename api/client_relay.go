package api

import (
	"context"
	"net/http"
	"strconv"
)

// Inform sends AUMs (hex, oldest first) seen on the tailnet and returns
// the box's head after storing them.
func (c *Client) Inform(ctx context.Context, aums []string) (head string, err error) {
	var resp InformResponse
	if err := c.call(ctx, http.MethodPost, PathAUMs, &InformRequest{AUMs: aums}, &resp); err != nil {
		return "", err
	}
	return resp.Head, nil
}

// Delivered reports that a result reached the tailnet; the box journals
// it once. already is true when it had been reported before.
func (c *Client) Delivered(ctx context.Context, d DeliveredRequest) (already bool, err error) {
	var resp DeliveredResponse
	if err := c.call(ctx, http.MethodPost, PathDelivered, &d, &resp); err != nil {
		return false, err
	}
	return resp.Already, nil
}

// Outbox lists up to limit released results (0: the box's own cap) that
// no relay has reported delivered, oldest first.
func (c *Client) Outbox(ctx context.Context, limit int) (*OutboxResponse, error) {
	path := PathOutbox
	if limit > 0 {
		path += "?limit=" + strconv.Itoa(limit)
	}
	var out OutboxResponse
	if err := c.call(ctx, http.MethodGet, path, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
