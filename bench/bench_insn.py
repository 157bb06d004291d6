#!/usr/bin/python3
"""Benchmark of the AP instruction path under TCG (not a test).

A bare-metal guest (bench/ap-bench.c) times, with the TOD clock, each of
many PQAP(TAPQ)s: guest -> QEMU's CPU -> vfio-ap device -> vfio-user ->
vfio-ap-sim's firmware and back.  It then sends RSA-2048 and RSA-4096
CRT requests one after another (NQAP, then DQAP polled until the reply is
there).  In the same run the cards' computation alone is timed on the
host (bench_rsa: the same code and libcrypto, the same request), so the
path's cost per request is the difference, and its ratio to one
computation is the figure of merit (goal: at most 10 % for RSA-2048 CRT).

The floor under it all is measured in the same run too: a round trip of
a small message between two threads over a UNIX socket pair (bench_socket),
which every instruction over vfio-user pays at least once.

Usage: bench_insn.py QEMU VFIO-AP-SIM GUEST-ELF BENCH-DIR VECTORS OUTPUT.rst
"""

import datetime
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "scripts"))
from bench_report import write_report  # noqa: E402
from qtest_client import Qtest  # noqa: E402
from sim_process import start_guest_qemu, start_sim, stop_all  # noqa: E402

UUID = "62177883-f1bb-47f0-914d-32a22e3a8804"
RESULTS = 0x70000
DELTAS = 0x100000
TOD_PER_US = 4096
RSA_DELTAS = 0x200000
RUNS = {"RSA-2048 CRT": (2, 3), "RSA-4096 CRT": (5, 5)}  # slot, vector


def be(data):
    return int.from_bytes(data, "big")


def main():
    qemu, sim, guest, bench_dir, vectors, out = sys.argv[1:7]
    bench_rsa = os.path.join(bench_dir, "bench_rsa")
    tmp = tempfile.mkdtemp(prefix="vfio-ap-bench-insn-")
    procs = []
    try:
        proc, sock = start_sim(sim, tmp, UUID)
        procs.append(proc)
        for attr in ("assign_adapter", "assign_domain"):
            subprocess.run([sim, "--dir", tmp, "--admin", "write", UUID, attr,
                            "1"], check=True, capture_output=True)
        qt = Qtest(os.path.join(tmp, "qtest.sock"))
        procs.append(start_guest_qemu(
            qemu, guest, sock, os.path.join(tmp, "qtest.sock")))
        qt.accept()
        started = time.time()
        while be(qt.read(RESULTS, 8)) != 1:
            if time.time() - started > 300:
                sys.exit("bench: the guest did not finish")
            time.sleep(0.1)
        count = be(qt.read(RESULTS + 8, 8))
        raw = qt.read(DELTAS, 4 * count)
        tapq = sorted(be(raw[i:i + 4]) / TOD_PER_US
                      for i in range(0, len(raw), 4))
        runs = {}
        for run, (name, (slot, vec)) in enumerate(RUNS.items()):
            words = [be(qt.read(RESULTS + 8 * (slot + i), 8)) for i in range(3)]
            reqs, _, polls = words
            raw = qt.read(RSA_DELTAS + run * 0x10000, 4 * reqs)
            per_req = statistics.median(be(raw[i:i + 4]) / TOD_PER_US
                                        for i in range(0, len(raw), 4))
            host = subprocess.run([bench_rsa, vectors, str(vec), "200"],
                                  check=True, capture_output=True, text=True)
            runs[name] = (reqs, per_req, polls / reqs, float(host.stdout))
    finally:
        stop_all(procs)
        shutil.rmtree(tmp, ignore_errors=True)

    floor = float(subprocess.run([os.path.join(bench_dir, "bench_socket"),
                                  "20000"], check=True, capture_output=True,
                                 text=True).stdout)
    median = statistics.median(tapq)
    p99 = tapq[len(tapq) * 99 // 100]
    title = "Benchmark: the AP instruction path under TCG"
    lines = [
        "``make bench`` (``bench/bench_insn.py``), "
        f"{datetime.date.today().isoformat()}, one run on this machine "
        f"({os.cpu_count()} CPUs).  A bare-metal guest (``bench/ap-bench.c``)",
        "times each instruction with its TOD clock; the path is guest ->",
        "QEMU's CPU (``hw/s390x/ap-inst.c``) -> the vfio-ap device -> the",
        "region's doorbell (a vfio-user REGION_WRITE) -> ``vfio-ap-sim``'s",
        "firmware -> back.",
        "",
        ".. list-table:: PQAP(TAPQ) round trip",
        "   :header-rows: 1",
        "",
        "   * - instructions",
        "     - median",
        "     - p99",
        "     - socket round trip (floor, median)",
        f"   * - {len(tapq)}",
        f"     - {median:.1f} us",
        f"     - {p99:.1f} us",
        f"     - {floor:.1f} us",
        "",
        "The floor is one round trip of a small message between two threads",
        "over a UNIX socket pair on the same machine in the same run",
        "(``bench/bench_socket``): the least one instruction over vfio-user",
        "costs.  The instruction region is mapped, so each instruction is one",
        "REGION_WRITE of its doorbell; QEMU's vfio-user client adds a hop",
        "through its iothread to each reply.",
        "",
        "RSA CRT requests one after another (NQAP, then DQAP polled until",
        "the reply is there), against the cards' computation alone on the host",
        "(``bench/bench_rsa``: the same code, libcrypto and request, in the",
        "same run); both are medians of per-request times.  Overhead is the",
        "path's time per request beyond the computation, as a share of the",
        "computation; the goal is at most 10 % for RSA-2048 CRT.  On this",
        "2-CPU machine the card's worker, the vCPU, QEMU's iothread and the",
        "simulator's thread share the CPUs, and the share moves between runs.",
        "",
        ".. list-table:: RSA through the whole path",
        "   :header-rows: 1",
        "",
        "   * - request",
        "     - requests",
        "     - through the path",
        "     - host computation",
        "     - DQAPs per request",
        "     - overhead per request",
    ]
    verdict = ""
    for name, (reqs, per_req, polls, host_us) in runs.items():
        overhead = per_req - host_us
        lines += [
            f"   * - {name}",
            f"     - {reqs}",
            f"     - {1e6 / per_req:.0f} /s ({per_req:.0f} us each)",
            f"     - {1e6 / host_us:.0f} /s ({host_us:.0f} us each)",
            f"     - {polls:.1f}",
            f"     - {overhead:.0f} us, {100 * overhead / host_us:.1f} %",
        ]
        if name == "RSA-2048 CRT":
            share = 100 * overhead / host_us
            verdict = (f"RSA-2048 CRT overhead {share:.1f} % of one "
                       f"computation: goal (<= 10 %) "
                       + ("met" if share <= 10 else "NOT met"))
    lines += ["", verdict + ".", ""]
    write_report(out, title, lines)


if __name__ == "__main__":
    main()
