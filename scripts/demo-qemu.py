#!/usr/bin/python3
"""make demo, second part: QEMU's vfio-ap device on the simulated backend.

Starts vfio-ap-sim (the vfio_ap driver's code serving an mdev over
vfio-user) and QEMU with the device in libvirt's JSON form, then changes
the mdev and the host in the simulator and shows each config-change event
arriving in QEMU, and a device request unplugging the device.

Usage: demo-qemu.py QEMU-BINARY VFIO-AP-SIM-BINARY
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmp_client import Qmp  # noqa: E402

UUID = "62177883-f1bb-47f0-914d-32a22e3a8804"


def main():
    qemu, sim = sys.argv[1], sys.argv[2]
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
        procs.append(subprocess.Popen([sim, "--dir", tmp, "--mdev", UUID],
                                      stderr=log))
        sock = os.path.join(tmp, UUID + ".sock")
        for _ in range(500):
            if os.path.exists(sock):
                break
            time.sleep(0.01)
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
                              property="pending-config-events")
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
        print("\ndemo: done")
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
                p.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
