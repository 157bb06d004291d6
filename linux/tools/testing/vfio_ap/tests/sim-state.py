#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""vfio-ap-sim's state directory against SIGKILL.

A client defines mdevs over the admin socket as fast as it can, each
definition replacing the one before it; the simulator is killed with
SIGKILL at a random moment, many times.  After each kill the simulator
starts again in the same directory, and every stored definition must be
whole: the last one acknowledged or the one being written, never a torn
one, and the mdev it makes must have that definition's matrix.  Then the
same with --x-fault state-in-place (definitions written in place): the
test must find a torn definition, which shows that it can.

Usage: sim-state.py VFIO-AP-SIM [SEED]
"""
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROUNDS = 25
BROKEN_ROUNDS = 10
UUIDS = ['5ea7e000-0000-0000-0000-00000000000%d' % i for i in range(1, 4)]
PAD = 'x' * 30000     # a long definition: a write takes a while


def definition(slot, version):
    """the JSON of one version of an mdev: its domain is the version"""
    return ('{"mdev_type": "vfio_ap-passthrough", "version": %d,\n'
            ' "attrs": [{"assign_adapter": "%d"}, {"assign_domain": "%d"}],\n'
            ' "pad": "%s"}\n' % (version, slot + 1, version, PAD))


def admin(run_dir, line, timeout=2.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(os.path.join(run_dir, 'admin.sock'))
        s.sendall(line.encode() + b'\n')
        s.shutdown(socket.SHUT_WR)
        out = b''
        while True:
            b = s.recv(65536)
            if not b and not out:
                # no answer at all: the server died with the command
                raise ConnectionResetError('no answer to ' + line)
            if not b:
                return out.decode(errors='replace')
            out += b
    finally:
        s.close()


def start(sim, run_dir, extra):
    log = open(run_dir + '.log', 'a')
    p = subprocess.Popen([sim, '--dir', run_dir] + extra,
                         stdout=subprocess.DEVNULL, stderr=log)
    log.close()
    for _ in range(500):
        try:
            if admin(run_dir, 'list').startswith('ok'):
                return p
        except OSError:
            pass
        if p.poll() is not None:
            break
        time.sleep(0.01)
    p.kill()
    raise RuntimeError('the simulator did not start: %s' %
                       open(run_dir + '.log').read()[-2000:])


class Writer(threading.Thread):
    """defines the mdevs over and over, each time a new version"""

    def __init__(self, run_dir, defs_dir, versions, rng):
        super().__init__()
        self.run_dir, self.defs_dir = run_dir, defs_dir
        self.versions, self.rng = versions, rng
        self.stop = False

    def run(self):
        while not self.stop:
            slot = self.rng.randrange(len(UUIDS))
            v = self.versions[slot]
            version = v['acked'] + 1 if v['acked'] else self.rng.randrange(1, 9)
            version = version % 15 + 1
            path = os.path.join(self.defs_dir, '%d-%d.json' % (slot, version))
            with open(path, 'w') as f:
                f.write(definition(slot, version))
            try:
                admin(self.run_dir, 'remove ' + UUIDS[slot])
                v['in_flight'] = version
                if admin(self.run_dir, 'define %s %s' %
                         (UUIDS[slot], path)).startswith('ok'):
                    v['acked'] = version
                v['in_flight'] = None
            except OSError:
                return      # killed


def check_state(run_dir, versions):
    """every stored definition whole and as expected; its mdev as it says"""
    problems = []
    mdevs = os.path.join(run_dir, 'mdevs')
    left = [n for n in os.listdir(mdevs) if n.endswith('.tmp')]
    if left:
        problems.append('temporary files left after the restart: %s' % left)
    for slot, uuid in enumerate(UUIDS):
        v = versions[slot]
        path = os.path.join(mdevs, uuid + '.json')
        if not os.path.exists(path):
            if v['acked']:
                problems.append('%s: acknowledged version %d lost' %
                                (uuid, v['acked']))
            continue
        text = open(path).read()
        allowed = [x for x in (v['acked'], v['in_flight']) if x]
        stored = [x for x in allowed if text == definition(slot, x)]
        if not stored:
            problems.append('%s: stored definition is neither version %s '
                            '(%d bytes: %.60r)' % (uuid, allowed, len(text),
                                                   text))
            continue
        got = admin(run_dir, 'read %s matrix' % uuid)
        if got != 'ok\n%02x.%04x\n' % (slot + 1, stored[0]):
            problems.append('%s: restored mdev shows %r' % (uuid, got))
        # what the restart made is what is stored now
        v['acked'], v['in_flight'] = stored[0], None
    return problems


def rounds(sim, n, extra, rng):
    """n kill-and-restart rounds; the problems found"""
    work = tempfile.mkdtemp(prefix='vfio-ap-sim-state-')
    run_dir, defs_dir = os.path.join(work, 'run'), os.path.join(work, 'defs')
    os.makedirs(defs_dir)
    versions = [{'acked': 0, 'in_flight': None} for _ in UUIDS]
    problems = []
    cut_short = 0
    try:
        p = start(sim, run_dir, extra)
        for i in range(n):
            w = Writer(run_dir, defs_dir, versions, rng)
            w.start()
            time.sleep(rng.uniform(0.02, 0.25))
            p.kill()
            p.wait()
            w.stop = True
            w.join()
            mdevs = os.path.join(run_dir, 'mdevs')
            cut_short += any(n.endswith('.tmp') for n in os.listdir(mdevs))
            p = start(sim, run_dir, extra)
            found = check_state(run_dir, versions)
            problems += ['round %d: %s' % (i, x) for x in found]
        p.terminate()
        p.wait(timeout=10)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print('# %d of %d kills left a temporary file (a write cut short)' %
          (cut_short, n))
    return problems, sum(v['acked'] > 0 for v in versions)


def main():
    sim = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else random.randrange(1 << 30)
    print('# seed %d' % seed)
    rng = random.Random(seed)
    passed = failed = 0

    def check(ok, what, detail=()):
        nonlocal passed, failed
        print('%s - %s' % ('ok' if ok else 'not ok', what))
        for d in detail:
            print('#   ' + d)
        passed, failed = passed + ok, failed + (not ok)

    problems, defined = rounds(sim, ROUNDS, [], rng)
    check(not problems, 'SIGKILL during definition writes, %d times: every '
          'definition whole, old or new, and restored' % ROUNDS, problems[:10])
    check(defined == len(UUIDS), 'the writes went on between the kills '
          '(%d of %d mdevs defined)' % (defined, len(UUIDS)))
    problems, _ = rounds(sim, BROKEN_ROUNDS, ['--x-fault', 'state-in-place'],
                         rng)
    check(any('neither' in x for x in problems),
          'with definitions written in place, the test finds a torn one')
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
