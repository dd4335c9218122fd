package tka

import "github.com/hdevalence/ed25519consensus"

// sigBatch collects ZIP-215 Ed25519 checks and runs them in batches of
// verifyBatchSize. Batch and one-by-one ZIP-215 verification give the same
// verdict; a failed batch is re-run one by one to find the first bad
// signature.
type sigBatch struct {
	items  []batchItem
	failed *batchItem // first failure found, in insertion order
}

type batchItem struct {
	pub, msg, sig []byte
	// tag says which AUM (or node) and which signature this is.
	tag, sub int
}

// add queues a check; when the batch is full it is verified. It returns
// false once any check has failed.
func (b *sigBatch) add(it batchItem) bool {
	if b.failed != nil {
		return false
	}
	if b.items == nil {
		b.items = make([]batchItem, 0, verifyBatchSize)
	}
	b.items = append(b.items, it)
	if len(b.items) == verifyBatchSize {
		b.flush()
	}
	return b.failed == nil
}

// flush verifies what is queued and reports whether all of it was valid.
func (b *sigBatch) flush() bool {
	if b.failed != nil || len(b.items) == 0 {
		b.items = b.items[:0]
		return b.failed == nil
	}
	if !verifyAll(b.items) {
		for i := range b.items {
			it := b.items[i]
			if !ed25519consensus.Verify(it.pub, it.msg, it.sig) {
				b.failed = &it
				break
			}
		}
	}
	b.items = b.items[:0]
	return b.failed == nil
}

func verifyAll(items []batchItem) bool {
	if len(items) == 1 {
		it := items[0]
		return ed25519consensus.Verify(it.pub, it.msg, it.sig)
	}
	return batchVerify(items)
}
