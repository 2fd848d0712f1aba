#!/bin/bash
# One kernel test (ctest -L kernel, cmake/kernel.cmake) for one guest flavour:
#
#   kernel/scripts/kernel-test.sh STEP FLAVOUR BUILDROOT
#
#   STEP      build    build.sh KVER BUILDROOT/KVER W=1; fails on any warning
#                      (compiler or modpost) in the log
#             sparse   the same tree checked by sparse (C=2) in
#                      BUILDROOT/KVER-sparse; fails on any sparse warning or
#                      error about our files
#             symvers  builds BUILDROOT/KVER if needed, then check-symvers.sh;
#                      HV_KERNEL_STRICT_SYMVERS=0 reports without failing
#             dkms     dkms-check.sh KVER BUILDROOT/dkms-KVER HV_VERSION
#   FLAVOUR   6.1 or 6.12: the kernel the VM tests boot, resolved by
#             tests/vm/kernel-version.sh (HV_KVER overrides it)
#
# Exits 77 (skipped) when that kernel's headers are not installed.
# HV_KERNEL_SRC: the module tree (default kernel/ of this project).
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
srcroot=$(readlink -f "$here/../..")
step=${1:?usage: kernel-test.sh build|sparse|symvers|dkms FLAVOUR BUILDROOT}
flavour=${2:?usage: kernel-test.sh STEP FLAVOUR BUILDROOT}
root=${3:?usage: kernel-test.sh STEP FLAVOUR BUILDROOT}
export HV_KERNEL_SRC=${HV_KERNEL_SRC:-$srcroot/kernel}

skip() { echo "SKIP: $*"; exit 77; }

kver=${HV_KVER:-}
if [ -z "$kver" ]; then
    kver=$("$srcroot/tests/vm/kernel-version.sh" "$flavour") ||
        skip "cannot tell which $flavour kernel the VM tests boot (apt-cache; ./run setup adds bookworm-backports)"
fi
[ -f "/lib/modules/$kver/build/Makefile" ] ||
    skip "no headers for $kver (/lib/modules/$kver/build): apt-get install linux-headers-$kver, or ./run setup"

mkdir -p "$root"
root=$(readlink -f "$root")
out=$root/$kver

# Runs build.sh into $1 with the remaining make arguments, the log in $log.
build() {
    local dir=$1 t0
    shift
    t0=$(date +%s)
    if ! "$here/build.sh" "$kver" "$dir" "$@" >"$log" 2>&1; then
        cat "$log"
        echo "FAIL: the modules do not build for $kver (build.sh $kver $dir $*)"
        exit 1
    fi
    echo "# build.sh $kver $dir $*: $(($(date +%s) - t0)) s"
}

case $step in
build)
    log=$out.build.log
    build "$out" W=1
    # Compiler warnings ("file:line:col: warning:") and modpost's
    # ("WARNING: modpost: ...").
    if grep -qi 'warning:' "$log"; then
        cat "$log"
        echo "---- the warnings:"
        grep -i 'warning:' "$log"
        echo "FAIL: $(grep -ci 'warning:' "$log") warnings building for $kver with W=1"
        exit 1
    fi
    ls "$out"/*/*.ko | sed "s|^$out/|# built: |"
    echo "PASS: the modules build for $kver with W=1, no warning"
    ;;
sparse)
    dir=$out-sparse
    # Compiled first (that log is the build test's business), so that the
    # C=2 pass prints sparse's findings only.
    log=$dir.compile.log
    build "$dir"
    log=$dir.sparse.log
    build "$dir" C=2
    # Ours: the files under $dir (the mirror) and the tree itself; sparse's
    # remarks about the kernel's headers are not ours to fix.
    ours=$(awk -v a="$dir/" -v b="$HV_KERNEL_SRC/" '
        (index($0, a) == 1 || index($0, b) == 1) && / (warning|error):/' "$log")
    nchecked=$(grep -c '^ *CHECK ' "$log" || true)
    if [ -n "$ours" ]; then
        cat "$log"
        echo "---- sparse about our files:"
        printf '%s\n' "$ours"
        echo "FAIL: $(printf '%s\n' "$ours" | wc -l) sparse warnings for $kver"
        exit 1
    fi
    if grep -qE '(warning|error):' "$log"; then
        echo "# sparse about the kernel's headers (not ours, not failing):"
        grep -E '(warning|error):' "$log" | sort | uniq -c | sort -rn | head -n 20
    fi
    echo "PASS: sparse checked $nchecked files for $kver, nothing about ours"
    ;;
symvers)
    log=$out.symvers-build.log
    build "$out" W=1
    if "$here/check-symvers.sh" "$kver" "$out"; then
        exit 0
    fi
    if [ "${HV_KERNEL_STRICT_SYMVERS:-1}" = 0 ]; then
        echo "NOTE: not failing: HV_KERNEL_STRICT_SYMVERS is OFF"
        exit 0
    fi
    exit 1
    ;;
dkms)
    command -v dkms >/dev/null || skip "dkms is not installed (./run setup installs it)"
    version=${HV_VERSION:?HV_VERSION (the package version) is not set}
    # The DKMS tree comes from the project holding the module tree.
    export HV_SRCROOT=${HV_SRCROOT:-$(dirname "$HV_KERNEL_SRC")}
    exec "$here/dkms-check.sh" "$kver" "$root/dkms-$kver" "$version"
    ;;
*)
    echo "kernel-test.sh: unknown step $step" >&2
    exit 2
    ;;
esac
