package tka

// Limits. Every cap that the wire format or the chain rules impose lives
// here, with the reason for it. The values are those of tailscale.com/tka,
// because a chain that one implementation accepts and the other refuses
// would split the tailnet.
const (
	// maxKeys caps the trusted keys in a State, so that a checkpoint AUM
	// stays small.
	maxKeys = 512

	// maxDisablementValues caps the disablement values in a State, for the
	// same reason.
	maxDisablementValues = 32

	// maxMetaBytes caps the metadata attached to one key (the sum of the
	// lengths of its keys and values), so that the authority is not used as
	// a key-value store.
	maxMetaBytes = 512

	// maxKeyVotes caps the votes of one key.
	maxKeyVotes = 4096

	// disablementLength is the length of a disablement value (the output of
	// the disablement KDF).
	disablementLength = 32

	// maxNesting caps CBOR nesting; deep nesting comes from rotation
	// signatures wrapping each other.
	maxNesting = 16

	// maxArrayElements and maxMapPairs cap CBOR containers so that a small
	// input cannot make the decoder allocate without bound.
	maxArrayElements = 4096
	maxMapPairs      = 1024

	// maxRotationDepth is the most node keys a rotation signature may carry
	// before it would hit maxNesting when wrapped once more.
	maxRotationDepth = 15

	// verifyBatchSize is how many Ed25519 signatures are checked together in
	// one batch. Larger batches are cheaper per signature; a failing batch is
	// re-checked one by one to name the bad signature.
	verifyBatchSize = 128
)

// MaxAUMLog bounds what ReadAUMLog reads (signet's own limit, not
// tailscale's): far more than any real chain's log output, small enough
// to hold in memory.
const MaxAUMLog = 256 << 20
