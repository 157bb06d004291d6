#!/usr/bin/python3
"""make demo, second part: QEMU's vfio-ap device on the simulated backend.

Starts vfio-ap-sim (the vfio_ap driver's code serving an mdev over
vfio-user) and QEMU with the device in libvirt's JSON form, then changes
the mdev and the host in the simulator and shows each config-change event
arriving in QEMU, and a device request unplugging the device.  Then a
bare-metal guest under TCG (tests/guest/ap-insn.c) uses the queues: its
AP configuration, the cards' information, RSA requests and their results.

Usage: demo-qemu.py QEMU-BINARY VFIO-AP-SIM-BINARY GUEST-ELF GUEST-HEADER
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ap_guest import RESULTS, guest_layout, qci_address, qci_ids  # noqa: E402
from qmp_client import Qmp  # noqa: E402
from qtest_client import Qtest  # noqa: E402
from sim_process import start_sim, stop_all  # noqa: E402

UUID = "62177883-f1bb-47f0-914d-32a22e3a8804"


def show_guest(qemu, sim, guest, header, admin, tmp):
    """The bare-metal guest uses the queues; what it saw, step by step."""
    results = RESULTS
    recs = guest_layout(header)
    qci1 = qci_address(recs)

    def rec(name, plus=0):
        base = results + 64 + (recs[name] + plus) * 32
        return [qt.readq(base + 8 * i) for i in range(4)]

    def qci_masks(addr):
        adapters, domains = qci_ids(qt, addr)
        return f"adapters {adapters}, domains {domains}"

    def wait_stage(stage):
        for _ in range(3000):
            if qt.readq(results) >= stage:
                return
            time.sleep(0.01)
        sys.exit(f"demo: the guest did not reach stage {stage}")

    uuid = "62177883-f1bb-47f0-914d-32a22e3a8805"
    admin("create", uuid)
    for attr, val in (("assign_adapter", "1"), ("assign_adapter", "2"),
                      ("assign_domain", "1"), ("assign_domain", "2")):
        admin("write", uuid, attr, val)
    admin("card", "2", "12")
    sock = os.path.join(tmp, uuid + ".sock")
    qt = Qtest(os.path.join(tmp, "qtest.sock"))
    args = [qemu, "-machine", "s390-ccw-virtio,memory-backend=mem",
            "-object", "memory-backend-memfd,id=mem,size=128M,share=on",
            "-m", "128M", "-accel", "tcg", "-cpu", "max", "-nodefaults",
            "-display", "none", "-kernel", guest,
            "-device", f"vfio-ap,socket={sock}",
            "-qtest", f"unix:{os.path.join(tmp, 'qtest.sock')}",
            "-qtest-log", "/dev/null"]
    print("\n== a bare-metal guest under TCG uses the queues")
    print("   " + " ".join(args[:-4]))
    proc = subprocess.Popen(args)
    try:
        qt.accept()
        wait_stage(1)
        out = rec("REC_QCI")
        print(f"  guest: QCI (cc {out[0]}): {qci_masks(qci1)}")
        admin("write", uuid, "assign_adapter", "3")
        time.sleep(0.2)
        qt.writeq(results + 8, 1)
        wait_stage(2)
        print(f"  guest: QCI again: "
              f"{qci_masks(qci1 + 128)}")
        for name, apqn in (("REC_TAPQ_IN", "01.0001"), ("REC_TAPQ_CEX6", "02.0002")):
            out = rec(name)
            print(f"  guest: TAPQ {apqn}: cc {out[0]}, status 0x{out[1]:08x}, "
                  f"info 0x{out[2]:016x} (type {(out[2] >> 24) & 0xff}, "
                  f"depth {(out[2] & 0xf) + 1})")
        out = rec("REC_TAPQ_OUT")
        print(f"  guest: TAPQ 00.0001 (not the guest's): cc {out[0]}, "
              f"response code 0x{(out[1] >> 16) & 0xff:02x}")
        kinds = ["ME", "CRT"]
        for i in range(6):
            out = rec("REC_RSA", i)
            print(f"  guest: RSA-{1024 << (i // 2)} {kinds[i % 2]}: NQAP, DQAP "
                  f"cc {out[0]}, request id 0x{out[2]:x}, result "
                  + ("right" if out[3] == 1 else "WRONG"))
        out = rec("REC_QUEUE_FULL")
        print(f"  guest: request 9 on a queue of 8: cc {out[0]}, "
              f"response code 0x{(out[1] >> 16) & 0xff:02x} (queue full); "
              f"replies in order: {'yes' if rec('REC_REPLY_ORDER')[3] else 'NO'}")
        out = rec("REC_DQAP_PART")
        print(f"  guest: a 272-byte reply into 100 bytes: cc {out[0]}, "
              f"{out[3]} stored, GR2 residual {out[2]}")
        out = rec("REC_TYPE82_MSGTYPE")
        print(f"  guest: a message of type 0x51: reply type 0x{out[3] >> 8:02x}, "
              f"code 0x{out[3] & 0xff:02x}")
        if any(rec("REC_RSA", i)[3] != 1 for i in range(6)):
            sys.exit("demo: an RSA result was wrong")
    finally:
        stop_all([proc])


def main():
    qemu, sim, guest, header = sys.argv[1:5]
    tmp = tempfile.mkdtemp(prefix="vfio-ap-demo-")
    procs = []

    def admin(*words):
        out = subprocess.run([sim, "--dir", tmp, "--admin", *words],
                             capture_output=True, text=True)
        text = (out.stdout + out.stderr).strip()
        print(f"  $ vfio-ap-sim --admin {' '.join(words)}\n    "
              + text.replace("\n", "\n    "))
        return text

    try:
        log = open(os.path.join(tmp, "sim.log"), "w")
        proc, sock = start_sim(sim, tmp, UUID, stderr=log)
        procs.append(proc)
        print(f"== vfio-ap-sim serves mdev {UUID} on {sock}")
        admin("write", UUID, "assign_adapter", "0x03")
        admin("write", UUID, "assign_domain", "0x0005")
        admin("read", UUID, "guest_matrix")

        device = json.dumps({"driver": "vfio-ap", "id": "hostdev0",
                             "socket": sock})
        qmp_path = os.path.join(tmp, "qmp.sock")
        args = [qemu, "-S", "-machine", "s390-ccw-virtio", "-accel", "tcg",
                "-cpu", "max", "-nodefaults", "-display", "none",
                "-qmp", f"unix:{qmp_path},server=on,wait=off",
                "-device", device]
        print("\n== " + " ".join(args[:-1]) + f" '{device}'")
        procs.append(subprocess.Popen(args))
        qmp = Qmp(qmp_path)
        path = "/machine/peripheral/hostdev0"

        def pending(expect):
            for _ in range(500):
                got = qmp.cmd("qom-get", path=path,
                              property="x-pending-config-events")
                if got == expect:
                    break
                time.sleep(0.01)
            print(f"  QEMU: config-change events pending for the guest: {got}")
            if got != expect:
                sys.exit(f"demo: expected {expect} pending events")

        print("  QEMU: vfio-ap device realized over vfio-user")
        pending(0)

        print("\n== hot plug an adapter into the running guest's configuration")
        admin("write", UUID, "assign_adapter", "0x04")
        pending(1)
        print("\n== hot unplug one")
        admin("write", UUID, "unassign_adapter", "0x03")
        pending(2)
        admin("read", UUID, "guest_matrix")
        print("\n== bad input: changes nothing, no event")
        admin("write", UUID, "assign_adapter", "0x100")
        pending(2)
        print("\n== the host loses adapter 4: the guest loses it at once")
        admin("host", "adapters", "0-3,5-15")
        pending(3)
        admin("read", UUID, "guest_matrix")

        print("\n== the host wants the mdev back: device request")
        admin("request", UUID)
        qmp.wait_event("DEVICE_DELETED")
        print("  QEMU: DEVICE_DELETED hostdev0")
        qmp.cmd("quit")
        procs[1].wait(timeout=10)

        show_guest(qemu, sim, guest, header, admin, tmp)
        print("\ndemo: done")
    finally:
        stop_all(procs)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
