package signer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/signetbox/signet/api"
)

// fingerprint is a hash of everything in the request, so a replayed ID
// can be told from an ID reused for another request. The auth key is
// hashed first, so the fingerprint of two requests never reveals it.
func fingerprint(r *api.Request) string {
	c := *r
	if c.AuthKey != "" {
		c.AuthKey = SecretDigest(c.AuthKey)
	}
	b, _ := json.Marshal(c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
