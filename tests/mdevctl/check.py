#!/usr/bin/python3
"""The simulated host as an administrator sees it: vfio-ap-sim's sysfs tree
mounted over /sys in a private mount namespace, driven by Debian's own
mdevctl and by the shell, as on an s390 host; then QEMU attaches the mdev
mdevctl made and a bare-metal guest sees its matrix.

Usage: check.py QEMU-BINARY VFIO-AP-SIM-BINARY GUEST-ELF GUEST-HEADER

Runs as root; it enters its own mount namespace (unshare -m), where a
scratch tmpfs covers /etc/mdevctl.d, so the host's /sys and mdevctl
definitions are never touched.  Prints TAP lines and "N passed, N failed".
"""

import errno
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "scripts"))
from ap_guest import RESULTS, guest_layout, qci_address, qci_ids  # noqa: E402
from qmp_client import Qmp  # noqa: E402
from qtest_client import Qtest  # noqa: E402
from sim_process import stop_all  # noqa: E402

U1 = "62177883-f1bb-47f0-914d-32a22e3a8801"    # started, given to QEMU
U2 = "62177883-f1bb-47f0-914d-32a22e3a8802"    # wants U1's queue
U3 = "62177883-f1bb-47f0-914d-32a22e3a8803"    # wants the host's queue
TYPE = "/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough"
MDEVS = "/sys/bus/mdev/devices"
results = {"passed": 0, "failed": 0}


def check(what, ok, detail=""):
    results["passed" if ok else "failed"] += 1
    print(("ok - " if ok else "not ok - ") + what)
    if not ok and detail:
        print("\n".join("#   " + line for line in str(detail).splitlines()))


def sh(cmd):
    """@cmd in bash, whose echo says the errno of a refused write"""
    return subprocess.run(["bash", "-c", cmd], capture_output=True,
                          text=True, timeout=60)


def read(path):
    with open(path) as f:
        return f.read()


def write_error(path, value):
    """The errno of one write() of @value to @path, 0 when taken."""
    try:
        fd = os.open(path, os.O_WRONLY)
    except OSError as e:
        return e.errno
    try:
        os.write(fd, value.encode())
        return 0
    except OSError as e:
        return e.errno
    finally:
        os.close(fd)


def open_error(path, flags):
    try:
        os.close(os.open(path, flags))
        return 0
    except OSError as e:
        return e.errno


def wait_for(cond, seconds=10):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


def define(uuid, attrs):
    out = sh(f"mdevctl define -u {uuid} -p matrix -t vfio_ap-passthrough")
    for attr, value in attrs:
        out = sh(f"mdevctl modify -u {uuid} --addattr={attr} --value={value}")
    return out


def start_sim(sim, state, sysfs, log):
    proc = subprocess.Popen([sim, "--dir", state, "--sysfs", sysfs,
                             "--adapters", "0-7", "--domains", "0-7",
                             "--control-domains", "0-7", "--card", "2=12"],
                            stderr=log)
    wait_for(lambda: os.path.exists(os.path.join(sysfs, "class/mdev_bus/matrix"))
             or proc.poll() is not None)
    return proc


def mdevctl_part(sim, tmp):
    """types, define, modify, start, list; attributes refused by the driver"""
    types = sh("mdevctl types")
    avail = read(TYPE + "/available_instances").strip()
    check("mdevctl types: vfio_ap-passthrough under parent matrix, with the "
          "driver's instance count",
          types.returncode == 0 and types.stdout.startswith("matrix\n") and
          "  vfio_ap-passthrough\n" in types.stdout and
          f"Available instances: {avail}\n" in types.stdout and
          "Device API: vfio-ap\n" in types.stdout, types.stdout + types.stderr)

    define(U1, [("assign_adapter", "1"), ("assign_adapter", "2"),
                ("assign_domain", "1"), ("assign_domain", "2"),
                ("assign_control_domain", "2")])
    start = sh(f"mdevctl start -u {U1}")
    check("mdevctl start: created through create, attributes applied",
          start.returncode == 0 and os.path.isdir(f"{MDEVS}/{U1}") and
          read(f"{MDEVS}/{U1}/matrix") ==
          "01.0001\n01.0002\n02.0001\n02.0002\n" and
          read(f"{MDEVS}/{U1}/control_domains") == "0002\n",
          start.stdout + start.stderr)
    listed = sh("mdevctl list")
    check("mdevctl list: active and defined",
          f"{U1} matrix vfio_ap-passthrough manual (defined)" in listed.stdout,
          listed.stdout + listed.stderr)
    check("the mdev's vfio-user socket is served",
          os.path.exists(os.path.join(tmp, "state", U1 + ".sock")))

    define(U2, [("assign_domain", "1"), ("assign_adapter", "1")])
    out = sh(f"mdevctl start -u {U2}")
    check("an APQN of another mdev: mdevctl start fails with the driver's "
          "EADDRINUSE", out.returncode != 0 and
          os.strerror(errno.EADDRINUSE) in out.stderr, out.stdout + out.stderr)
    check("and mdevctl removed the half-made mdev, the definition kept",
          not os.path.exists(f"{MDEVS}/{U2}") and
          f"{U2} matrix" in sh("mdevctl list -d").stdout)

    # adapter 3 with domain 1 for the host's own drivers
    taken = (write_error("/sys/bus/ap/apmask", "+3\n"),
             write_error("/sys/bus/ap/aqmask", "+1\n"))
    define(U3, [("assign_domain", "1"), ("assign_adapter", "3")])
    out = sh(f"mdevctl start -u {U3}")
    check("a queue reserved for the host: mdevctl start fails with "
          "EADDRNOTAVAIL", taken == (0, 0) and out.returncode != 0 and
          os.strerror(errno.EADDRNOTAVAIL) in out.stderr,
          f"apmask, aqmask: {taken}\n" + out.stdout + out.stderr)
    check("and no mdev is left", sorted(os.listdir(MDEVS)) == [U1])


def admin_part(sim, tmp):
    """the admin socket and the tree: one state"""
    state = os.path.join(tmp, "state")
    out = subprocess.run([sim, "--dir", state, "--admin", "read", U1,
                          "matrix"], capture_output=True, text=True)
    check("the admin socket reads the matrix mdevctl set",
          out.stdout == "ok\n" + read(f"{MDEVS}/{U1}/matrix"), out.stdout)
    subprocess.run([sim, "--dir", state, "--admin", "write", U1,
                    "assign_domain", "4"], capture_output=True)
    has = "01.0004" in read(f"{MDEVS}/{U1}/matrix").split()
    subprocess.run([sim, "--dir", state, "--admin", "write", U1,
                    "unassign_domain", "4"], capture_output=True)
    check("an admin write shows in the tree at once", has and
          "01.0004" not in read(f"{MDEVS}/{U1}/matrix").split())


def shell_part():
    """echo and cat on every attribute; what the driver and bus refuse"""
    base = f"{MDEVS}/{U1}"
    bad = []
    for name in sorted(os.listdir(base)):
        path = os.path.join(base, name)
        if os.path.islink(path):
            continue
        mode = os.stat(path).st_mode
        out = sh(f"cat {path}")
        if (out.returncode == 0) != bool(mode & 0o444):
            bad.append(f"cat {name}: {out.returncode} {out.stderr.strip()}")
    check("cat: every readable attribute of the mdev reads, a write-only "
          "one is refused", not bad, "\n".join(bad))
    steps = [("assign_adapter", "5", "05.0001"),
             ("assign_domain", "6", "05.0006"),
             ("unassign_adapter", "5", None), ("unassign_domain", "6", None)]
    bad = []
    for attr, value, shows in steps:
        out = sh(f"echo {value} > {base}/{attr}")
        lines = read(f"{base}/matrix").split()
        if out.returncode or (shows and shows not in lines) or \
                (not shows and any(x.startswith("05.") for x in lines)):
            bad.append(f"echo {value} > {attr}: {out.stderr} {lines}")
    check("echo: assign and unassign adapters and domains, matrix follows",
          not bad, "\n".join(bad))
    out = sh(f"echo 7 > {base}/assign_control_domain")
    added = read(f"{base}/control_domains")
    out2 = sh(f"echo 7 > {base}/unassign_control_domain")
    check("echo: assign and unassign a control domain, control_domains "
          "follows", out.returncode == 0 and added == "0002\n0007\n" and
          out2.returncode == 0 and read(f"{base}/control_domains") == "0002\n",
          out.stderr + out2.stderr + added)
    config = read(f"{base}/ap_config")
    out = sh(f"echo '{config.strip()}' > {base}/ap_config")
    check("ap_config written back as read", out.returncode == 0 and
          read(f"{base}/ap_config") == config, out.stderr)
    check("the guest's matrix is shown", read(f"{base}/guest_matrix") != "")
    out = sh("echo 1 > /sys/devices/vfio_ap/matrix/features")
    check("a read-only attribute refuses a write: EACCES, even for root",
          out.returncode != 0 and "Permission denied" in out.stderr, out.stderr)
    check("as kernfs: at open, for writing a file without a store and "
          "reading one without a show",
          open_error("/sys/devices/vfio_ap/matrix/features", os.O_WRONLY)
          == errno.EACCES and
          open_error(f"{base}/remove", os.O_RDONLY) == errno.EACCES)

    matrix = read(f"{base}/matrix")
    # as kernfs, the store gets the first page: a number out of range
    check("a value longer than a page: its first page refused (ERANGE), the "
          "matrix as it was",
          write_error(f"{base}/assign_adapter", "1" * 5000) == errno.ERANGE
          and read(f"{base}/matrix") == matrix)
    check("create with a malformed UUID: EINVAL",
          write_error(TYPE + "/create", "62177883-f1bb-47f0-914d\n")
          == errno.EINVAL and sorted(os.listdir(MDEVS)) == [U1])
    check("create with a UUID in use: EEXIST",
          write_error(TYPE + "/create", U1) == errno.EEXIST)

    apmask = read("/sys/bus/ap/apmask")
    out = sh("echo +1 > /sys/bus/ap/apmask")
    check("apmask: an assigned queue for the host refused with EBUSY, the "
          "mask as it was", out.returncode != 0 and
          "Device or resource busy" in out.stderr and
          read("/sys/bus/ap/apmask") == apmask, out.stderr)
    check("apmask shows the adapters kept for the host",
          apmask == "0x1" + "0" * 63 + "\n", apmask)

    queue = "/sys/devices/ap/card04/04.0004"
    out = sh("echo 04.0004 > /sys/bus/ap/drivers/vfio_ap/unbind")
    gone = not os.path.exists(queue + "/driver")
    out2 = sh("echo 04.0004 > /sys/bus/ap/drivers/vfio_ap/bind")
    check("unbind and bind a queue of vfio_ap by its name",
          out.returncode == 0 and gone and out2.returncode == 0 and
          os.readlink(queue + "/driver") == "../../../../bus/ap/drivers/vfio_ap"
          and read(queue + "/status") == "unassigned\n",
          out.stderr + out2.stderr)


def guest_part(qemu, guest, header, tmp):
    """QEMU attaches the mdev mdevctl made; mdevctl stop takes it back"""
    recs = guest_layout(header)
    qt = Qtest(os.path.join(tmp, "qtest.sock"))
    qmp_sock = os.path.join(tmp, "qmp.sock")
    proc = subprocess.Popen([
        qemu, "-machine", "s390-ccw-virtio,memory-backend=mem",
        "-object", "memory-backend-memfd,id=mem,size=128M,share=on",
        "-m", "128M", "-accel", "tcg", "-cpu", "max", "-nodefaults",
        "-display", "none", "-kernel", guest,
        "-device", "vfio-ap,id=ap0,socket=" +
        os.path.join(tmp, "state", U1 + ".sock"),
        "-qmp", f"unix:{qmp_sock},server=on,wait=off",
        "-qtest", f"unix:{os.path.join(tmp, 'qtest.sock')}",
        "-qtest-log", "/dev/null"], stderr=open(os.path.join(tmp, "qemu.log"), "w"))
    try:
        qt.accept()
        qmp = Qmp(qmp_sock)
        staged = wait_for(lambda: qt.readq(RESULTS) >= 1, 30)
        adapters, domains = qci_ids(qt, qci_address(recs))
        check("a guest in QEMU sees the matrix mdevctl set (QCI)",
              staged and adapters == [1, 2] and domains == [1, 2],
              f"adapters {adapters}, domains {domains}")
        t0 = time.monotonic()
        out = sh(f"mdevctl stop -u {U1}")
        took = time.monotonic() - t0
        check("mdevctl stop while QEMU holds the mdev: QEMU lets go "
              "(device request), the mdev is removed",
              out.returncode == 0 and not os.path.exists(f"{MDEVS}/{U1}"),
              out.stdout + out.stderr)
        print(f"# mdevctl stop took {took:.2f} s")
        devices = [p["name"] for p in qmp.cmd("qom-list",
                                              path="/machine/peripheral")]
        check("QEMU runs on without the device", proc.poll() is None and
              "ap0" not in devices, devices)
    finally:
        stop_all([proc])


def mount_part(sim, tmp, log):
    """SIGTERM unmounts; a stale mount is replaced; a live one refused"""
    where = os.path.join(tmp, "tree")
    os.mkdir(where)
    proc = start_sim(sim, os.path.join(tmp, "state2"), where, log)
    proc.kill()
    proc.wait()
    try:
        os.stat(where)
        stale = False
    except OSError as e:
        stale = e.errno == errno.ENOTCONN
    log.seek(0, os.SEEK_END)
    at = log.tell()
    proc = start_sim(sim, os.path.join(tmp, "state3"), where, log)
    with open(log.name) as f:
        f.seek(at)
        said = f.read()
    check("a stale mount of a killed simulator is replaced, with a message",
          stale and "a stale mount" in said and
          os.path.exists(os.path.join(where, "bus/ap/apmask")), said)
    other = subprocess.run([sim, "--dir", os.path.join(tmp, "state4"),
                            "--sysfs", where], capture_output=True, text=True,
                           timeout=30)
    check("a live tree of another simulator is refused",
          other.returncode == 1 and "served by another simulator" in
          other.stderr and os.path.exists(os.path.join(where, "bus/ap")),
          other.stderr)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    check("SIGTERM: unmounted cleanly", proc.returncode == 0 and
          os.listdir(where) == [])

    at = log.tell()
    proc = start_sim(sim, os.path.join(tmp, "state5"), where, log)
    gone = subprocess.run(["umount", where]).returncode == 0
    noticed = wait_for(lambda: "the sysfs tree was unmounted" in
                       read(log.name)[at:])
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    check("the tree unmounted under a running simulator: noticed, then a "
          "clean stop", gone and noticed and proc.returncode == 0,
          read(log.name)[at:])


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    if os.getuid() != 0:
        print("not ok - mdevctl check: needs root (a mount namespace, FUSE)")
        print("0 passed, 1 failed")
        return 1
    if os.environ.get("VFIO_AP_MDEVCTL_NS") != "1":
        os.execvp("unshare", ["unshare", "-m", "--propagation", "private",
                              "env", "VFIO_AP_MDEVCTL_NS=1", sys.executable,
                              *sys.argv])
    qemu, sim, guest, header = (os.path.abspath(a) for a in sys.argv[1:5])
    tmp = tempfile.mkdtemp(prefix="vfio-ap-mdevctl-")
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", "/etc/mdevctl.d"],
                   check=True)
    for sub in ("callouts", "notifiers"):
        os.makedirs("/etc/mdevctl.d/scripts.d/" + sub)
    log = open(os.path.join(tmp, "sim.log"), "w+")
    proc = start_sim(sim, os.path.join(tmp, "state"), "/sys", log)
    try:
        check("vfio-ap-sim serves its tree over /sys",
              os.path.exists("/sys/class/mdev_bus/matrix"), read(log.name))
        mdevctl_part(sim, tmp)
        admin_part(sim, tmp)
        shell_part()
        guest_part(qemu, guest, header, tmp)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        check("SIGTERM: the tree over /sys is gone, the simulator clean",
              proc.returncode == 0 and not os.path.exists("/sys/bus/ap"),
              read(log.name))
        mount_part(sim, tmp, log)
    finally:
        stop_all([proc])
    print(f"{results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
