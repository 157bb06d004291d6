#!/usr/bin/python3
"""Queue resets in a batch against the serial resets before it (not a test).

Runs build/bench/bench_reset (this driver) and bench_reset_serial (the
driver before the batch, same harness) in one run; every simulated reset
takes 50 ms of real time.  Medians of the rounds; a table for
docs/benchmarks-reset.rst.

Usage: bench_reset.py BENCH-DIR OUTPUT.rst
"""

import datetime
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "scripts"))
from bench_report import write_report  # noqa: E402

ROUNDS_BATCH = 5
ROUNDS_SERIAL = 1       # 256 x 60 ms each: one round is 31 s
CASES = [("one-queue", "one queue (the unit of the goal)"),
         ("detach-256", "detach a guest, 16 x 16 = 256 queues"),
         ("unassign-256", "unassign an adapter with 256 domains")]


def run(binary, variant, rounds):
    """{case: [(total, mdevs, hook, guests), ...]} from one binary."""
    out = subprocess.run([binary, variant, str(rounds)], check=True,
                         capture_output=True, text=True).stdout
    res = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 6 and f[1] == variant:
            res.setdefault(f[0], []).append([float(x) for x in f[2:]])
    return res


def medians(rows):
    return [statistics.median(r[i] for r in rows) for i in range(4)]


def ms(s):
    return "%.1f ms" % (s * 1e3) if s >= 1e-3 else "%.0f us" % (s * 1e6)


def main():
    bench_dir, out = sys.argv[1], sys.argv[2]
    batch = run(os.path.join(bench_dir, "bench_reset"), "batch",
                ROUNDS_BATCH)
    serial = run(os.path.join(bench_dir, "bench_reset_serial"), "serial",
                 ROUNDS_SERIAL)
    lines = [
        "Made by ``make bench`` (``bench/bench_reset.py``) on %s; every "
        "simulated queue reset takes 50 ms of real time, polled every "
        "20 ms.  *serial* is the driver before the batch (commit "
        "``c8ec3aa``, built against the same harness), *batch* this one; "
        "medians of %d rounds (serial: %d).  Hold times are the longest "
        "exclusive hold the lock validator saw during the operation."
        % (datetime.date.today().isoformat(), ROUNDS_BATCH, ROUNDS_SERIAL),
        "",
        ".. list-table::",
        "   :header-rows: 1",
        "",
        "   * - operation",
        "     - driver",
        "     - total",
        "     - mdevs_lock held",
        "     - PQAP hook rwsem held",
        "     - guests_lock held",
    ]
    for case, title in CASES:
        for name, res in (("serial", serial), ("batch", batch)):
            t, m, h, g = medians(res[case])
            lines += ["   * - " + title, "     - " + name,
                      "     - " + ms(t), "     - " + ms(m),
                      "     - " + (ms(h) if h else "not taken"),
                      "     - " + ms(g)]
    one = medians(batch["one-queue"])[0]
    lines += ["", "Against the goals, same run:", ""]
    for case, title in CASES[1:]:
        b, s = medians(batch[case]), medians(serial[case])
        lines.append("* %s: the batch takes %.2fx one queue's reset (goal "
                     "< 2x), %.0fx faster than serial; mdevs_lock held at "
                     "most %s (goal well under 1 ms; serial %s)."
                     % (title, b[0] / one, s[0] / b[0], ms(b[1]), ms(s[1])))
    write_report(out, "Benchmark: queue resets in a batch", lines)


if __name__ == "__main__":
    main()
