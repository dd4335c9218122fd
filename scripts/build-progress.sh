#!/usr/bin/env bash
# build-progress.sh CMD...: run a build command with GOFLAGS=-v and show
# what it is doing: one line that counts the packages compiled and names
# the last one (a fresh build compiles about 300 and takes minutes on a
# small machine), while every other line (module downloads, errors) is
# printed as it comes. The exit status is the command's.
set -uo pipefail

export GOFLAGS="${GOFLAGS:+$GOFLAGS }-v"
"$@" 2>&1 | {
	n=0
	tty=false
	[[ -t 1 ]] && tty=true
	shown=false
	while IFS= read -r line; do
		if [[ $line =~ ^[A-Za-z0-9._~/+-]+$ ]]; then
			n=$((n + 1))
			if $tty; then
				printf '\r\033[Kmake run:   compiled %d packages: %s' "$n" "${line:0:60}"
				shown=true
			elif ((n % 50 == 0)); then
				echo "make run:   compiled $n packages"
			fi
			continue
		fi
		if $shown; then
			printf '\r\033[K'
			shown=false
		fi
		echo "$line"
	done
	if $shown; then
		printf '\r\033[K'
	fi
	echo "make run:   compiled $n packages"
}
