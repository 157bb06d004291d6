#!/usr/bin/python3
"""The Linux guest test: Debian's s390x kernel under TCG with our vfio-ap
device on the simulator, once with AP interrupts and once polling
(ap.useirq=0).  The guest's init (tests/guest/linux/init) prints tagged
lines on the console; this script answers its hot plug steps with admin
writes to the simulator and checks every line it expects, TAP style.

Usage: run.py QEMU VFIO-AP-SIM DEBS INITRD
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "..", "scripts"))
from linux_guest import UUID, LinuxGuest  # noqa: E402

WATCHDOG = 150                  # seconds for one boot, to power-off
QUEUES = ["01.0001", "01.0002", "02.0001", "02.0002"]
# kernel messages of the AP bus and zcrypt that a healthy run may show
KLOG_EXPECTED = ()
# what the host does when the guest says it waits for it
HOST_ACTIONS = {
    "hotplug: waiting for card03": ("write", UUID, "assign_adapter", "3"),
    "hotplug: waiting for card03 to go":
        ("write", UUID, "unassign_adapter", "3"),
    "hostchange: waiting for card02 to go": ("host", "adapters", "0-1,3-15"),
    "hostchange: waiting for card02 to come back":
        ("host", "adapters", "0-15"),
    "request: waiting for the cards to go": ("request", UUID),
}
failures = []
count = 0


def check(ok, what):
    global count
    count += 1
    print(f"{'ok' if ok else 'not ok'} {count} - {what}")
    if not ok:
        failures.append(what)


def boot(qemu, sim, debs, initrd, useirq):
    """One guest run: its console lines, the simulator's exit status, and
    the times from each hot plug write to the guest seeing it."""
    guest = LinuxGuest(qemu, sim, debs, initrd,
                       "" if useirq else "ap.useirq=0")
    lines, seen, acted = [], {}, 0.0
    try:
        guest.start()
        for line in guest.lines(WATCHDOG):
            if line is None:
                lines.append("run.py: the watchdog ended the guest")
                break
            lines.append(line)
            if line in HOST_ACTIONS:
                acted = time.time()
                guest.admin(*HOST_ACTIONS[line])
            elif line.startswith("hotplug: card03") and "online" in line:
                seen["plug"] = time.time() - acted
            elif line == "hotplug: card03 gone":
                seen["unplug"] = time.time() - acted
    finally:
        sim_status = guest.stop()
    return lines, sim_status, seen


def check_run(name, lines, sim_status, seen, useirq):
    has = set(lines)
    irq = "Interrupts enabled." if useirq else "Interrupts disabled."
    check("guest: done" in has, f"{name}: the guest ran to its end")
    check("ap: card01 CEX8A online=1" in has, f"{name}: card01 is a CEX8A")
    check("ap: card02 CEX6A online=1" in has, f"{name}: card02 is a CEX6A")
    queues = sorted(line.split()[2] for line in lines
                    if line.startswith("ap: queue "))
    check(queues == QUEUES, f"{name}: the queues are the mdev's: {queues}")
    for q in QUEUES:
        check(f"ap: queue {q} online=1 irq={irq}" in has,
              f"{name}: queue {q} online, {irq.lower()}")
    check("ap: /dev/z90crypt present" in has, f"{name}: /dev/z90crypt")
    check(any(line.startswith("lszcrypt: 01 ") and "CEX8A" in line
              for line in lines), f"{name}: lszcrypt lists card 01")
    for bits in (1024, 2048, 4096):
        for op in ("ME", "CRT"):
            check(f"zcrypt-test: RSA-{bits} {op} ok" in has,
                  f"{name}: RSA-{bits} {op} through zcrypt is right")
    check("zcrypt-test: concurrent 4 x 3: ok" in has,
          f"{name}: 4 processes at once, all right")
    counts = {line.split()[2]: int(line.split()[3]) for line in lines
              if line.startswith("ap: requests ")}
    check(sorted(counts) == QUEUES and min(counts.values()) > 0,
          f"{name}: the requests spread over every queue: {counts}")
    check("hotplug: card03 CEX7A online" in has and "plug" in seen,
          f"{name}: a card assigned while the guest runs comes online "
          f"({seen.get('plug', 0):.1f} s), by the config-change event")
    took = [int(line.split()[3]) for line in lines
            if line.startswith("hotplug: card03 took ")]
    check(took and took[0] > 0, f"{name}: the new card takes requests "
          f"({took[0] if took else 'none'})")
    check("hotplug: concurrent 4 x 3: ok" in has,
          f"{name}: requests while the card comes and goes, all right")
    check("hotplug: card03 gone" in has and "unplug" in seen,
          f"{name}: an unassigned card goes ({seen.get('unplug', 0):.1f} s)")
    check("hostchange: card02 gone" in has,
          f"{name}: a host configuration change takes card02 away")
    check("hostchange: 6 ok, 0 failed" in has,
          f"{name}: requests go to card01 meanwhile, all right")
    check("hostchange: card02 back online" in has,
          f"{name}: and gives it back")
    check("request: every card and queue gone" in has,
          f"{name}: a device request unplugs the device; the cards go")
    klog = [line for line in lines if line.startswith("klog: ")]
    unexpected = [line for line in klog
                  if not any(e in line for e in KLOG_EXPECTED)]
    check(not unexpected, f"{name}: no AP or zcrypt kernel message: "
          f"{unexpected[:3]}")
    check(sim_status == 0, f"{name}: the simulator saw no lock-order "
          f"report or warning (exit {sim_status})")
    if failures:
        print("# the guest's console:")
        for line in lines:
            print(f"#   {line}")


def main():
    qemu, sim, debs, initrd = sys.argv[1:5]
    for name, useirq in (("interrupts", True), ("polling", False)):
        started = time.time()
        lines, sim_status, seen = boot(qemu, sim, debs, initrd, useirq)
        print(f"# {name}: the guest ran {time.time() - started:.0f} s")
        check_run(name, lines, sim_status, seen, useirq)
    print(f"1..{count}")
    print(f"# linux guest: {count - len(failures)} passed, "
          f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
