#!/usr/bin/env bash
# Run by mmdebstrap inside image/build.sh: turns the Debian tree at $1,
# where the signet package is installed (user, unit, rules), into the
# appliance. $3 non-empty adds the boot test's drop-ins, and the newer
# package in $4 for boot.py's upgrade.
set -euo pipefail
root=$1 repo=$2 test=${3:-} debs=${4:-}
sd="$root/etc/systemd/system"

echo signet >"$root/etc/hostname"
: >"$root/etc/machine-id"

# Read-only root; the state disk and tmpfs for what must be writable.
cat >"$root/etc/fstab" <<'FSTAB'
LABEL=signet-root   /               ext4   ro                          0 1
LABEL=signet-state  /var/lib/signet ext4   nosuid,nodev,noexec         0 2
tmpfs               /tmp            tmpfs  nosuid,nodev,mode=1777      0 0
tmpfs               /var/tmp        tmpfs  nosuid,nodev,mode=1777      0 0
FSTAB

# systemd-logind has StateDirectory=systemd/linger, which systemd cannot
# create on the read-only root: logind then fails in a restart loop, and
# every "systemctl poweroff" waits out two 25 s D-Bus activation timeouts
# (wall message, PowerOff) before falling back. An empty directory is
# all it needs (no user lingers on the appliance).
mkdir -p "$root/var/lib/systemd/linger"

# No process may push keys into a terminal with TIOCSTI (issue 12): signet
# serve refuses to start while the kernel allows it. systemd-sysctl
# applies this in sysinit.target, before signet.service starts.
install -d "$root/etc/sysctl.d"
echo "dev.tty.legacy_tiocsti = 0" >"$root/etc/sysctl.d/60-signet-tiocsti.conf"

# No getty on the console the prompt uses; no network services at all
# (minbase installs none; sshd is not in the image).
ln -sf /dev/null "$sd/getty@tty1.service"
ln -sf /dev/null "$sd/autovt@tty1.service"
mkdir -p "$sd/multi-user.target.wants"
ln -sf /usr/lib/systemd/system/signet.service "$sd/multi-user.target.wants/signet.service"

[[ -n $test ]] || exit 0

# Boot test: the console is the serial line, the authority is a demo
# one, the key is provisioned on first boot, and the kernel command line
# can extend PCR 7 before signet starts.
ln -sf /dev/null "$sd/serial-getty@ttyS0.service"
mkdir -p "$sd/signet.service.d"
cat >"$sd/signet.service.d/test.conf" <<'UNIT'
[Unit]
After=signet-provision.service signet-test-pcr7.service
Requires=signet-provision.service
[Service]
TTYPath=/dev/ttyS0
ExecStart=
ExecStart=/usr/bin/signet serve --state /var/lib/signet --socket /run/signet/signet.sock --group signet --console /dev/tty --no-color --demo-authority
# The test console is the serial line (TTYPath above), and errors go to it
# so boot.py sees them; the shipped unit logs to the journal.
DeviceAllow=/dev/ttyS0 rw
StandardOutput=tty
StandardError=tty
TTYVTDisallocate=no
Restart=no
UNIT
cat >"$sd/signet-provision.service" <<'UNIT'
[Unit]
Description=signet boot test: provision the TPM key on the serial console
ConditionPathExists=!/var/lib/signet/key.uri
After=local-fs.target dev-tpmrm0.device
[Service]
Type=oneshot
User=signet
StateDirectory=signet
TTYPath=/dev/ttyS0
StandardInput=tty
StandardOutput=tty
ExecStart=/usr/bin/signet key init --hsm tpm --state /var/lib/signet
UNIT
cat >"$sd/signet-test-pcr7.service" <<'UNIT'
[Unit]
Description=signet boot test: change PCR 7 as a new firmware would
ConditionKernelCommandLine=signet.test.pcr7
DefaultDependencies=no
After=dev-tpmrm0.device
[Service]
Type=oneshot
ExecStart=/usr/bin/tpm2_pcrextend -T device:/dev/tpmrm0 7:sha256=0000000000000000000000000000000000000000000000000000000000000007
UNIT
ln -sf /etc/systemd/system/signet-test-pcr7.service "$sd/multi-user.target.wants/signet-test-pcr7.service"
# The request: signet sign for the node key on the kernel command line
# (signet.test.nodekey=HEX), once serve listens; its answer goes to the
# serial line, then the VM powers off cleanly (TPM2_Shutdown included).
# systemd opens the serial line for each command it starts, and starting
# serve hangs that line up (TTYVHangup=yes in the shipped unit): a test
# command that opened it earlier writes into nothing. So ExecStartPre
# waits for serve's socket and the command that prints opens it after.
cat >"$root/usr/local/bin/signet-test-sign" <<'SH'
#!/bin/sh
for i in $(seq 300); do [ -S /run/signet/signet.sock ] && break; sleep 1; done
nk=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^signet.test.nodekey=//p')
signet sign --socket /run/signet/signet.sock "nodekey:$nk"
echo "signet-test: sign exited $?"
SH
chmod 0755 "$root/usr/local/bin/signet-test-sign"
cat >"$sd/signet-test-sign.service" <<'UNIT'
[Unit]
Description=signet boot test: one signing request
ConditionKernelCommandLine=signet.test.nodekey
After=signet.service
[Service]
Type=oneshot
User=signet
StandardInput=null
TTYPath=/dev/ttyS0
StandardOutput=tty
StandardError=tty
ExecStartPre=/bin/sh -c 'until [ -S /run/signet/signet.sock ]; do sleep 1; done'
ExecStart=/usr/local/bin/signet-test-sign
TimeoutStartSec=infinity
ExecStopPost=+/usr/bin/systemctl --no-block poweroff
UNIT
ln -sf /etc/systemd/system/signet-test-sign.service "$sd/multi-user.target.wants/signet-test-sign.service"

# The upgrade (signet.test.upgrade): once serve runs, install the newer
# package over the running box (the root disk is a qemu snapshot, so the
# next boot has the old one again), and report whether the key, chain
# and journal kept their bytes (the journal may only grow) and that serve
# was restarted on the new binary.
install -D -m 0644 "$debs/signet-upgrade.deb" "$root/usr/share/signet-test/signet-upgrade.deb"
cat >"$root/usr/local/bin/signet-test-upgrade" <<'SH'
#!/bin/sh
for i in $(seq 300); do [ -S /run/signet/signet.sock ] && break; sleep 1; done
s=/var/lib/signet
# The key and every other file keep their bytes; the journal, the chain
# and the signature index are append-only, so their old bytes must stay a
# prefix. serve.json is not state: it says where the running daemon
# serves, and each start of serve rewrites it.
logs="journal.log chain.log signatures.jsonl"
sums() { (cd $s && find . -type f ! -name journal.log ! -name chain.log ! -name signatures.jsonl ! -name serve.json ! -name '*.lock' -print0 | sort -z | xargs -0 sha256sum); }
before=$(sums)
for l in $logs; do [ -f $s/$l ] && cp $s/$l /run/$l.before; done
pid=$(systemctl show -p MainPID --value signet.service)
mount -o remount,rw /
dpkg -i /usr/share/signet-test/signet-upgrade.deb >/dev/null
rc=$?
for i in $(seq 60); do [ -S /run/signet/signet.sock ] && break; sleep 1; done
pid2=$(systemctl show -p MainPID --value signet.service)
# The restarted serve hung up the serial line this script was given.
exec >/dev/ttyS0 2>&1
echo "signet-test: dpkg exited $rc"
kept=kept
[ "$(sums)" = "$before" ] || kept=CHANGED
for l in $logs; do
	[ -f /run/$l.before ] || continue
	cmp -s -n "$(stat -c %s /run/$l.before)" /run/$l.before $s/$l || kept=CHANGED
done
echo "signet-test: state $kept after the upgrade to $(signet version) (serve pid $pid -> $pid2, $(systemctl is-active signet.service))"
SH
chmod 0755 "$root/usr/local/bin/signet-test-upgrade"
cat >"$sd/signet-test-upgrade.service" <<'UNIT'
[Unit]
Description=signet boot test: upgrade the package under the running daemon
ConditionKernelCommandLine=signet.test.upgrade
After=signet.service
Before=signet-test-sign.service
[Service]
Type=oneshot
StandardInput=null
TTYPath=/dev/ttyS0
StandardOutput=tty
StandardError=tty
ExecStart=/usr/local/bin/signet-test-upgrade
TimeoutStartSec=infinity
UNIT
ln -sf /etc/systemd/system/signet-test-upgrade.service "$sd/multi-user.target.wants/signet-test-upgrade.service"
