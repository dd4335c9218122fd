// Package ceremony runs the offline key ceremony and checks its
// transcripts: it asks who is present and which keys to trust, makes or
// takes the box's key and unlocks it once, shows the disablement secrets
// once each, and releases the `tailscale lock init` line (and a genesis
// AUM) only after a transcript signed by the box's key is written.
//
// # Terminal
//
// The ceremony talks to people only through a [Terminal], which the CLI
// provides; disablement secrets go to it and nowhere else.
//
// # Transcripts
//
// A transcript ([File]) is JSON signed over [Digest], a domain-separated
// SHA-512/256, so that its signature can never pass for a Tailnet Lock
// signature. [Verify] and [VerifyFile] check one and name the first thing
// that differs; [File.Markdown] renders it for print.
package ceremony
