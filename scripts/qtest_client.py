"""QEMU's qtest protocol for the project's scripts: reading and writing
guest memory of a QEMU started with -qtest unix:PATH (QEMU connects)."""

import socket
import sys


class Qtest:
    """QEMU's qtest protocol, for reading and writing guest memory."""

    def __init__(self, path):
        self.listener = socket.socket(socket.AF_UNIX)
        self.listener.bind(path)
        self.listener.listen(1)
        self.file = None

    def accept(self):
        self.listener.settimeout(10)
        conn, _ = self.listener.accept()
        self.file = conn.makefile("rw")

    def _cmd(self, line):
        self.file.write(line + "\n")
        self.file.flush()
        while True:
            answer = self.file.readline().split()
            if answer and answer[0] == "OK":
                return answer[1:]
            if not answer or answer[0] == "FAIL":
                sys.exit(f"demo: qtest '{line}' failed")

    def readq(self, addr):
        return int(self._cmd(f"readq 0x{addr:x}")[0], 16)

    def readb(self, addr):
        return int(self._cmd(f"readb 0x{addr:x}")[0], 16)

    def writeq(self, addr, value):
        self._cmd(f"writeq 0x{addr:x} 0x{value:x}")

    def read(self, addr, size):
        """@size bytes of guest memory, at once."""
        return bytes.fromhex(self._cmd(f"read 0x{addr:x} 0x{size:x}")[0][2:])
