#!/usr/bin/python3
"""Benchmark of QEMU's vfio-ap device on vfio-ap-sim (not a test).

- config change: from an mdev attribute write in the simulator (through
  its admin socket) to the event pending in QEMU (polled over QMP);
- device_add: the QMP command, which returns once the device is realized
  over vfio-user (version, DMA maps, device and irq info, eventfds).

Medians over many runs; a table for docs/benchmarks-qemu.rst.

Usage: bench_qemu.py QEMU VFIO-AP-SIM OUTPUT.rst
"""

import datetime
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "scripts"))
from bench_report import write_report  # noqa: E402
from qmp_client import Qmp  # noqa: E402
from sim_process import start_sim, stop_all  # noqa: E402

UUID = "62177883-f1bb-47f0-914d-32a22e3a8804"
RUNS_EVENT = 300
RUNS_ADD = 100


def admin(sim_dir, line):
    """One command on the simulator's admin socket, without a new process."""
    s = socket.socket(socket.AF_UNIX)
    s.connect(os.path.join(sim_dir, "admin.sock"))
    s.sendall((line + "\n").encode())
    s.shutdown(socket.SHUT_WR)
    answer = b""
    while chunk := s.recv(4096):
        answer += chunk
    s.close()
    if not answer.startswith(b"ok"):
        sys.exit(f"bench: {line}: {answer.decode()}")


def pending(qmp):
    return qmp.cmd("qom-get", path="/machine/peripheral/ap0",
                   property="x-pending-config-events")


def stats(samples):
    samples = sorted(samples)
    return (statistics.median(samples), samples[len(samples) // 10],
            samples[len(samples) * 9 // 10])


def main():
    qemu, sim, out = sys.argv[1:4]
    tmp = tempfile.mkdtemp(prefix="vfio-ap-bench-")
    procs = []
    try:
        proc, sock = start_sim(sim, tmp, UUID)
        procs.append(proc)
        qmp_path = os.path.join(tmp, "qmp.sock")
        procs.append(subprocess.Popen(
            [qemu, "-S", "-machine", "s390-ccw-virtio", "-accel", "tcg",
             "-cpu", "max", "-nodefaults", "-display", "none",
             "-qmp", f"unix:{qmp_path},server=on,wait=off"]))
        qmp = Qmp(qmp_path)

        # device_add to realized, and back
        add = []
        for _ in range(RUNS_ADD):
            t0 = time.perf_counter()
            qmp.cmd("device_add", driver="vfio-ap", id="ap0", socket=sock)
            add.append(time.perf_counter() - t0)
            qmp.events.clear()
            qmp.cmd("device_del", id="ap0")
            qmp.wait_event("DEVICE_DELETED")
        qmp.cmd("device_add", driver="vfio-ap", id="ap0", socket=sock)

        # a QMP round trip alone, to read the next numbers by
        rtt = []
        for _ in range(RUNS_EVENT):
            t0 = time.perf_counter()
            pending(qmp)
            rtt.append(time.perf_counter() - t0)

        # config change: write, then poll until the event is pending
        event = []
        for i in range(RUNS_EVENT):
            want = pending(qmp) + 1
            t0 = time.perf_counter()
            admin(tmp, f"write {UUID} {'assign' if i % 2 == 0 else 'unassign'}"
                  "_adapter 5")
            while pending(qmp) != want:
                pass
            event.append(time.perf_counter() - t0)
        qmp.cmd("quit")
        procs[1].wait(timeout=10)
    finally:
        stop_all(procs)
        shutil.rmtree(tmp, ignore_errors=True)

    rows = [("device_add to realized (vfio-user attach)", RUNS_ADD, add),
            ("QMP qom-get round trip (for reference)", RUNS_EVENT, rtt),
            ("mdev write to event pending in QEMU", RUNS_EVENT, event)]
    cpu = next((line.split(":", 1)[1].strip()
                for line in open("/proc/cpuinfo")
                if line.startswith("model name")), "unknown")
    title = "Benchmarks: QEMU's vfio-ap on vfio-ap-sim"
    text = [
        "Written by ``bench/bench_qemu.py`` (``make bench``); not a test.",
        f"Machine: {os.cpu_count()} CPUs, {cpu}; "
        f"{datetime.date.today().isoformat()}.",
        "",
        "QEMU 10.2.2 (TCG, ``-cpu max``, stopped with ``-S``) attaches its",
        "vfio-ap device to vfio-ap-sim over vfio-user.  Times in",
        "microseconds: median, and the 10th and 90th percentiles.",
        "",
        "=============================================  =====  ======"
        "  ======  ======",
        "what                                           runs   median"
        "  p10     p90",
        "=============================================  =====  ======"
        "  ======  ======",
    ]
    for name, runs, samples in rows:
        med, p10, p90 = (round(x * 1e6) for x in stats(samples))
        text.append(f"{name:<45}  {runs:>5}  {med:>6}  {p10:>6}  {p90:>6}")
    text += [
        "=============================================  =====  ======"
        "  ======  ======",
        "",
        "*mdev write to event pending*: from sending ``write UUID",
        "assign_adapter 5`` (or ``unassign``) on the simulator's admin socket",
        "to the first QMP ``qom-get`` of ``x-pending-config-events`` that shows",
        "the new event.  It includes the admin round trip, the driver's work,",
        "the eventfd, QEMU's main loop taking it (a channel report word is",
        "queued) and at least one QMP round trip, whose cost alone is the",
        "row above.  *device_add*: the QMP command returns after realize:",
        "socket connect, version, DMA maps, device and interrupt info, and",
        "the two eventfds set in the driver.",
        "",
    ]
    write_report(out, title, text)


if __name__ == "__main__":
    main()
