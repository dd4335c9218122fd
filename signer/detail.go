package signer

import (
	"strconv"
	"strings"
)

// The keys of a journal record's Detail. The JSON on disk is a plain
// string map, so journals written before these names existed read the
// same; writers use the constants and readers the accessors below.
const (
	// DetailFingerprint (received) binds a request ID to its content.
	DetailFingerprint = "fingerprint"
	// DetailNodeKey (received, delivered) is the node key a sign-node
	// request names, or that a delivery report is about.
	DetailNodeKey = "node_key"
	// DetailNodes and DetailAlreadySigned (received, batch) count the
	// nodes to sign and those skipped as signed before; DetailOverLimit
	// those the batch's limit left out.
	DetailNodes         = "nodes"
	DetailAlreadySigned = "already_signed"
	DetailOverLimit     = "over_limit"
	// DetailAuthKey (received, wrap-auth-key) is the SecretDigest of the
	// pre-auth key, never the key.
	DetailAuthKey = "auth_key"
	// DetailKey (received, AUM kinds) names the keys of the request.
	DetailKey = "key"
	// DetailRecoveryAUM (received, cosign) is the recovery AUM's hash.
	DetailRecoveryAUM = "recovery_aum"
	// DetailOperator (decision) is who or what decided.
	DetailOperator = "operator"
	// DetailAUMs is, on a received record, how many AUMs the request
	// makes; on an issued record, their hex hashes, space-separated.
	DetailAUMs = "aums"
	// DetailCount (issued) is how many items were signed, when more
	// than one.
	DetailCount = "count"
	// DetailCredential (issued, wrap-auth-key) is the wrapped key's
	// public credential key, tlpub:<hex>.
	DetailCredential = "credential"
	// DetailCosignedAUM (issued, cosign) is the co-signed recovery AUM,
	// hex: it is in no chain, so the journal keeps it for a replay.
	DetailCosignedAUM = "cosigned_aum"
	// DetailAlreadyAt (issued, batch) lists, space-separated, the
	// positions in the request's node list of the nodes its answer gave
	// as signed before.
	DetailAlreadyAt = "already_at"
	// DetailReason (failed) says why signing failed after an approval.
	DetailReason = "reason"
	// DetailVia (delivered) says how the result reached the tailnet.
	DetailVia = "via"
	// DetailMessage (note) is a sentence for the operator.
	DetailMessage = "message"
	// DetailPrevious (note) is the chain head before an update.
	DetailPrevious = "previous"
)

// NodeKey is the node key a received sign-node record or a delivered
// record names, or "".
func (r Record) NodeKey() string { return r.Detail[DetailNodeKey] }

// Operator is who or what made a decision record's decision, or "".
func (r Record) Operator() string { return r.Detail[DetailOperator] }

// Credential is the public credential key of a wrapped pre-auth key an
// issued record stands for, or "".
func (r Record) Credential() string { return r.Detail[DetailCredential] }

// Reason is why signing failed, on a failed record, or "".
func (r Record) Reason() string { return r.Detail[DetailReason] }

// Message is a note's sentence, or "".
func (r Record) Message() string { return r.Detail[DetailMessage] }

// IssuedAUMs lists the hex hashes of the AUMs an issued record stands
// for (none for other records).
func (r Record) IssuedAUMs() []string {
	if r.Type != RecIssued {
		return nil
	}
	return strings.Fields(r.Detail[DetailAUMs])
}

// IssuedCount is how many items an issued record stands for: its count
// detail, or one.
func (r Record) IssuedCount() int {
	if n, err := strconv.Atoi(r.Detail[DetailCount]); err == nil {
		return n
	}
	return 1
}

// CosignedAUM is the co-signed recovery AUM (hex) an issued record
// keeps, or "".
func (r Record) CosignedAUM() string { return r.Detail[DetailCosignedAUM] }

// alreadyAt is the positions an issued batch record lists; entries that
// are not numbers are skipped.
func (r Record) alreadyAt() []int {
	var out []int
	for _, f := range strings.Fields(r.Detail[DetailAlreadyAt]) {
		if n, err := strconv.Atoi(f); err == nil && n >= 0 {
			out = append(out, n)
		}
	}
	return out
}
