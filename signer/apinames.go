package signer

import "github.com/signetbox/signet/api"

// Names of the request API that the console files still use; package
// api owns them. New code uses api directly.

// Deprecated: use api.Kind.
type Kind = api.Kind

// Deprecated: use the api.Kind constants.
const (
	KindSignNode    = api.KindSignNode
	KindWrapAuthKey = api.KindWrapAuthKey
	KindAddKey      = api.KindAddKey
	KindBatch       = api.KindBatch
)
