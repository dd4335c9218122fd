#!/usr/bin/env python3
"""make image-test: boot the appliance image in qemu (TCG) with a swtpm
tpm-crb and drive signet over the serial console. Prints one line per step
with its duration. Usage: image/boot.py IMAGEDIR"""
import os, socket, subprocess, sys, tempfile, time

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
                break
            self.log.write(b)
            self.log.flush()
            self.buf += b
        return False

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


def step(name, t0, ok):
    print("image-test: %-40s %6.1f s  %s" % (name, time.time() - t0, "ok" if ok else "FAILED"), flush=True)
    if not ok:
        sys.exit(1)


def main():
    img = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="signet-image-test.")
    os.makedirs(os.path.join(work, "tpm"))
    subprocess.run(["cp", os.path.join(img, "state.raw"), work], check=True)
    print("image-test: work dir", work)

    t0 = time.time()
    q, s = boot(img, work)
    try:
        step("boot 1: to the provisioning PIN prompt", t0, s.expect(b"New TPM PIN: ", 600))
        t = time.time()
        s.send(PIN + b"\r")
        step("PIN prompt, repeat", t, s.expect(b"Repeat the new TPM PIN: ", 60))
        s.send(PIN + b"\r")
        t = time.time()
        step("key provisioned, daemon serving", t, s.expect(b"signet serving", 300))
    finally:
        q.terminate()
        q.wait()
        subprocess.run(["sh", "-c", "kill $(cat %s/swtpm.pid) 2>/dev/null" % work])
    print("image-test: total %.1f s; serial log in %s/serial.log" % (time.time() - t0, work))


if __name__ == "__main__":
    main()
