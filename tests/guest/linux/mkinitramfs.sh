#!/bin/sh
# The Linux guest's initramfs, from Debian's s390x packages unpacked in
# DEBS: busybox, the kernel's zcrypt modules (decompressed: busybox's
# insmod takes them plain), lszcrypt with the libc it needs, our init and
# test program with its vectors.
# Usage: mkinitramfs.sh DEBS INIT ZCRYPT-TEST VECTORS OUTPUT.gz
set -eu
debs=$1 init=$2 test=$3 vectors=$4 out=$5
dir=$out.d
rm -rf "$dir"
mkdir -p "$dir/bin" "$dir/sbin" "$dir/proc" "$dir/sys" "$dir/dev" \
	"$dir/tmp" "$dir/lib/modules" "$dir/lib/s390x-linux-gnu"
cp "$debs/bin/busybox" "$dir/bin/"
for m in zcrypt zcrypt_cex4; do
	ko=$(find "$debs/lib/modules" -name "$m.ko.xz")
	[ -n "$ko" ] || { echo "mkinitramfs: no $m.ko.xz" >&2; exit 1; }
	xz -dc "$ko" > "$dir/lib/modules/$m.ko"
done
cp "$debs/sbin/lszcrypt" "$dir/sbin/"
cp -L "$debs/lib/s390x-linux-gnu/libc.so.6" "$debs/lib/s390x-linux-gnu/ld64.so.1" \
	"$dir/lib/s390x-linux-gnu/"
ln -s s390x-linux-gnu/ld64.so.1 "$dir/lib/ld64.so.1"
cp "$init" "$dir/init"
cp "$test" "$dir/zcrypt-test"
cp "$vectors" "$dir/vectors.bin"
chmod 755 "$dir/init" "$dir/zcrypt-test"
(cd "$dir" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) |
	gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
rm -rf "$dir"
