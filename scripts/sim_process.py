"""vfio-ap-sim and QEMU as child processes of the project's scripts."""

import os
import subprocess
import time


def start_sim(sim, sim_dir, uuid, stderr=subprocess.DEVNULL, extra=()):
    """vfio-ap-sim serving mdev @uuid in @sim_dir, with options @extra;
    (process, its socket)."""
    proc = subprocess.Popen([sim, "--dir", sim_dir, "--mdev", uuid, *extra],
                            stderr=stderr)
    sock = os.path.join(sim_dir, uuid + ".sock")
    for _ in range(500):
        if os.path.exists(sock):
            break
        time.sleep(0.01)
    return proc, sock


def start_guest_qemu(qemu, guest, sock, qtest_sock):
    """QEMU under TCG running bare-metal @guest with a vfio-ap device on
    @sock, in shared memory, driven by the qtest protocol on @qtest_sock."""
    return subprocess.Popen([
        qemu, "-machine", "s390-ccw-virtio,memory-backend=mem",
        "-object", "memory-backend-memfd,id=mem,size=128M,share=on",
        "-m", "128M", "-accel", "tcg", "-cpu", "max", "-nodefaults",
        "-display", "none", "-kernel", guest,
        "-device", f"vfio-ap,socket={sock}",
        "-qtest", f"unix:{qtest_sock}", "-qtest-log", "/dev/null"])


def stop_all(procs):
    """Terminate what still runs, the last started first."""
    for proc in reversed(procs):
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=10)
