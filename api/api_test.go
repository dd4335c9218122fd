package api

import "testing"

// The paths and headers are the wire contract: clients in the field use
// them, so a change here is a change of the API (docs/api.md).
func TestWireNames(t *testing.T) {
	for got, want := range map[string]string{
		PathRequests:        "/v1/requests",
		PathStatus:          "/v1/status",
		PathProgress:        "/v1/progress",
		PathAUMs:            "/v1/aums",
		PathDelivered:       "/v1/delivered",
		PathOutbox:          "/v1/outbox",
		HeaderWantQueued:    "Signet-Want-Queued",
		HeaderSignatures:    "Signet-Signatures",
		HeaderAlreadySigned: "Signet-Already-Signed",
	} {
		if got != want {
			t.Errorf("%q changed to %q", want, got)
		}
	}
}
