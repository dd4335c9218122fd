package api

// StatusInfo is what GET /v1/status returns.
type StatusInfo struct {
	Head              string   `json:"head"`
	Keys              []string `json:"keys"`
	Votes             []uint   `json:"votes"`
	DisablementValues int      `json:"disablement_values"`
	BoxKey            string   `json:"box_key"`
	BoxKeyTrusted     bool     `json:"box_key_trusted"`
	// StateID is the authority's StateID1, which `tailscale lock status
	// --json` prints as "State": clients check status input against it.
	StateID uint64 `json:"state_id"`
	Queue   int    `json:"queue"`
	// Boot is random for each start of the daemon: a relay that sees it
	// change knows its calls in flight went to a process that is gone.
	Boot string `json:"boot"`
	// HSM is the key device's state, read without a PIN; left out when
	// the caller asks with ?hsm=no.
	HSM *HSMStatus `json:"hsm,omitempty"`
}

// HSMStatus is the key device's state as `signet status` and `signet key
// show` show it.
type HSMStatus struct {
	Backend    string `json:"backend"`
	Present    bool   `json:"present"`
	PINRetries int    `json:"pin_retries"` // -1 when unknown
	// MaxTries is the number of wrong PINs that lock the device; -1 (or
	// 0, from a daemon before it was added) when unknown.
	MaxTries int  `json:"max_tries"`
	Lockout  bool `json:"lockout"`
	// RecoverySeconds is how long until the device forgives one more
	// wrong PIN (TPM).
	RecoverySeconds int64 `json:"recovery_seconds,omitempty"`
	// LockoutAuthSet says whether the TPM's lockout hierarchy has a
	// secret; left out for other devices.
	LockoutAuthSet *bool  `json:"lockout_auth_set,omitempty"`
	Policy         string `json:"policy,omitempty"`
	Error          string `json:"error,omitempty"` // when the device could not be read
}

// Progress is what GET /v1/progress says about a request being signed.
type Progress struct {
	ID string `json:"id"`
	// State is "unlocking" (approved; the key is being unlocked, and the
	// console asks for its PIN if it has one), "signing" (Done of Total
	// signatures made), or "none": nothing is
	// under way for this id and this requester (queued, on the console,
	// answered, unknown, or someone else's).
	State string `json:"state"`
	Done  int    `json:"done"`
	Total int    `json:"total"`
}

// Progress states.
const (
	ProgressNone      = "none"
	ProgressUnlocking = "unlocking"
	ProgressSigning   = "signing"
)

// Queued is what the daemon says when it has queued a request for the
// console: the headers of its 102 Processing answer.
type Queued struct {
	// Signatures is how many signatures the review asks for: the number
	// the console shows.
	Signatures int
	// AlreadySigned counts a batch's nodes that the box signed before;
	// they are skipped.
	AlreadySigned int
}
