// Package fsck checks a signet state directory offline and repairs what
// an interrupted write left at the end of its files. It backs 'signet
// journal verify' (every record and hash link of the journal, then the
// checks signet serve runs at start: the chain store, the signature
// index and the key files must agree with the journal) and 'signet
// journal repair' (a torn last record moved aside, then what a start
// may repair). Verification only reads; repair takes the state
// directory's lock.
package fsck
