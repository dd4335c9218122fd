package soft

// UseCheapKDFForTests makes key files created from now on in this process
// use Argon2id parameters that cost well under a millisecond, so tests
// that unlock soft keys many times (across daemon restarts, for one) stay
// fast. The parameters are recorded in the file, so whoever opens it later
// pays the same low cost. Only tests may call it; the soft backend is for
// development anyway, and its default parameters are RFC 9106's.
func UseCheapKDFForTests() {
	testOnlyKDF = &kdfParams{Time: 1, Memory: 64, Threads: 1}
}
