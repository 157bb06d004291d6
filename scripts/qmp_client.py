"""A minimal QMP client for the project's scripts: commands, and the events
that arrive meanwhile."""

import json
import socket
import sys
import time


class Qmp:
    """A minimal QMP client: commands, and the events seen meanwhile."""

    def __init__(self, path):
        for _ in range(500):
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                time.sleep(0.01)
        else:
            sys.exit(f"qmp: no QMP socket at {path}")
        self.file = self.sock.makefile("rw")
        self.events = []
        json.loads(self.file.readline())          # the greeting
        self.cmd("qmp_capabilities")

    def cmd(self, name, **args):
        self.file.write(json.dumps({"execute": name, "arguments": args}) + "\n")
        self.file.flush()
        while True:
            msg = json.loads(self.file.readline())
            if "event" in msg:
                self.events.append(msg)
            elif "error" in msg:
                raise RuntimeError(msg["error"]["desc"])
            else:
                return msg["return"]

    def wait_event(self, name, timeout=10):
        self.sock.settimeout(timeout)
        while not any(e["event"] == name for e in self.events):
            self.events.append(json.loads(self.file.readline()))
        self.sock.settimeout(None)
