// Package terminal owns the box's terminals: it opens them, claims the
// console as the daemon's controlling terminal and checks that nobody
// else can type into it, switches raw mode on and off, discards what was
// typed ahead, reads keys, lines and secrets, escapes untrusted text, and
// draws fixed rows and QR codes.
//
// It knows nothing of what is shown: the review screen and its approval
// code belong to the signer package, the ceremony's questions to the
// ceremony package.
//
// # Two ways to read
//
// A [TTY] reads byte by byte in raw mode with read deadlines, so a
// prompt can be cancelled, interrupted by a notice or timed out. The
// daemon's console (signer.Console) is a TTY, and so is every QR screen.
//
// A [Line] reads whole lines from the controlling terminal with the
// kernel's line editing, as a command-line tool does: names, words to
// confirm, and secrets with echo off.
//
// # Secrets
//
// Nothing typed is echoed unless a prompt asks for text in the open.
// Secrets are never read from flags, the environment or a pipe, and
// every buffer that held one is wiped.
package terminal
