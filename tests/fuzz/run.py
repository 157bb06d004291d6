#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Run the libFuzzer targets of tests/fuzz.

  run.py corpus BIN_DIR [--qemu-fuzz QEMU_FUZZ]
      every target over its corpus in the tree, once (make check): each
      input, the seeds and the regression inputs of crashes found, must
      pass
  run.py fuzz BIN_DIR WORK_DIR [TARGET ...] [--seconds S] [--runs N]
              [--jobs J] [--report FILE] [--qemu-fuzz QEMU_FUZZ]
      fuzz each target for S seconds (or until N executions), J at a time,
      growing a working corpus in WORK_DIR (seeded from the tree); print
      executions, coverage and crashes per target, and write them as a
      reStructuredText table to FILE, each target's row as it ends
  run.py report WORK_DIR TARGET ... --report FILE
      write the rows of runs that finished but whose table was not
      written (a session cut short), from their logs in WORK_DIR

The targets are BIN_DIR's fuzz_NAME programs and, with --qemu-fuzz, the
QEMU fuzzer's targets in QEMU_TARGETS (QEMU's own fuzz binary, with
--fuzz-target=).
"""
import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, 'corpus')


# our targets inside QEMU's fuzz binary: corpus name -> --fuzz-target name
QEMU_TARGETS = {'qemu_ap_insn': 's390x-ap-insn'}


def targets(bin_dir, qemu_fuzz=None, wanted=()):
    """{name: the command that runs it}, in the order asked for"""
    cmds = {n[len('fuzz_'):]: [os.path.join(bin_dir, n)]
            for n in sorted(os.listdir(bin_dir))
            if n.startswith('fuzz_') and not n.endswith('.o')}
    if qemu_fuzz:
        for name, qemu_name in QEMU_TARGETS.items():
            cmds[name] = [qemu_fuzz, '--fuzz-target=' + qemu_name]
    missing = set(wanted) - set(cmds)
    if missing:
        sys.exit('run.py: no such target: ' + ' '.join(sorted(missing)))
    # in the order asked for: the longest first, when several run at once
    return {n: cmds[n] for n in (wanted or cmds)}


# Inputs of these targets are lists of writes or commands, each followed by
# reads of the whole state; libFuzzer's default lets them grow to 4 KiB,
# where one input costs hundreds of state checks (a third the speed).
# 512 bytes hold some 30 writes, more than any seed or planted fault needed.
MAX_LEN = {'sysfs': 512, 'admin': 512}


def options(name):
    """libFuzzer's options for a target: its dictionary, its input size"""
    d = os.path.join(HERE, name + '.dict')
    opts = ['-dict=' + d] if os.path.exists(d) else []
    if name in MAX_LEN:
        opts.append('-max_len=%d' % MAX_LEN[name])
    return opts


def run_corpus(bin_dir, qemu_fuzz):
    failed = []
    cmds = targets(bin_dir, qemu_fuzz)
    for name, cmd in cmds.items():
        seeds = os.path.join(CORPUS, name)
        inputs = sorted(os.listdir(seeds))
        t0 = time.monotonic()
        p = subprocess.run(cmd + [os.path.join(seeds, i) for i in inputs],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, errors='replace', timeout=300)
        ok = p.returncode == 0 and p.stdout.count('Executed ') == len(inputs)
        print('%s - fuzz corpus %s: %d inputs (%.1f s)' %
              ('ok' if ok else 'not ok', name, len(inputs),
               time.monotonic() - t0))
        if not ok:
            failed.append(name)
            print('\n'.join('#   ' + l for l in p.stdout.splitlines()[-30:]))
    print('fuzz corpus: %d targets, %d failed' % (len(cmds), len(failed)))
    return 1 if failed else 0


def fuzz_one(cmd, work_dir, name, seconds, runs):
    corpus = os.path.join(work_dir, 'corpus', name)
    crashes = os.path.join(work_dir, 'crashes', name)
    os.makedirs(corpus, exist_ok=True)
    os.makedirs(crashes, exist_ok=True)
    cmd = cmd + [corpus, os.path.join(CORPUS, name),
                 '-max_total_time=%d' % seconds,
                 '-print_final_stats=1', '-artifact_prefix=' + crashes + '/',
                 '-timeout=25', '-rss_limit_mb=4096'] + options(name)
    if runs:
        cmd.append('-runs=%d' % runs)
    t0 = time.monotonic()
    with open(log_path(work_dir, name), 'w') as f:
        p = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT)
    return log_row(work_dir, name, p.returncode, time.monotonic() - t0)


def log_path(work_dir, name):
    return os.path.join(work_dir, name + '.log')


def log_row(work_dir, name, status=0, seconds=None):
    """a target's row, from the log its last run left in WORK_DIR"""
    log = log_path(work_dir, name)
    text = open(log, errors='replace').read()
    execs = re.findall(r'stat::number_of_executed_units:\s*(\d+)', text)
    cov = re.findall(r'cov: (\d+) ft: (\d+)', text)
    done = re.findall(r'^Done \d+ runs in (\d+) second', text, re.M)
    if seconds is None:
        if not done:
            sys.exit('run.py: %s did not finish: no final line' % log)
        seconds = int(done[-1])
    return {
        'name': name,
        'execs': int(execs[-1]) if execs else 0,
        'cov': int(cov[-1][0]) if cov else 0,
        'features': int(cov[-1][1]) if cov else 0,
        'corpus': len(os.listdir(os.path.join(work_dir, 'corpus', name))),
        'crashes': re.findall(r'Test unit written to '
                              r'(\S*/(?:crash|leak|timeout|oom)-\S+)', text),
        'seconds': seconds,
        'status': status,
        'log': log,
    }


HEAD = ('target', 'executions', 'seconds', 'exec/s', 'coverage (edges)',
        'features', 'corpus', 'crashes', 'date')


def row_cells(r):
    return (r['name'], str(r['execs']), '%.0f' % r['seconds'],
            '%.0f' % (r['execs'] / max(r['seconds'], 1e-9)),
            str(r['cov']), str(r['features']), str(r['corpus']),
            str(len(r['crashes'])), time.strftime('%Y-%m-%d'))


def earlier_rows(report):
    """the rows of an earlier report's table, by target"""
    rows = {}
    try:
        lines = open(report).read().splitlines()
    except FileNotFoundError:
        return rows
    rules = [i for i, l in enumerate(lines) if l.startswith('====')]
    if len(rules) == 3:
        for l in lines[rules[1] + 1:rules[2]]:
            cells = tuple(l.split())
            if len(cells) == len(HEAD):
                rows[cells[0]] = cells
    return rows


def table(body):
    widths = [max(len(x) for x in col) for col in zip(HEAD, *body)]
    line = ' '.join('=' * w for w in widths)
    fmt = lambda cells: ' '.join(c.ljust(w) for c, w in
                                 zip(cells, widths)).rstrip()
    return '\n'.join([line, fmt(HEAD), line] + [fmt(b) for b in body] +
                     [line]) + '\n'


def write_report(report, rows):
    """the rows given replace their targets' rows; the others keep theirs"""
    merged = earlier_rows(report)
    merged.update((r['name'], row_cells(r)) for r in rows)
    with open(report, 'w') as f:
        f.write('.. generated by tests/fuzz/run.py (make fuzz): each '
                'row from its target\'s last run\n\n')
        f.write(table([merged[n] for n in sorted(merged)]))


def run_fuzz(args):
    cmds = targets(args.bin_dir, args.qemu_fuzz, args.target)
    os.makedirs(args.work_dir, exist_ok=True)
    lock = threading.Lock()

    # each target's row goes in as it ends: a long run cut short keeps them
    def one(name):
        r = fuzz_one(cmds[name], args.work_dir, name, args.seconds, args.runs)
        if args.report:
            with lock:
                write_report(args.report, [r])
        return r

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(one, cmds))
    print(table([row_cells(r) for r in rows]), end='')
    for r in rows:
        for c in r['crashes']:
            print('fuzz %s: crash input %s (log %s)' % (r['name'], c, r['log']))
        if r['status'] and not r['crashes']:
            print('fuzz %s: exit status %d (log %s)' %
                  (r['name'], r['status'], r['log']))
    return 1 if any(r['crashes'] or r['status'] for r in rows) else 0


def run_report(args):
    rows = [log_row(args.work_dir, n) for n in args.target]
    write_report(args.report, rows)
    print(table([row_cells(r) for r in rows]), end='')
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest='mode', required=True)
    c = sub.add_parser('corpus')
    c.add_argument('bin_dir')
    c.add_argument('--qemu-fuzz')
    f = sub.add_parser('fuzz')
    f.add_argument('bin_dir')
    f.add_argument('work_dir')
    f.add_argument('--seconds', type=int, default=180)
    f.add_argument('--runs', type=int, default=0)
    f.add_argument('--jobs', type=int, default=1)
    f.add_argument('--report')
    f.add_argument('--qemu-fuzz')
    f.add_argument('target', nargs='*')
    r = sub.add_parser('report')
    r.add_argument('work_dir')
    r.add_argument('--report', required=True)
    r.add_argument('target', nargs='+')
    args = ap.parse_args()
    if args.mode == 'corpus':
        return run_corpus(args.bin_dir, args.qemu_fuzz)
    if args.mode == 'report':
        return run_report(args)
    return run_fuzz(args)


if __name__ == '__main__':
    sys.exit(main())
