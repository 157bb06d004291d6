#!/bin/sh
# Install the Debian packages the build and the tests need. Idempotent; run as root.
# Only packages that are missing are installed, so a second run costs one dpkg query.
set -eu

# the driver: cross compiler, sparse, the kernel source; the harness: gcc
PKGS="make gcc libc6-dev perl python3 python3-docutils xz-utils bc flex bison libelf-dev
libssl-dev libjson-c-dev gcc-s390x-linux-gnu sparse linux-source-6.12"
# QEMU (meson and pycotap come from bookworm-backports: see ./configure)
PKGS="$PKGS git ninja-build pkg-config python3-venv libglib2.0-dev libfdt-dev
libpixman-1-dev zlib1g-dev device-tree-compiler"
# the Linux guest: its test program is static s390x C, its initramfs a cpio
PKGS="$PKGS libc6-dev-s390x-cross cpio"
# the fuzz targets: clang with libFuzzer and the sanitizers' runtime
PKGS="$PKGS clang libclang-rt-14-dev"
# the libvirt check (no daemon runs: virsh uses libvirt's embedded driver)
PKGS="$PKGS libvirt-clients libvirt-daemon libvirt-daemon-driver-qemu"
# the simulator's sysfs tree (FUSE) and the real mdevctl driving it
PKGS="$PKGS libfuse3-dev fuse3 mdevctl"

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing (run as root)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
