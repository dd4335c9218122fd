package hsm

import "runtime"

// Erasing runs f, which handles a PIN or key material, so that the
// temporaries it leaves behind are erased: with a binary built with
// GOEXPERIMENT=runtimesecret (`make build` does), f runs under
// runtime/secret.Do, which erases the registers and stack f used when it
// returns and the heap memory it allocated as soon as the garbage
// collector frees it. Libraries f calls (go-tpm's session HMAC keys,
// piv-go's APDU buffers) copy the PIN into memory no caller can reach;
// this is what erases those copies. Without the experiment f just runs.
//
// f must not start goroutines that touch the secret (their stacks are not
// covered), and must not call C code: runtime/secret.Do does not support
// cgo calls (a PIV VERIFY through piv-go and libpcsclite inside it kills
// the process with SIGSEGV), and C buffers are out of its reach anyway.
func Erasing(f func()) { eraseAfter(f) }

// ErasingEnabled reports whether [Erasing] erases (the binary was built
// with GOEXPERIMENT=runtimesecret on linux/amd64 or linux/arm64).
func ErasingEnabled() bool {
	return erasing && runtime.GOOS == "linux" && (runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64")
}

// CollectErased runs the garbage collector so that heap memory freed by
// [Erasing] calls is erased now rather than at the next collection. Call
// it after a decision's session is closed, when no signing is under way.
func CollectErased() {
	if erasing {
		runtime.GC()
	}
}
