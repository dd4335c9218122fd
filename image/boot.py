#!/usr/bin/env python3
"""make image-test: boot the appliance image in qemu (TCG) with a swtpm
tpm-crb and drive signet over the serial console. Prints one line per step
with its duration. Usage: image/boot.py IMAGEDIR"""
import os, re, socket, subprocess, sys, tempfile, time

PIN = b"482915"  # a throw-away PIN for the VM's throw-away swtpm


class Serial:
    def __init__(self, path):
        for _ in range(100):
            try:
                self.s = socket.socket(socket.AF_UNIX)
                self.s.connect(path)
                break
            except OSError:
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
    subprocess.run(["swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + os.path.join(work, "tpm"),
                    "--ctrl", "type=unixio,path=" + tpm_sock, "-d", "--pid",
                    "file=" + os.path.join(work, "swtpm.pid")], check=True)
    q = subprocess.Popen([
        "qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-m", "1024", "-smp", "2",
        "-nographic", "-monitor", "none",
        "-kernel", os.path.join(img, "vmlinuz"), "-initrd", os.path.join(img, "initrd.img"),
        "-append", "console=ttyS0 root=LABEL=signet-root ro quiet " + extra,
        "-drive", "file=%s,if=virtio,format=raw,snapshot=on" % os.path.join(img, "rootfs.raw"),
        "-drive", "file=%s,if=virtio,format=raw" % os.path.join(work, "state.raw"),
        "-chardev", "socket,id=chrtpm,path=" + tpm_sock,
        "-tpmdev", "emulator,id=tpm0,chardev=chrtpm", "-device", "tpm-crb,tpmdev=tpm0",
        "-serial", "unix:%s,server=on,wait=off" % ser,
    ], stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "qemu.err"), "ab"))
    return q, Serial(ser)


def step(name, t0, ok, figure=None):
    took = time.time() - t0
    print("image-test: %-44s %6.1f s  %s" % (name, took, "ok" if ok else "FAILED"), flush=True)
    if figure:
        print("FIGURE image-%s %.1f s" % (figure, took), flush=True)
    if not ok:
        raise SystemExit(1)


def stop(q, work, wait):
    """Waits up to wait seconds for the VM to power off, then kills it."""
    try:
        q.wait(timeout=wait)
        clean = True
    except subprocess.TimeoutExpired:
        q.terminate()
        q.wait()
        clean = False
    subprocess.run(["sh", "-c", "kill $(cat %s/swtpm.pid 2>/dev/null) 2>/dev/null; true" % work])
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
    img = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="signet-image-test.")
    os.makedirs(os.path.join(work, "tpm"))
    subprocess.run(["cp", os.path.join(img, "state.raw"), work], check=True)
    print("image-test: work dir", work)
    nk = [os.urandom(32).hex() for _ in range(3)]
    start = time.time()

    # Boot 1: provision the key, let serve make its demo authority, sign.
    t = time.time()
    q, s = boot(img, work, "signet.test.nodekey=" + nk[0])
    try:
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
    except SystemExit:
        stop(q, work, 0)
        raise
    t = time.time()
    step("verified on the host with " + tlpub[:18] + "...", t, verify(img, tlpub, nk[0], sig), "verify1")
    t = time.time()
    step("boot 1: clean power-off", t, stop(q, work, 300), "poweroff1")

    # Boot 2: the sealed key unseals again with the same PCR 7.
    t = time.time()
    q, s = boot(img, work, "signet.test.nodekey=" + nk[1])
    try:
        step("boot 2: daemon serving", t, s.expect(b"signet serving", 600), "boot2")
        t = time.time()
        sig = sign(s, t)
        step("boot 2: signature with the sealed key", t, sig is not None, "sign2")
    except SystemExit:
        stop(q, work, 0)
        raise
    step("verified on the host", time.time(), verify(img, tlpub, nk[1], sig))
    t = time.time()
    step("boot 2: clean power-off", t, stop(q, work, 300), "poweroff2")

    # Boot 3: PCR 7 extended before serve starts; the key must refuse.
    t = time.time()
    q, s = boot(img, work, "signet.test.pcr7 signet.test.nodekey=" + nk[2])
    try:
        step("boot 3 (PCR 7 changed): daemon serving", t, s.expect(b"signet serving", 600), "boot3")
        t = time.time()
        m = s.expect_re(rb"Approval code: +([A-Z0-9][A-Z0-9-]*[A-Z0-9])", 300)
        step("request on the console", t, m is not None)
        s.send(m.group(1) + b"\r")
        step("code typed, PIN prompt", t, s.expect(b"PIN to sign with the TPM key", 120))
        s.send(PIN + b"\r")
        refused = s.expect(b"the boot state changed since this key was sealed (PCR 7)", 120)
        step("the key refuses to unseal (PCR 7)", t, refused, "pcr7-refusal")
    finally:
        stop(q, work, 120)
    print("image-test: total %.1f s; serial log in %s/serial.log" % (time.time() - start, work))
    print("FIGURE image-test-total %.1f s" % (time.time() - start))


if __name__ == "__main__":
    main()
