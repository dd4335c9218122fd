#!/usr/bin/env bash
# Prints signet's version, as the binary reports it and as the Debian
# packages are named, from the git checkout this runs in:
#
#   tag v1.2.3 on HEAD          1.2.3
#   5 commits after v1.2.3      1.2.3+git5.g1a2b3c4
#   no tag yet                  0.0.0+git20261123.173908.g1a2b3c4 (commit time, UTC)
#   uncommitted changes         the above plus .dirty (untracked files
#                               count, as in the vcs.modified Go records)
#
# Every form is a valid Debian version, later commits sort higher, and
# the same commit always gives the same string (no clock is read), so two
# builds of one commit agree. Outside a git checkout it prints "devel".
set -euo pipefail

if ! git rev-parse --git-dir >/dev/null 2>&1; then
	echo devel
	exit 0
fi
hash=$(git rev-parse --short=7 HEAD)
if desc=$(git describe --tags --match 'v[0-9]*' --long 2>/dev/null); then
	# v1.2.3-5-g1a2b3c4
	base=${desc%-*-g*}
	n=${desc%-g*}
	n=${n##*-}
	v=${base#v}
	((n == 0)) || v="$v+git$n.g$hash"
else
	v="0.0.0+git$(TZ=UTC git log -1 --date=format-local:%Y%m%d.%H%M%S --format=%cd).g$hash"
fi
if [[ -n $(git status --porcelain 2>/dev/null) ]]; then
	v="$v.dirty"
fi
echo "$v"
