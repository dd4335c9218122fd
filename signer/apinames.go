package signer

import "github.com/signetbox/signet/api"

// Names of the request API kept here while callers move to package api,
// which owns them now. New code uses api directly.

// Deprecated: use api.Request.
type Request = api.Request

// Deprecated: use api.BatchNode.
type BatchNode = api.BatchNode

// Deprecated: use api.StatusInfo.
type StatusInfo = api.StatusInfo

// Deprecated: use api.Kind.
type Kind = api.Kind

// Deprecated: use the api.Kind constants.
const (
	KindSignNode    = api.KindSignNode
	KindWrapAuthKey = api.KindWrapAuthKey
	KindAddKey      = api.KindAddKey
	KindRemoveKey   = api.KindRemoveKey
	KindCosign      = api.KindCosign
	KindBatch       = api.KindBatch
)
