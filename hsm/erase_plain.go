//go:build !goexperiment.runtimesecret

package hsm

// eraseAfter runs f. Built without GOEXPERIMENT=runtimesecret, Go cannot
// erase the temporaries f leaves on the stack and heap; the code that
// handles secrets wipes its own buffers either way.
func eraseAfter(f func()) { f() }

const erasing = false
