#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Lays out the DKMS source tree of the modules, what the packages install
# as /usr/src/hyperv-tools-VERSION (packaging/debian/rules, the RPM spec)
# and what the kernel-*-dkms tests build:
#
#   kernel/scripts/dkms-tree.sh SRCROOT DEST VERSION
#
# SRCROOT is the project (kernel/, include/, packaging/dkms/dkms.conf.in);
# DEST gets kernel/ and include/, sources only (nothing an in-tree `make`
# left behind: objects, .ko files, .cmd files, Module.symvers...), and
# dkms.conf with VERSION filled in.
set -eu
src=${1:?usage: dkms-tree.sh SRCROOT DEST VERSION}
dest=${2:?usage: dkms-tree.sh SRCROOT DEST VERSION}
version=${3:?usage: dkms-tree.sh SRCROOT DEST VERSION}

mkdir -p "$dest"
tar -C "$src" -cf - \
	--exclude='*.o' --exclude='*.ko' --exclude='*.ko.*' --exclude='*.mod' \
	--exclude='*.mod.c' --exclude='.*.cmd' --exclude='.*.d' --exclude='*.symtypes' \
	--exclude='*.dwo' --exclude='*.a' --exclude='Module.symvers' \
	--exclude='modules.order' --exclude='.tmp_versions' --exclude='.cache.mk' \
	--exclude='*.orig' --exclude='*.rej' --exclude='*~' --exclude='.*.swp' \
	kernel include | tar -C "$dest" --no-same-owner -xf -
sed "s/@PACKAGE_VERSION@/$version/" "$src/packaging/dkms/dkms.conf.in" >"$dest/dkms.conf"
