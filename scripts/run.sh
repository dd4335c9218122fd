#!/usr/bin/env bash
# make run: start `signet serve` on an embedded default, with nothing
# installed beforehand. The state lives in ./.state: a software TPM
# (swtpm) that this script starts, owns and stops holds the key, or, if
# swtpm cannot run, a passphrase-protected software key (the console then
# warns on every request). A demo authority is created on first run. The
# console prompt is this terminal.
#
# The swtpm listens on a unix socket inside the state dir, never on a TCP
# port: a listener someone else left on a port is never taken for it. It
# is stopped when this script ends, however the daemon ends, after a
# TPM2_Shutdown so that its dictionary-attack counter does not count an
# unorderly stop (docs/hardening.md, HARDWARE.md).
set -euo pipefail

state=${SIGNET_RUN_STATE:-.state}
bin=${SIGNET_BIN:-bin/signet}
mkdir -p "$state"
chmod 700 "$state"
state=$(cd "$state" && pwd)
sock="$state/signet.sock"
tpmdir="$state/tpm"
tpmsock="$tpmdir/tpm.sock" # control channel: tpm.sock.ctrl, the name tpm2-tools' swtpm TCTI expects
pidfile="$tpmdir/swtpm.pid"

say() { echo "make run: $*"; }

if [[ ! -t 0 ]]; then
	echo "make run: the console prompt needs a terminal; run 'make run' in one" >&2
	exit 1
fi

# our_swtpm prints the pid of the swtpm this state dir's pid file names, if
# that process is alive and is a swtpm serving this state dir.
our_swtpm() {
	local pid
	pid=$(cat "$pidfile" 2>/dev/null) || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "swtpm socket .*dir=$tpmdir " || return 1
	echo "$pid"
}

# stop_swtpm sends TPM2_Shutdown(CLEAR) and ends our swtpm.
stop_swtpm() {
	local pid
	pid=$(our_swtpm) || return 0
	if ! timeout 5 tpm2_shutdown -c -T "swtpm:path=$tpmsock" >/dev/null 2>&1; then
		echo "make run: warning: TPM2_Shutdown failed; the software TPM may count one failed authorization at its next start" >&2
	fi
	timeout 5 swtpm_ioctl --unix "$tpmsock.ctrl" -s >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
	rm -f "$pidfile" "$tpmsock" "$tpmsock.ctrl"
	say "stopped the software TPM (pid $pid)"
}

# start_swtpm starts a swtpm on the state dir's socket. One left running
# by an earlier run that was killed is stopped first; one that a running
# signet serve uses is not touched.
start_swtpm() {
	mkdir -p "$tpmdir"
	local pid
	if pid=$(our_swtpm); then
		if ! flock -n "$state/signet.lock" true 2>/dev/null; then
			echo "make run: another signet serve uses $state (pid $(cat "$state/signet.lock" 2>/dev/null)); stop it first" >&2
			exit 1
		fi
		say "stopping the software TPM (pid $pid) that an earlier run left behind"
		stop_swtpm
	fi
	rm -f "$pidfile" "$tpmsock" "$tpmsock.ctrl"
	swtpm socket --tpm2 --tpmstate dir="$tpmdir" \
		--server type=unixio,path="$tpmsock" --ctrl type=unixio,path="$tpmsock.ctrl" \
		--flags not-need-init,startup-clear -d --pid file="$pidfile"
	owned=true # from now on, this run stops it when it ends
	for _ in $(seq 100); do
		[[ -S $tpmsock ]] && our_swtpm >/dev/null && return 0
		sleep 0.05
	done
	echo "make run: swtpm did not start on $tpmsock" >&2
	return 1
}
owned=false

if [[ -f "$state/key.uri" ]] && grep -q 'device=tcp://' "$state/key.uri"; then
	echo "make run: $state was made by an older 'make run' whose software TPM listened on a TCP port" >&2
	echo "make run: move it aside and start afresh: mv $state $state.old && make run" >&2
	exit 1
fi

trap '! $owned || stop_swtpm' EXIT
trap 'exit 130' INT TERM HUP

if [[ ! -f "$state/key.uri" ]]; then
	if command -v swtpm >/dev/null && start_swtpm; then
		say "[3/4] making the signing key in a software TPM (state in $tpmdir, socket $tpmsock)"
		say "choose a PIN for the signing key: it is asked twice (no echo), then once more to sign the demo authority, then once per approved request"
		"$bin" key init --hsm tpm --device "unix://$tpmsock" --state "$state"
	else
		say "[3/4] swtpm is not available; making a software key (development only)"
		"$bin" key init --hsm soft --state "$state"
	fi
else
	say "[3/4] using the signing key in $state"
fi

# This terminal is shared with your shell's session (and the kernel may
# allow TIOCSTI key injection): fine for trying signet out, not for a box.
flags=(--state "$state" --socket "$sock" --demo-authority --insecure-console)
case $(cat "$state/key.uri") in
tpm:*) $owned || start_swtpm ;;
soft:*) flags+=(--insecure-soft-key) ;;
esac

say "[4/4] starting signet serve on this terminal: its console"
if [[ ! -s "$state/chain.log" ]]; then
	say "first start: it asks for the key's PIN (or passphrase) to sign the DEMO authority's first AUM"
fi
say "from a second terminal, send a request:"
echo "  $bin sign --socket $sock nodekey:$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
echo "  $bin status --socket $sock"
say "to stop: kill the daemon from another terminal (its pid is in $state/signet.lock); the software TPM stops with it"
"$bin" serve "${flags[@]}"
