"""The Linux guest (Debian's s390x kernel and our initramfs) under TCG
with vfio-ap on the simulator, for the guest test and the demo."""

import glob
import os
import select
import shutil
import subprocess
import tempfile
import time

from sim_process import start_sim, stop_all

UUID = "62177883-f1bb-47f0-914d-32a22e3a8804"
# adapter 2 a CEX6A, adapter 3 (not assigned at first) a CEX7A
# computing at idle priority, the cards leave the vCPU its CPU
CARDS = ("--card", "2=12", "--card", "3=13", "--card-idle")


def kernel_of(debs):
    """The one kernel in the unpacked packages."""
    kernels = glob.glob(os.path.join(debs, "boot", "vmlinuz-*"))
    if len(kernels) != 1:
        raise SystemExit(f"want one kernel in {debs}/boot, found {kernels}")
    return kernels[0]


class LinuxGuest:
    """mdev UUID with adapters 1-2 and domains 1-2, and the guest on it."""

    def __init__(self, qemu, sim, debs, initrd, append=""):
        self.qemu, self.sim = qemu, sim
        self.kernel, self.initrd = kernel_of(debs), initrd
        self.append = "console=ttysclp0 quiet panic=-1 " + append
        self.dir = tempfile.mkdtemp(prefix="vfio-ap-linux-")
        self.procs = []
        self.sim_proc = self.guest = None
        self.sim_status = None

    def admin(self, *args):
        subprocess.run([self.sim, "--dir", self.dir, "--admin", *args],
                       check=True, capture_output=True)

    def start(self):
        self.sim_proc, sock = start_sim(self.sim, self.dir, UUID, extra=CARDS)
        self.procs.append(self.sim_proc)
        for attr, val in (("assign_adapter", "1"), ("assign_adapter", "2"),
                          ("assign_domain", "1"), ("assign_domain", "2")):
            self.admin("write", UUID, attr, val)
        self.guest = subprocess.Popen([
            self.qemu, "-machine", "s390-ccw-virtio,memory-backend=mem",
            "-object", "memory-backend-memfd,id=mem,size=512M,share=on",
            "-m", "512M", "-accel", "tcg", "-cpu", "max", "-nographic",
            "-no-reboot", "-kernel", self.kernel, "-initrd", self.initrd,
            "-append", self.append, "-device", f"vfio-ap,socket={sock}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT)
        self.procs.append(self.guest)

    def lines(self, watchdog):
        """The console's lines until the guest ends, or None once the
        watchdog (seconds) has run out."""
        deadline = time.time() + watchdog
        pending = b""
        while time.time() < deadline:
            ready, _, _ = select.select([self.guest.stdout], [], [], 1)
            if not ready:
                continue
            data = os.read(self.guest.stdout.fileno(), 4096)
            if not data:
                return
            pending += data
            while b"\n" in pending:
                raw, pending = pending.split(b"\n", 1)
                yield raw.decode(errors="replace").strip()
        yield None

    def stop(self):
        """End both; the simulator's exit status (0: nothing wrong)."""
        try:
            if self.guest:
                self.guest.kill()
                self.guest.wait()
            if self.sim_proc:
                self.sim_proc.terminate()
                self.sim_status = self.sim_proc.wait(timeout=10)
        finally:
            stop_all(self.procs)
            shutil.rmtree(self.dir, ignore_errors=True)
        return self.sim_status
