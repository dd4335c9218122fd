package signer

import "time"

// Policy limits what the daemon accepts.
type Policy struct {
	// MaxBody is the largest request body, in bytes.
	MaxBody int64
	// MaxBatch is the most node keys one batch may list.
	MaxBatch int
	// QueueSize is how many requests may wait for the console; more get
	// a busy answer.
	QueueSize int
	// RatePerMinute is how many requests one requester may send a minute.
	RatePerMinute int
	// ReviewTimeout is how long the console waits for a decision.
	ReviewTimeout time.Duration
}

// DefaultPolicy is the policy when the config sets none.
var DefaultPolicy = Policy{
	MaxBody:       4 << 20,
	MaxBatch:      5000,
	QueueSize:     16,
	RatePerMinute: 60,
	ReviewTimeout: 2 * time.Minute,
}
