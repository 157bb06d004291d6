#!/bin/bash
# The libvirt check: Debian's libvirt turns a domain with a vfio-ap hostdev
# into a QEMU command line, and our QEMU accepts its -device line, with the
# mdev's sysfs path swapped for the socket of the same mdev in vfio-ap-sim.
#
#   tests/libvirt/check.sh QEMU-BINARY VFIO-AP-SIM-BINARY
#
# libvirt's embedded driver runs as an unprivileged user (as root it wants
# the libvirt-qemu user), so everything it reads is put in a scratch folder.
# The mdev is made as on a real host: by Debian's mdevctl, through the
# simulator's sysfs tree mounted over /sys in a mount namespace of this
# script's own (with a scratch /etc/mdevctl.d).
set -euo pipefail

[ "$(id -u)" = 0 ] || { echo "libvirt check: needs root (to run virsh as nobody)"; exit 1; }
if [ "${VFIO_AP_LIBVIRT_NS:-}" != 1 ]; then
	exec unshare -m --propagation private env VFIO_AP_LIBVIRT_NS=1 "$0" "$@"
fi

qemu=$(readlink -f "$1")
sim=$(readlink -f "$2")
uuid=62177883-f1bb-47f0-914d-32a22e3a8804
fails=0 passes=0

tmp=$(mktemp -d /tmp/vfio-ap-libvirt-XXXXXX)
sim_pid=
cleanup() {
	[ -z "$sim_pid" ] || kill "$sim_pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
chmod 755 "$tmp"
mkdir -p "$tmp/bin" "$tmp/home" "$tmp/sim"
cp "$qemu" "$tmp/bin/qemu-system-s390x"
chown nobody:nogroup "$tmp/home"

domain() {		# $1: number of vfio-ap hostdevs
	echo "<domain type='qemu'><name>vfio-ap-check</name>"
	echo "<memory unit='MiB'>256</memory><vcpu>1</vcpu>"
	echo "<os><type arch='s390x' machine='s390-ccw-virtio'>hvm</type></os>"
	echo "<cpu mode='maximum'/><devices>"
	echo "<emulator>$tmp/bin/qemu-system-s390x</emulator>"
	for i in $(seq "$1"); do
		echo "<hostdev mode='subsystem' type='mdev' model='vfio-ap'>"
		echo "<source><address uuid='${uuid%?}$i'/></source></hostdev>"
	done
	echo "</devices></domain>"
}

virsh_native() {	# $1: domain XML file; prints QEMU's argv
	(cd "$tmp/home" && setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env HOME="$tmp/home" XDG_CACHE_HOME="$tmp/home/cache" \
		XDG_CONFIG_HOME="$tmp/home/config" XDG_RUNTIME_DIR="$tmp/home/run" \
		virsh -c "qemu:///embed?root=$tmp/home/root" \
		domxml-to-native qemu-argv "$1")
}

result() {		# $1: ok or not, $2: what
	if [ "$1" = ok ]; then
		passes=$((passes + 1)); echo "ok - $2"
	else
		fails=$((fails + 1)); echo "not ok - $2"
	fi
}

# 1. one hostdev: libvirt's -device line
domain 1 > "$tmp/one.xml"
argv=$(virsh_native "$tmp/one.xml" 2>&1) || { echo "$argv"; exit 1; }
device=$(grep -o "\-device '{\"driver\":\"vfio-ap\"[^']*}'" <<<"$argv" | head -n 1 |
	 sed "s/^-device '//; s/'\$//")
echo "# libvirt: -device '$device'"
[ -n "$device" ] && grep -q '"sysfsdev":"/sys/bus/mdev/devices/' <<<"$device" &&
	result ok "libvirt writes a vfio-ap -device line" ||
	result no "libvirt writes a vfio-ap -device line"
grep -q -- "-cpu max" <<<"$argv" && result ok "with <cpu mode='maximum'/>: -cpu max" ||
	result no "with <cpu mode='maximum'/>: -cpu max"

# 2. libvirt's own limit: one vfio-ap hostdev per domain
domain 2 > "$tmp/two.xml"
if out=$(virsh_native "$tmp/two.xml" 2>&1); then
	result no "libvirt refuses a second vfio-ap hostdev"
else
	grep -q "Only one hostdev of model vfio-ap is supported" <<<"$out" &&
		result ok "libvirt refuses a second vfio-ap hostdev" ||
		{ echo "$out"; result no "libvirt refuses a second vfio-ap hostdev"; }
fi

# 3. our QEMU takes that line, the backend swapped for the simulator's, on
# an mdev that mdevctl made (after libvirt's runs: it reads the real /sys)
mount -t tmpfs tmpfs /etc/mdevctl.d
mkdir -p /etc/mdevctl.d/scripts.d/callouts /etc/mdevctl.d/scripts.d/notifiers
"$sim" --dir "$tmp/sim" --sysfs /sys 2>"$tmp/sim.log" &
sim_pid=$!
for _ in $(seq 500); do [ -e /sys/class/mdev_bus/matrix ] && break; sleep 0.01; done
mdev="${uuid%?}1"
mdevctl define -u "$mdev" -p matrix -t vfio_ap-passthrough &&
	mdevctl modify -u "$mdev" --addattr=assign_adapter --value=1 &&
	mdevctl modify -u "$mdev" --addattr=assign_domain --value=1 &&
	mdevctl start -u "$mdev" && [ -S "$tmp/sim/$mdev.sock" ] &&
	result ok "mdevctl made the mdev libvirt names, in the simulator" ||
	{ cat "$tmp/sim.log"; result no "mdevctl made the mdev libvirt names, in the simulator"; }
sysfsdev=$(sed 's|.*"sysfsdev":"\([^"]*\)".*|\1|' <<<"$device")
[ "$(readlink -f "$sysfsdev")" = "/sys/devices/vfio_ap/matrix/$mdev" ] &&
	result ok "libvirt's sysfsdev is that mdev in the host's sysfs" ||
	result no "libvirt's sysfsdev is that mdev in the host's sysfs"
device=$(sed "s|\"sysfsdev\":\"/sys/bus/mdev/devices/\([^\"]*\)\"|\"socket\":\"$tmp/sim/\1.sock\"|" <<<"$device")
echo "# ours:    -device '$device'"
answer=$(printf '%s\n' '{"execute":"qmp_capabilities"}' \
	'{"execute":"qom-get","arguments":{"path":"/machine/peripheral/hostdev0","property":"x-pending-config-events"}}' \
	'{"execute":"quit"}' |
	timeout 30 "$qemu" -S -machine s390-ccw-virtio -accel tcg -cpu max -nodefaults \
		-display none -qmp stdio -device "$device" 2>&1) || true
grep -q '{"return": 0}' <<<"$answer" &&
	result ok "our QEMU realizes libvirt's device on the simulator" ||
	{ echo "$answer"; result no "our QEMU realizes libvirt's device on the simulator"; }

echo "libvirt: $passes passed, $fails failed"
[ "$fails" = 0 ]
