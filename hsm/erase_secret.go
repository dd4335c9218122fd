//go:build goexperiment.runtimesecret

package hsm

import "runtime/secret"

// eraseAfter runs f under runtime/secret.Do: the registers and stack f
// used are erased when it returns, and the heap memory it allocated as
// soon as the garbage collector frees it.
func eraseAfter(f func()) { secret.Do(f) }

const erasing = true
