#!/usr/bin/env bash
# make repro: build the checked-out commit twice and compare the results
# byte for byte. Each build runs "make deb" in its own fresh clone, at a
# different path; the second starts later and with an empty Go build
# cache, so every package (cgo included) is compiled again rather than
# taken from the first build's cache. Prints the SHA-256 of every binary
# and package and fails if any differs. Long: the second build compiles
# everything, tailscale.com included (about 10 minutes on 2 cores).
set -euo pipefail

repo=$(git rev-parse --show-toplevel)
commit=$(git rev-parse HEAD)
if [[ -n $(git status --porcelain) ]]; then
	echo "repro: note: uncommitted changes are not part of the check; it builds commit $commit"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/signet-repro.XXXXXX")
trap 'rm -rf "$work"' EXIT
a=$work/a
b=$work/a-second-clone-at-a-longer-path

for d in "$a" "$b"; do
	git clone -q --no-hardlinks "$repo" "$d"
	git -C "$d" checkout -q --detach "$commit"
done

t0=$(date +%s)
make -C "$a" --no-print-directory deb >/dev/null
echo "repro: build 1 in $a: $(($(date +%s) - t0)) s"
sleep 2
# nfpm is a build tool, not an output: the second clone reuses the first's.
mkdir -p "$b/bin" && cp "$a/bin/nfpm" "$b/bin/nfpm"
t1=$(date +%s)
GOCACHE=$work/gocache make -C "$b" --no-print-directory deb >/dev/null
echo "repro: build 2 in $b, empty build cache: $(($(date +%s) - t1)) s"

fail=0
for f in bin/signet bin/signet-relay $(cd "$a" && ls bin/deb/*.deb); do
	ha=$(sha256sum <"$a/$f" | cut -d' ' -f1)
	hb=$(sha256sum <"$b/$f" | cut -d' ' -f1)
	if [[ $ha == "$hb" ]]; then
		echo "repro: same  $ha  $f"
	else
		echo "repro: DIFFERENT  $ha / $hb  $f"
		fail=1
	fi
done
((fail == 0)) || {
	echo "repro: FAILED: the two builds of $commit differ" >&2
	exit 1
}
echo "repro: ok: two builds of $commit are identical"
