#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# DKMS POST_INSTALL and POST_REMOVE hook (dkms.conf): brings the initramfs
# of kernel $1 in line with /lib/modules/$1 after our modules came or went.
#
# On a Hyper-V guest the initramfs loads hv_vmbus and hv_storvsc, the root
# filesystem the rest (hv_utils, hv_netvsc...), and all of them must be
# the same build: ours throughout or the kernel's throughout. dkms 3
# dropped REMAKE_INITRD (it only warns about it now), so the package does
# it here.
#
# Only an initramfs that exists is rebuilt: while a new kernel is being
# installed, dkms builds for it before the initramfs is first made (the
# kernel's postinst.d hooks run dkms first), and that first build then
# picks our modules up by itself. dkms runs depmod only after this hook,
# so it runs here first, or the initramfs would resolve the old modules.
set -eu
kver=${1:?usage: dkms-initramfs.sh KERNEL-VERSION}

if command -v update-initramfs >/dev/null 2>&1; then
	[ -e "/boot/initrd.img-$kver" ] || exit 0
	depmod -a "$kver"
	update-initramfs -u -k "$kver"
elif command -v dracut >/dev/null 2>&1; then
	[ -e "/boot/initramfs-$kver.img" ] || exit 0
	depmod -a "$kver"
	dracut -f --kver "$kver"
fi
