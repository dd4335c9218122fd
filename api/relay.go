package api

// The calls a relay makes besides requests (docs/api.md).

// InformRequest is the body of POST /v1/aums.
type InformRequest struct {
	// AUMs are hex blobs, oldest first.
	AUMs []string `json:"aums"`
}

// InformResponse is its answer.
type InformResponse struct {
	Head  string `json:"head"`
	Error string `json:"error,omitempty"`
}

// DeliveredRequest is the body of POST /v1/delivered.
type DeliveredRequest struct {
	// ID is the request whose result was delivered.
	ID string `json:"id"`
	// NodeKey names the node, for a node-key signature.
	NodeKey string `json:"node_key,omitempty"`
	// Via says how (e.g. "control /machine/tka/sign").
	Via string `json:"via,omitempty"`
}

// DeliveredResponse is its answer. Already is true when the journal had
// the delivery already (nothing new was journaled).
type DeliveredResponse struct {
	Already bool   `json:"already,omitempty"`
	Error   string `json:"error,omitempty"`
}

// OutboxItem is one released result waiting to reach the tailnet: a
// node-key signature, or the AUMs one request added to the chain.
type OutboxItem struct {
	// ID is the request that produced the result.
	ID string `json:"id"`
	// NodeKey and Signature (hex CBOR) are set for a node-key signature.
	NodeKey   string `json:"node_key,omitempty"`
	Signature string `json:"signature,omitempty"`
	// AUMs are hex blobs in chain order, for a request that changed the
	// trusted keys.
	AUMs []string `json:"aums,omitempty"`
}

// OutboxResponse is the answer to GET /v1/outbox?limit=N. More counts
// the items left out by the limit.
type OutboxResponse struct {
	Items []OutboxItem `json:"items"`
	More  int          `json:"more,omitempty"`
}
