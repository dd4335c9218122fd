#!/usr/bin/env python3
"""make image-test: boot the appliance image in qemu with a swtpm tpm-crb
and drive signet over the serial console. Prints one line per step with its
duration and exits non-zero (with the tail of the serial log) when a step
fails. Uses KVM when /dev/kvm works, TCG otherwise; SIGNET_IMAGE_ACCEL=tcg
(or kvm) forces one. Usage: image/boot.py IMAGEDIR"""
import fcntl, os, re, socket, subprocess, sys, tempfile, time

PIN = b"482915"  # a throw-away PIN for the VM's throw-away swtpm


ACCEL = None  # ("kvm" or "tcg", the qemu flags for it)
WORK = None   # the work dir, for the logs shown on failure
LIVE = []     # the running qemu, to stop when the test fails
KVM_PROBE_TIMEOUT = 20  # seconds


def kvm_problem(img):
    """Returns why KVM cannot be used here, or None when it can."""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError as e:
        return "/dev/kvm: " + e.strerror
    try:
        vm = fcntl.ioctl(fd, 0xAE01, 0)  # KVM_CREATE_VM
        os.close(vm)
    except OSError as e:
        return "KVM_CREATE_VM: " + e.strerror
    finally:
        os.close(fd)
    # Some hosts (nested, sandboxed) hand out a /dev/kvm whose guests
    # never run: boot the image's kernel without a root file system and
    # wait for it to panic, which takes seconds under a working KVM.
    try:
        p = subprocess.run(["qemu-system-x86_64", "-machine", "q35", "-accel", "kvm", "-cpu", "host",
                            "-m", "256", "-nodefaults", "-display", "none", "-monitor", "none",
                            "-serial", "stdio", "-no-reboot", "-kernel", os.path.join(img, "vmlinuz"),
                            "-append", "console=ttyS0 panic=-1 root=/dev/signet-none"],
                           capture_output=True, timeout=KVM_PROBE_TIMEOUT)
    except subprocess.TimeoutExpired:
        return "a kernel under qemu -accel kvm printed no panic in %d s" % KVM_PROBE_TIMEOUT
    if b"Kernel panic" not in p.stdout:
        err = p.stderr.decode(errors="replace").strip().replace("\n", "; ")
        return "qemu -accel kvm (exit status %d): %s" % (p.returncode, err or "no kernel output")
    return None


def pick_accel(img):
    want = os.environ.get("SIGNET_IMAGE_ACCEL", "")
    if want not in ("", "kvm", "tcg"):
        raise SystemExit("image-test: SIGNET_IMAGE_ACCEL must be kvm, tcg or empty, not %r" % want)
    why = "SIGNET_IMAGE_ACCEL=tcg" if want == "tcg" else kvm_problem(img)
    if why is None:
        print("image-test: accelerator kvm", flush=True)
        return "kvm", ["-accel", "kvm", "-cpu", "host"]
    if want == "kvm":
        raise SystemExit("image-test: SIGNET_IMAGE_ACCEL=kvm but KVM is not usable: " + why)
    print("image-test: accelerator tcg (%s)" % why, flush=True)
    return "tcg", ["-accel", "tcg"]


class Serial:
    def __init__(self, path, q):
        end = time.time() + 30
        while True:
            self.s = socket.socket(socket.AF_UNIX)
            try:
                self.s.connect(path)
                break
            except OSError as e:
                self.s.close()
                if q.poll() is not None or time.time() > end:
                    fail("qemu's serial socket: %s (qemu exit status %s)" % (e, q.poll()))
                time.sleep(0.1)
        self.s.settimeout(1)
        self.log = open(os.path.join(os.path.dirname(path), "serial.log"), "ab")
        self.buf = b""
        self.closed = False

    def expect(self, want, timeout):
        end = time.time() + timeout
        while time.time() < end:
            i = self.buf.find(want)
            if i >= 0:
                self.buf = self.buf[i + len(want):]
                return True
            try:
                b = self.s.recv(4096)
            except socket.timeout:
                continue
            if not b:
                self.closed = True
                break
            self.log.write(b)
            self.log.flush()
            self.buf += b
        return False

    def expect_re(self, pattern, timeout):
        """Waits for a regular expression; returns its match or None."""
        rx = re.compile(pattern)
        end = time.time() + timeout
        while True:
            m = rx.search(self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            left = end - time.time()
            if left <= 0 or self.closed:
                return None
            self.expect(b"\x00never\x00", min(left, 2))

    def send(self, b):
        self.s.sendall(b)


def boot(img, work, extra=""):
    tpm_sock, ser = os.path.join(work, "swtpm.sock"), os.path.join(work, "serial.sock")
    for f in (tpm_sock, ser):
        if os.path.exists(f):
            os.remove(f)
    r = subprocess.run(["swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + os.path.join(work, "tpm"),
                        "--ctrl", "type=unixio,path=" + tpm_sock, "-d", "--pid",
                        "file=" + os.path.join(work, "swtpm.pid")])
    if r.returncode != 0:
        fail("swtpm did not start (exit status %d)" % r.returncode)
    q = subprocess.Popen([
        "qemu-system-x86_64", "-machine", "q35", *ACCEL[1], "-m", "1024", "-smp", "2",
        "-nographic", "-monitor", "none", "-nic", "none",
        # Entropy from the host: without it (TCG has no RDRAND) the guest's
        # getrandom() blocks for tens of seconds until the kernel's pool is
        # ready, and signet serve with it.
        "-device", "virtio-rng-pci",
        "-kernel", os.path.join(img, "vmlinuz"), "-initrd", os.path.join(img, "initrd.img"),
        "-append", "console=ttyS0 root=LABEL=signet-root ro quiet " + extra,
        "-drive", "file=%s,if=virtio,format=raw,snapshot=on" % os.path.join(img, "rootfs.raw"),
        "-drive", "file=%s,if=virtio,format=raw" % os.path.join(work, "state.raw"),
        "-chardev", "socket,id=chrtpm,path=" + tpm_sock,
        "-tpmdev", "emulator,id=tpm0,chardev=chrtpm", "-device", "tpm-crb,tpmdev=tpm0",
        "-serial", "unix:%s,server=on,wait=off" % ser,
    ], stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "qemu.err"), "ab"))
    LIVE.append(q)
    return q, Serial(ser, q)


def tail(path, n):
    """The last n lines of a log, terminal escapes removed."""
    try:
        with open(path, "rb") as f:
            text = f.read()
    except OSError:
        return "(no %s)" % os.path.basename(path)
    text = re.sub(rb"\x1b(\[[0-9;?]*[A-Za-z]|[78c])", b"", text).replace(b"\r", b"")
    lines = [l for l in text.decode(errors="replace").split("\n") if l.strip()]
    return "\n".join(lines[-n:])


def fail(why):
    """Stops what runs, shows the logs and exits non-zero."""
    print("image-test: FAILED: " + why, file=sys.stderr, flush=True)
    for q in LIVE:
        if q.poll() is None:
            q.kill()
            q.wait()
    if WORK:
        kill_swtpm(WORK)
        print("image-test: last lines of %s/serial.log:\n%s" % (WORK, tail(os.path.join(WORK, "serial.log"), 40)),
              file=sys.stderr)
        print("image-test: qemu.err:\n" + tail(os.path.join(WORK, "qemu.err"), 20), file=sys.stderr, flush=True)
    raise SystemExit(1)


def step(name, t0, ok, figure=None):
    took = time.time() - t0
    print("image-test: %-44s %6.1f s  %s" % (name, took, "ok" if ok else "FAILED"), flush=True)
    if figure:
        print("FIGURE image-%s %.1f s" % (figure, took), flush=True)
    if not ok:
        fail(name)


def kill_swtpm(work):
    subprocess.run(["sh", "-c", "kill $(cat %s/swtpm.pid 2>/dev/null) 2>/dev/null; true" % work])


def stop(q, s, work, wait):
    """Waits up to wait seconds for the VM to power off, reading the
    serial line meanwhile; then kills it. True if qemu exited by itself
    with status 0 (the guest powered off)."""
    end = time.time() + wait
    while q.poll() is None and time.time() < end:
        if s.closed:
            try:
                q.wait(timeout=max(0.1, end - time.time()))
            except subprocess.TimeoutExpired:
                pass
            break
        s.expect(b"\x00never\x00", min(1, max(0.1, end - time.time())))
    clean = q.poll() == 0
    if q.poll() is None:
        q.terminate()
        q.wait()
    kill_swtpm(work)
    return clean


def sign(s, t):
    """Approves the request on the console and answers the PIN prompt;
    returns the signature the test unit printed, or None."""
    m = s.expect_re(rb"Approval code: +([A-Z0-9][A-Z0-9-]*[A-Z0-9])", 300)
    step("request on the console", t, m is not None)
    s.send(m.group(1) + b"\r")
    t = time.time()
    step("code typed, PIN prompt", t, s.expect(b"PIN to sign with the TPM key", 120))
    s.send(PIN + b"\r")
    m = s.expect_re(rb"signature: ([0-9a-f]+)", 120)
    return m and m.group(1).decode()


def verify(img, tlpub, nk, sig):
    """Verifies the signature on the host with the box's key."""
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    r = subprocess.run(["go", "run", "./image/verifysig", tlpub, "nodekey:" + nk, sig], cwd=repo)
    return r.returncode == 0


def main():
    global ACCEL, WORK
    if len(sys.argv) != 2:
        raise SystemExit("usage: image/boot.py IMAGEDIR")
    img = os.path.abspath(sys.argv[1])
    for f in ("vmlinuz", "initrd.img", "rootfs.raw", "state.raw"):
        if not os.path.isfile(os.path.join(img, f)):
            raise SystemExit("image-test: no %s in %s; build it with make image-test" % (f, img))
    ACCEL = pick_accel(img)
    work = WORK = tempfile.mkdtemp(prefix="signet-image-test.")
    os.makedirs(os.path.join(work, "tpm"))
    subprocess.run(["cp", os.path.join(img, "state.raw"), work], check=True)
    print("image-test: work dir", work)
    nk = [os.urandom(32).hex() for _ in range(3)]
    start = time.time()

    # Boot 1: provision the key, let serve make its demo authority, sign.
    t = time.time()
    q, s = boot(img, work, "signet.test.nodekey=" + nk[0])
    step("boot 1: to the provisioning PIN prompt", t, s.expect(b"New TPM PIN: ", 600), "boot1")
    t = time.time()
    s.send(PIN + b"\r")
    step("PIN prompt, repeat", t, s.expect(b"Repeat the new TPM PIN: ", 60))
    s.send(PIN + b"\r")
    m = s.expect_re(rb"tlpub:([0-9a-f]{64})", 300)
    step("key provisioned (sealed to PCR 7)", t, m is not None, "provision")
    tlpub = "tlpub:" + m.group(1).decode()
    t = time.time()
    step("serve asks the PIN for the demo authority", t, s.expect(b"PIN to sign with the TPM key", 300))
    s.send(PIN + b"\r")
    step("daemon serving", t, s.expect(b"signet serving", 300), "serve1")
    t = time.time()
    sig = sign(s, t)
    step("boot 1: signature over the serial line", t, sig is not None, "sign1")
    t = time.time()
    step("verified on the host with " + tlpub[:18] + "...", t, verify(img, tlpub, nk[0], sig), "verify1")
    t = time.time()
    step("boot 1: clean power-off", t, stop(q, s, work, 300), "poweroff1")

    # Boot 2: the sealed key unseals again with the same PCR 7, after the
    # package is upgraded under the running daemon (image/customize.sh).
    t = time.time()
    q, s = boot(img, work, "signet.test.upgrade signet.test.nodekey=" + nk[1])
    step("boot 2: daemon serving", t, s.expect(b"signet serving", 600), "boot2")
    t = time.time()
    m = s.expect_re(rb"signet-test: state (\w+) after the upgrade to signet (\S+) \(serve pid (\d+) -> (\d+), (\w+)\)", 300)
    upgraded = (m is not None and m.group(1) == b"kept" and m.group(2).endswith(b"+upgrade1")
                and m.group(3) != m.group(4) and m.group(5) == b"active")
    step("package upgraded, serve restarted, state kept", t, upgraded, "upgrade")
    print("image-test: " + m.group(0).decode(errors="replace"), flush=True)
    t = time.time()
    sig = sign(s, t)
    step("boot 2: signature with the sealed key", t, sig is not None, "sign2")
    step("verified on the host", time.time(), verify(img, tlpub, nk[1], sig))
    t = time.time()
    step("boot 2: clean power-off", t, stop(q, s, work, 300), "poweroff2")

    # Boot 3: PCR 7 extended before serve starts; the key must refuse.
    t = time.time()
    q, s = boot(img, work, "signet.test.pcr7 signet.test.nodekey=" + nk[2])
    step("boot 3 (PCR 7 changed): daemon serving", t, s.expect(b"signet serving", 600), "boot3")
    t = time.time()
    m = s.expect_re(rb"Approval code: +([A-Z0-9][A-Z0-9-]*[A-Z0-9])", 300)
    step("request on the console", t, m is not None)
    s.send(m.group(1) + b"\r")
    step("code typed, PIN prompt", t, s.expect(b"PIN to sign with the TPM key", 120))
    s.send(PIN + b"\r")
    refused = s.expect(b"the boot state changed since this key was sealed (PCR 7)", 120)
    step("the key refuses to unseal (PCR 7)", t, refused, "pcr7-refusal")
    t = time.time()
    step("boot 3: clean power-off", t, stop(q, s, work, 300), "poweroff3")
    print("image-test: %s, total %.1f s; serial log in %s/serial.log" % (ACCEL[0], time.time() - start, work))
    print("FIGURE image-test-total %.1f s" % (time.time() - start))


if __name__ == "__main__":
    try:
        main()
    except (SystemExit, KeyboardInterrupt):
        raise
    except Exception as e:
        fail("%s: %s" % (type(e).__name__, e))
