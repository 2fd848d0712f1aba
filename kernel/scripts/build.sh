#!/bin/bash
# Builds the modules for one kernel outside the source tree.
#   kernel/scripts/build.sh KVER OUTDIR [make arguments...]
# KVER's headers must be installed (/lib/modules/KVER/build, Debian's
# linux-headers-KVER). The sources are mirrored into OUTDIR as symlinks, so
# one checkout builds for several kernels side by side; the modules end up
# as OUTDIR/<module dir>/<name>.ko (OUTDIR/vmbus/hv_vmbus.ko, ...) and the
# exports in OUTDIR/Module.symvers. Make arguments go to Kbuild (W=1, C=2,
# V=1...); JOBS (default 2) is its -j.
#
# HV_KERNEL_SRC: the module tree to build (default: the kernel/ holding
# this script).
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
src=$(readlink -f "${HV_KERNEL_SRC:-$(dirname "$here")}")
kver=${1:?usage: build.sh KVER OUTDIR [make args]}
out=${2:?usage: build.sh KVER OUTDIR [make args]}
shift 2
kdir=/lib/modules/$kver/build
[ -f "$kdir/Makefile" ] || { echo "build.sh: no headers for $kver at $kdir" >&2; exit 1; }
[ -f "$src/Kbuild" ] || { echo "build.sh: no Kbuild in $src" >&2; exit 1; }
mkdir -p "$out"
out=$(readlink -f "$out")
case $out/ in "$src"/*) echo "build.sh: OUTDIR must be outside $src" >&2; exit 1 ;; esac
# Mirror: every folder (an empty one too: Kbuild's -I of it must exist, or
# W=1 warns), every source file as a symlink; stale links (files removed
# from the tree) go away so a deleted source is not built.
find "$out" -type l ! -exec test -e {} \; -delete 2>/dev/null || true
(cd "$src" && find . -path ./scripts -prune -o -type d -print) |
while read -r d; do mkdir -p "$out/$d"; done
(cd "$src" && find . -path ./scripts -prune -o -type f \
    \( -name '*.[chS]' -o -name Kbuild -o -name Makefile \) -print) |
while read -r f; do
    ln -sfn "$src/${f#./}" "$out/$f"
done
exec make -C "$kdir" M="$out" -j"${JOBS:-2}" "$@" modules
