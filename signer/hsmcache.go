package signer

import (
	"context"
	"sync"
	"time"

	"github.com/signetbox/signet/api"
)

// hsmStatusTTL is how long one reading of the key device's status serves
// every GET /v1/status: a flood of status requests then reads the TPM or
// card at most once a second and does not compete with signing on it.
const hsmStatusTTL = time.Second

// hsmCache shares one reading of the key device's status among callers.
type hsmCache struct {
	mu   sync.Mutex
	at   time.Time
	last api.HSMStatus
}

// get returns a reading at most hsmStatusTTL old, reading the device with
// read if needed. Callers that arrive during a reading wait for it.
func (c *hsmCache) get(ctx context.Context, read func(context.Context) api.HSMStatus) api.HSMStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && time.Since(c.at) < hsmStatusTTL {
		return c.last
	}
	// The reading serves others too: a caller that goes away must not
	// leave them a cancelled one.
	c.last, c.at = read(context.WithoutCancel(ctx)), time.Now()
	return c.last
}
