package main

// features lists the optional questions this build answers; files with
// build tags add to it (tka_no_wrapped, tka_no_revoke leave them out for
// releases that lack them).
var features []string
