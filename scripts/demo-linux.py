#!/usr/bin/python3
"""make demo: a Linux guest uses simulated crypto cards through vfio-ap.

Debian's s390x kernel boots under TCG (no mainframe) with QEMU's vfio-ap
device on vfio-ap-sim, which runs the vfio_ap driver's code and simulates
the cards.  The guest lists its cards with lszcrypt, signs with RSA-2048
through the card (zcrypt), and the signature is checked here with the
public key; then an adapter is hot-plugged and unplugged while the guest
watches.

Usage: demo-linux.py QEMU VFIO-AP-SIM DEBS INITRD ICA-VECTORS
"""

import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from linux_guest import UUID, LinuxGuest  # noqa: E402


def public_key_and_input(vectors, bits):
    """(n, e, the CRT vector's input) of the @bits key in mkvectors --ica's
    file: its ME vector carries the public key, its CRT one the input."""
    data = open(vectors, "rb").read()
    count = struct.unpack(">I", data[4:8])[0]
    at, found = 8, {}
    for _ in range(count):
        vbits, crt, nfields = struct.unpack(">III", data[at:at + 12])
        at += 12
        fields = []
        for _ in range(nfields):
            (length,) = struct.unpack(">I", data[at:at + 4])
            fields.append(int.from_bytes(data[at + 4:at + 4 + length], "big"))
            at += 4 + length
        if vbits == bits:
            found[crt] = fields
    me, crt = found[0], found[1]
    return me[2], me[1], crt[0]


def say(who, text):
    print(f"{who:>6}: {text}", flush=True)


def main():
    qemu, sim, debs, initrd, vectors = sys.argv[1:6]
    n, e, message = public_key_and_input(vectors, 2048)
    guest = LinuxGuest(qemu, sim, debs, initrd, "vfio_ap_demo")
    ok = True
    try:
        say("host", "vfio-ap-sim serves mdev " + UUID[:8] + "... with "
            "adapters 1-2 (CEX8A, CEX6A) and domains 1-2")
        guest.start()
        started = acted = time.time()
        say("host", "Debian's Linux 6.12 s390x guest boots under TCG with "
            "-device vfio-ap,socket=...")
        for line in guest.lines(120):
            if line is None:
                say("host", "the guest did not finish (watchdog)")
                ok = False
                break
            if not line.startswith("demo: "):
                continue
            text = line[len("demo: "):]
            if text.startswith("lszcrypt: "):
                say("guest", text)
            elif text.startswith("signature: "):
                sig = text[len("signature: "):]
                valid = not sig.startswith("FAILED") and \
                    pow(int(sig, 16), e, n) == message
                ok &= valid
                say("guest", f"RSA-2048 signature through the card: "
                    f"{sig[:16]}...{sig[-16:]}")
                say("host", "checked with the public key: " +
                    ("valid" if valid else "NOT VALID"))
            elif text == "waiting for card03":
                say("host", "assign adapter 3 (a CEX7A) to the mdev, "
                    "the guest running")
                acted = time.time()
                guest.admin("write", UUID, "assign_adapter", "3")
            elif text == "waiting for card03 to go":
                say("guest", f"card03 came online "
                    f"{time.time() - acted:.1f} s later")
                say("host", "unassign adapter 3")
                acted = time.time()
                guest.admin("write", UUID, "unassign_adapter", "3")
            elif text == "card03 gone":
                say("guest", f"card03 gone {time.time() - acted:.1f} s "
                    "later")
        say("host", f"the guest powered off after "
            f"{time.time() - started:.0f} s")
    finally:
        status = guest.stop()
    ok &= status == 0
    say("host", "demo " + ("done" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
