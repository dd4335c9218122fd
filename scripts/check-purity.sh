#!/usr/bin/env bash
# Checks that tka stays pure: no I/O, no OS, no hardware, no workflow code.
#
# Two checks, because "fmt" and "crypto/rand" already pull in "os" and
# "syscall" transitively:
#   1. the direct imports of tka's non-test files name no forbidden package;
#   2. the full dependency graph holds no network, process or sibling package
#      (no std package that tka may use pulls those in).
set -euo pipefail

module=$(go list -m)
pkgs=./tka/...

# Pure value packages such as net/url and net/netip stay allowed.
direct_forbidden='^(os|os/.*|net|net/http|net/http/.*|syscall|io/fs|io/ioutil|path/filepath|plugin|'"$module"'/(hsm|signer)(/.*)?)$'
deps_forbidden='^(net|net/http|net/http/.*|os/exec|os/signal|plugin|tailscale\.com(/.*)?|'"$module"'/(hsm|signer|cmd)(/.*)?)$'

# Captured first so that a go list failure stops the script (set -e).
imports=$(go list -f '{{$p := .ImportPath}}{{range .Imports}}{{$p}} {{.}}{{"\n"}}{{end}}' $pkgs)
deps=$(go list -deps $pkgs)

fail=0
while read -r pkg imp; do
	if [[ $imp =~ $direct_forbidden ]]; then
		echo "purity: $pkg imports $imp; tka must not do I/O or touch hardware" >&2
		fail=1
	fi
done <<<"$imports"

while read -r dep; do
	if [[ $dep =~ $deps_forbidden ]]; then
		echo "purity: tka depends on $dep (go list -deps $pkgs); tka must stay pure" >&2
		fail=1
	fi
done <<<"$deps"

if ((fail)); then
	echo "purity: move I/O into signer/ or hsm/ and pass it to tka through an interface" >&2
	exit 1
fi
echo "purity: tka imports no I/O, network, hardware or workflow package"
