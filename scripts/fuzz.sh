#!/usr/bin/env bash
# Runs every Go fuzz target in the module for FUZZTIME each (default 30s).
# FUZZTIME_<Target>, if set, is that target's own budget. A budget is a
# duration (30s) or a count of inputs (40000x).
#
# Targets are discovered with "go test -list", so a new Fuzz function is
# picked up without editing this file. Only packages whose test files
# declare "func Fuzz" are compiled for listing.
#
# FUZZPKGS and FUZZTARGETS, if set, are regular expressions: only the
# matching packages and targets run. FUZZSAVE=1 copies the inputs each
# target found interesting (kept by Go in its cache) into the package's
# testdata/fuzz/<Target>, to commit as seed corpus. At the end the total
# number of executions is printed as a FIGURE line.
set -euo pipefail

fuzztime=${FUZZTIME:-30s}
only=${FUZZPKGS:-.}
targets_only=${FUZZTARGETS:-.}
module=$(go list -m)
cache=$(go env GOCACHE)

pkgs=$(go list -f '{{.ImportPath}} {{.Dir}} {{join .TestGoFiles " "}} {{join .XTestGoFiles " "}}' ./...)
total=0
execs=0
start=$(date +%s)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
while read -r pkg dir files; do
	[[ -n $files ]] || continue
	[[ $pkg =~ $only ]] || continue
	( cd "$dir" && grep -qs '^func Fuzz' $files ) || continue
	targets=$(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true)
	for target in $targets; do
		[[ $target =~ $targets_only ]] || continue
		own="FUZZTIME_${target}"
		budget=${!own:-$fuzztime}
		echo "fuzz: $pkg $target for $budget"
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$budget" "$pkg" 2>&1 | tee "$log"
		n=$(sed -n 's/.*execs: \([0-9]*\) .*/\1/p' "$log" | tail -1)
		execs=$((execs + ${n:-0}))
		total=$((total + 1))
		if [[ ${FUZZSAVE:-} == 1 && -d $cache/fuzz/$pkg/$target ]]; then
			mkdir -p "$dir/testdata/fuzz/$target"
			cp -n "$cache/fuzz/$pkg/$target"/* "$dir/testdata/fuzz/$target/" 2>/dev/null || true
		fi
	done
done <<<"$pkgs"
echo "fuzz: ran $total target(s) in $module"
echo "FIGURE fuzz_execs $execs executions in $(( $(date +%s) - start )) s"
