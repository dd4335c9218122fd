#!/usr/bin/env bash
# make run: start `signet serve` on an embedded default, with nothing
# installed beforehand. The state lives in ./.state: a software TPM
# (swtpm) started here holds the key, or, if swtpm cannot run, a
# passphrase-protected software key (the console then warns on every
# request). A demo authority is created on first run. The console prompt
# is this terminal.
set -euo pipefail

state=${SIGNET_RUN_STATE:-.state}
bin=${SIGNET_BIN:-bin/signet}
port=${SIGNET_RUN_TPM_PORT:-2321}
mkdir -p "$state"
chmod 700 "$state"
state=$(cd "$state" && pwd)
sock="$state/signet.sock"

if [[ ! -t 0 ]]; then
	echo "make run: the console prompt needs a terminal; run 'make run' in one" >&2
	exit 1
fi

start_swtpm() {
	mkdir -p "$state/tpm"
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		swtpm socket --tpm2 --tpmstate dir="$state/tpm" \
			--server type=tcp,port="$port",bindaddr=127.0.0.1 \
			--ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 \
			--flags not-need-init,startup-clear -d --pid file="$state/tpm/swtpm.pid"
		sleep 0.3
	fi
}

if [[ ! -f "$state/key.uri" ]]; then
	if command -v swtpm >/dev/null && start_swtpm; then
		echo "make run: a software TPM runs on 127.0.0.1:$port with its state in $state/tpm"
		echo "make run: choose a PIN for the signing key (typed twice, no echo)"
		"$bin" key init --hsm tpm --device "tcp://127.0.0.1:$port" --state "$state"
	else
		echo "make run: swtpm is not available; using a software key (development only)"
		"$bin" key init --hsm soft --state "$state"
	fi
fi

# This terminal is shared with your shell's session (and the kernel may
# allow TIOCSTI key injection): fine for trying signet out, not for a box.
flags=(--state "$state" --socket "$sock" --demo-authority --insecure-console)
case $(cat "$state/key.uri") in
tpm:*) start_swtpm ;;
soft:*) flags+=(--insecure-soft-key) ;;
esac

echo "make run: from a second terminal, send a request:"
echo "  $bin sign --socket $sock nodekey:$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
echo "  $bin status --socket $sock"
exec "$bin" serve "${flags[@]}"
