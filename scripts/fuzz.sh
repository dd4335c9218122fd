#!/usr/bin/env bash
# Runs every Go fuzz target in the module for FUZZTIME each (default 30s).
# FUZZTIME_<Target>, if set, is that target's own budget. A budget is a
# duration (30s) or a count of inputs (40000x).
#
# Targets are discovered with "go test -list", so a new Fuzz function is
# picked up without editing this file. Only packages whose test files
# declare "func Fuzz" are compiled for listing.
set -euo pipefail

fuzztime=${FUZZTIME:-30s}
# FUZZPKGS, if set, is a regular expression: only matching packages run.
only=${FUZZPKGS:-.}
module=$(go list -m)

pkgs=$(go list -f '{{.ImportPath}} {{.Dir}} {{join .TestGoFiles " "}} {{join .XTestGoFiles " "}}' ./...)
total=0
while read -r pkg dir files; do
	[[ -n $files ]] || continue
	[[ $pkg =~ $only ]] || continue
	( cd "$dir" && grep -qs '^func Fuzz' $files ) || continue
	targets=$(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true)
	for target in $targets; do
		own="FUZZTIME_${target}"
		budget=${!own:-$fuzztime}
		echo "fuzz: $pkg $target for $budget"
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$budget" "$pkg"
		total=$((total + 1))
	done
done <<<"$pkgs"
echo "fuzz: ran $total target(s) in $module"
