// Package api is the contract between the signet daemon and its clients:
// the wire types of the request API, its paths and headers, the one strict
// JSON decoder both sides use, and the one client (Client) that the CLI,
// signet-relay and the tests share. docs/api.md describes the API.
//
// The package links neither the workflow (signer) nor any key device, so
// a client such as signet-relay carries only what it sends and reads.
package api

// The API is HTTP/1.1 with JSON bodies, served on a unix socket on the box
// and, for relays, inside a WireGuard tunnel.
//
//	POST /v1/requests   a Request; the answer comes when the console decided
//	GET  /v1/status     the authority, the box's key and the queue
//	GET  /v1/progress   how far an approved request of the caller's is signed
//	POST /v1/aums       AUMs seen on the tailnet, to keep the chain current
//	POST /v1/delivered  a result reached the tailnet; journal "delivered"
//	GET  /v1/outbox     released results not yet reported delivered
const (
	PathRequests  = "/v1/requests"
	PathStatus    = "/v1/status"
	PathProgress  = "/v1/progress"
	PathAUMs      = "/v1/aums"
	PathDelivered = "/v1/delivered"
	PathOutbox    = "/v1/outbox"
)

// Headers of the 102 Processing answer that says a request is queued for
// the console, and the request header that asks for it (docs/api.md).
const (
	// HeaderWantQueued, set to 1 on a POST /v1/requests, asks for the 102.
	HeaderWantQueued = "Signet-Want-Queued"
	// HeaderSignatures is how many signatures the review asks the
	// operator to approve: the number the console shows.
	HeaderSignatures = "Signet-Signatures"
	// HeaderAlreadySigned counts a batch's nodes that this box signed
	// before: they are skipped, and answered with their signatures.
	HeaderAlreadySigned = "Signet-Already-Signed"
)
