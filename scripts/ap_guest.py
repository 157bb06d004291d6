"""What the bare-metal guest tests/guest/ap-insn.c leaves in its memory:
the layout of tests/qtest/vfio-ap-guest.h, read over the qtest protocol."""

import re

RESULTS = 0x70000       # AP_GUEST_RESULTS: stage, go, then the records


def guest_layout(header):
    """The record numbers of tests/qtest/vfio-ap-guest.h, by name."""
    text = open(header).read()
    body = re.search(r"enum \{(.*?)\};", text, re.S).group(1)
    recs, n = {}, 0
    for name, offset in re.findall(r"^\s*(REC_\w+)(?:\s*=\s*REC_RSA\s*\+\s*(\d+))?",
                                   body, re.M):
        n = recs["REC_RSA"] + int(offset) if offset else n
        recs[name] = n
        n += 1
    return recs


def qci_address(recs):
    """Where the guest keeps the first QCI block it stored."""
    return RESULTS + 64 + recs["REC_COUNT"] * 32


def qci_ids(qt, addr):
    """The adapters and usage domains of the QCI block at @addr."""
    def ids(off):
        return [i for i in range(256)
                if qt.readb(addr + off + i // 8) & (0x80 >> (i % 8))]
    return ids(16), ids(48)
