#!/usr/bin/env bash
# make deb: the signet and signet-relay Debian packages, built by nfpm
# (packaging/*.yaml) from bin/signet and bin/signet-relay, which the
# Makefile has just built. Writes bin/deb/signet_VERSION_ARCH.deb and
# bin/deb/signet-relay_VERSION_ARCH.deb.
#
# Reproducible: every file in the packages gets SOURCE_DATE_EPOCH (the
# commit time) as its mtime, man pages and changelogs are gzipped with no
# name or time (-n), and completions come from the binary itself, so two
# builds of one commit give the same bytes.
#
#   NFPM=bin/nfpm SIGNET_VERSION=... SOURCE_DATE_EPOCH=... scripts/deb.sh
set -euo pipefail

nfpm=${NFPM:-bin/nfpm}
: "${SIGNET_VERSION:?set SIGNET_VERSION (the Makefile does)}"
: "${SOURCE_DATE_EPOCH:?set SOURCE_DATE_EPOCH (the Makefile does)}"
export SIGNET_VERSION SOURCE_DATE_EPOCH
GOARCH=$(go env GOARCH)
export GOARCH
out=bin/deb
stage=$out/stage
for b in bin/signet bin/signet-relay; do
	[[ -x $b ]] || {
		echo "deb: error: no $b; run 'make deb', which builds it" >&2
		exit 1
	}
done

rm -rf "$out"
mkdir -p "$stage/man/signet" "$stage/man/signet-relay" "$stage/completion"
# The packaged binaries are stripped as Debian strips them (dh_strip):
# no symbol table, no DWARF. Stack traces still work (Go keeps its own
# line tables), and so does "go version -m" (the build information is
# data). bin/signet keeps its symbols for scripts/check-binary.sh.
for b in signet signet-relay; do
	strip --strip-unneeded --remove-section=.comment -o "$stage/$b" "bin/$b"
done
# docs/man holds the pages of both binaries (make man); signet-relay's
# are signet-relay.1 and signet-relay-*.1.
for page in docs/man/*.1; do
	name=$(basename "$page")
	case $name in
	signet-relay.1 | signet-relay-*.1) pkg=signet-relay ;;
	*) pkg=signet ;;
	esac
	gzip -9n <"$page" >"$stage/man/$pkg/$name.gz"
done
for b in signet signet-relay; do
	for sh in bash zsh fish; do
		"bin/$b" completion "$sh" >"$stage/completion/$b.$sh"
	done
done

# A native package's changelog: one entry for the commit built.
date=$(date -u -R -d "@$SOURCE_DATE_EPOCH")
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
for pkg in signet signet-relay; do
	printf '%s (%s) unstable; urgency=medium\n\n  * Built from commit %s.\n\n -- %s  %s\n' \
		"$pkg" "$SIGNET_VERSION" "$commit" "signet maintainers <maintainers@signetbox.org>" "$date" |
		gzip -9n >"$stage/$pkg.changelog.gz"
done

for pkg in signet signet-relay; do
	"$nfpm" package --packager deb --config "packaging/$pkg.yaml" --target "$out/" >/dev/null
done
rm -rf "$stage"
ls -l "$out"/*.deb
